// Convolutional nets (nets/conv.ts, `--net conv`) and the convolution kernels
// they need on the wasm backend (engine/conv-kernels.ts): the kernels against
// the cpu backend's; every model family with conv nets on colour images of an
// odd size (shapes, a training step that changes the weights and lowers the
// loss, save → load → the same outputs, export); PyTorch rebuilding a conv
// export from architecture.json + model.safetensors alone; and the errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, resolveConfig } from '../src/core/config/resolve.js';
import type { Config, ModelKind } from '../src/core/config/schema.js';
import { makeDataset, type Dataset } from '../src/core/data/dataset.js';
import { exportSafetensors } from '../src/core/io/export.js';
import { layersModelFromFiles, layersModelToFiles } from '../src/core/io/layers-io.js';
import { configDigest } from '../src/core/io/run-digest.js';
import { flatExamples, shapedExamples } from '../src/core/models/data-shape.js';
import { buildModel, modelFamilies, modelFamily } from '../src/core/models/registry.js';
import type { Autoencoder } from '../src/core/models/types.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { configFromFlags } from '../src/node/cli/train.js';
import { loadRunModel } from '../src/node/load-run.js';
import { trainRun } from '../src/node/train-run.js';
import type { Reporter } from '../src/node/progress.js';
import { setupBackend, values } from './helpers/tf.js';

let backend = '';
before(async () => {
  backend = await setupBackend();
});
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-conv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const net = (extra: object = {}) => ({ kind: 'conv', channels: [4, 6], kernel: 3, stride: 2, hidden: [16], ...extra });

/** `n` colour images of `shape` ([H, W, C]): a bright square whose place depends on the class (i mod 4), over faint texture. */
function images(n: number, shape: readonly number[]): Dataset {
  const [h, w, c] = shape.length === 2 ? [shape[0], shape[1], 1] : shape;
  const x = new Float32Array(n * h * w * c);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    const [top, left] = [(k >> 1) * Math.floor(h / 2), (k & 1) * Math.floor(w / 2)];
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          const inside = y >= top && y < top + h / 2 && xx >= left && xx < left + w / 2;
          x[((i * h + y) * w + xx) * c + ch] = inside ? 0.85 - 0.2 * ch / c : 0.05 + 0.1 * (((i * 7 + y * 13 + xx * 5 + ch) % 10) / 10);
        }
      }
    }
  }
  return makeDataset('squares', shape, x, labels);
}

const batchOf = (data: Dataset, n: number) => tf.tensor2d(data.x.subarray(0, n * data.dim), [n, data.dim]);

function pythonWithTorch(): string | null {
  for (const python of [process.env.PYTHON ?? 'python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) return python;
  }
  return null;
}

describe('convolution kernels on wasm (native or wasm engine) against the cpu backend', () => {
  type Case = { batch: number; h: number; w: number; inC: number; outC: number; k: [number, number]; stride: number; pad: 'same' | 'valid' };
  const cases: Case[] = [
    { batch: 2, h: 7, w: 9, inC: 3, outC: 4, k: [4, 4], stride: 2, pad: 'same' },
    { batch: 1, h: 13, w: 11, inC: 3, outC: 5, k: [3, 3], stride: 2, pad: 'valid' },
    { batch: 3, h: 8, w: 8, inC: 2, outC: 2, k: [5, 3], stride: 1, pad: 'same' },
    { batch: 1, h: 12, w: 10, inC: 2, outC: 3, k: [4, 4], stride: 3, pad: 'same' },
    { batch: 2, h: 9, w: 9, inC: 2, outC: 3, k: [1, 1], stride: 2, pad: 'valid' },
    { batch: 1, h: 6, w: 6, inC: 5, outC: 7, k: [1, 1], stride: 1, pad: 'valid' },
    { batch: 4, h: 13, w: 11, inC: 3, outC: 8, k: [4, 4], stride: 2, pad: 'same' },
    { batch: 1, h: 5, w: 7, inC: 1, outC: 2, k: [2, 2], stride: 1, pad: 'valid' },
    // patches deeper than the native product's cache block (4·4·20 = 320 > 256), outputs wider than its tile
    { batch: 2, h: 10, w: 10, inC: 20, outC: 40, k: [4, 4], stride: 1, pad: 'same' },
  ];

  /** The forward pass, both gradients (through the tape), a transposed convolution and a fused one, as arrays. */
  function outputs(c: Case, seed: number): number[][] {
    return tf.tidy(() => {
      const x = tf.randomUniform([c.batch, c.h, c.w, c.inC], -1, 1, 'float32', seed) as tf.Tensor4D;
      const filter = tf.randomUniform([...c.k, c.inC, c.outC], -1, 1, 'float32', seed + 1) as tf.Tensor4D;
      const bias = tf.randomUniform([c.outC], -1, 1, 'float32', seed + 2) as tf.Tensor1D;
      const y = tf.conv2d(x, filter, c.stride, c.pad);
      const dy = tf.randomUniform(y.shape, -1, 1, 'float32', seed + 3) as tf.Tensor4D;
      const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)))([x, filter]);
      const transposed = tf.conv2dTranspose(dy, filter, x.shape, c.stride, c.pad);
      const fused = tf.fused.conv2d({ x, filter, strides: c.stride, pad: c.pad, bias, activation: 'relu' });
      const direct = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor;
      return [y, dx, dFilter, transposed, fused, direct].map((t) => Array.from(t.dataSync()));
    });
  }

  it('Conv2D, Conv2DBackpropFilter (which the wasm backend lacks), Conv2DBackpropInput and FusedConv2D agree with cpu to 1e-5', async (t) => {
    if (backend !== 'wasm' && backend !== 'native') {
      t.skip(`the suite runs on ${backend}; these kernels are the wasm backend's (either engine's)`);
      return;
    }
    const names = ['conv2d', 'input gradient', 'filter gradient', 'conv2dTranspose', 'fused conv2d', 'Conv2DBackpropFilter'];
    try {
      for (const [i, c] of cases.entries()) {
        await tf.setBackend('wasm');
        const wasm = outputs(c, 10 * i);
        await tf.setBackend('cpu');
        const cpu = outputs(c, 10 * i);
        wasm.forEach((got, j) => {
          assert.equal(got.length, cpu[j].length);
          const worst = Math.max(...got.map((v, m) => Math.abs(v - cpu[j][m]) / (1 + Math.abs(cpu[j][m]))));
          assert.ok(worst < 1e-5, `${names[j]} of ${JSON.stringify(c)}: differs by ${worst}`);
        });
      }
    } finally {
      await tf.setBackend(backend === 'native' ? 'wasm' : backend);
    }
  });
});

const adversarial = { discriminator: { hidden: [8] } };
const slices = {
  vae: {},
  aae: { adversarial },
  wae: { wae: { encoder: 'gaussian' } },
  'semi-supervised-aae': { adversarial, categorical: { classes: 4, labelled: 8, labelledBatchSize: 8 } },
  'clustering-aae': { adversarial, categorical: { classes: 4 } },
} satisfies Record<ModelKind, object>;

const SHAPE = [13, 11, 3];

/** Runs `epochs` epochs over `data` (one batch each); the headline term of each. */
async function train(model: Autoencoder, data: Dataset, epochs: number): Promise<number[]> {
  const family = modelFamily(model.config);
  const phases = family.phases(model, { stepsPerEpoch: 1, train: data });
  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const r = await trainEpoch({ phases, data, batchSize: data.size, epoch, seed: 1, startStep: epoch - 1 });
    losses.push(r.terms[family.terms.headline]);
  }
  return losses;
}

async function reloaded(model: Autoencoder): Promise<Autoencoder> {
  const nets: Record<string, Awaited<ReturnType<typeof layersModelFromFiles>>> = {};
  for (const [name, n] of Object.entries(model.nets)) {
    const files = await layersModelToFiles(n, 'test');
    nets[name] = await layersModelFromFiles(files['model.json'] as string, files['weights.bin'] as Uint8Array);
  }
  return modelFamily(model.config).create(model.config, model.dataShape, nets);
}

for (const kind of Object.keys(modelFamilies) as ModelKind[]) {
  describe(`${kind} with conv nets on ${SHAPE.join('×')} images`, () => {
    const config = resolveConfig({ model: kind, latentDim: 3, seed: 2, encoder: net(), decoder: net(), ...slices[kind] });
    const data = images(16, SHAPE);

    it('shapes: flat or image-shaped input, flat parameters with the image as event shape', () => {
      const model = buildModel(config, SHAPE);
      assert.deepEqual(model.dataShape, SHAPE);
      assert.equal(model.dataDim, 13 * 11 * 3);
      const x = batchOf(data, 5);
      const code = model.encode(x).mean();
      assert.deepEqual(code.shape, [5, model.latentDim]);
      assert.deepEqual(values(model.encode(tf.reshape(x, [5, ...SHAPE])).mean()), values(code), 'images as loaded give the same codes');
      const p = model.decode(code);
      assert.deepEqual(p.mean().shape, [5, model.dataDim]);
      assert.deepEqual(p.eventShape, SHAPE);
      const shaped = shapedExamples(p.mean(), p.eventShape);
      assert.deepEqual(shaped.shape, [5, ...SHAPE]);
      assert.deepEqual(values(flatExamples(shaped, SHAPE)), values(p.mean()), 'shapedExamples and flatExamples undo each other');
      assert.deepEqual(shapedExamples(p.sample({ seed: 1, n: 2 }), SHAPE).shape, [2, 5, ...SHAPE]);
      assert.throws(() => shapedExamples(code, SHAPE), new RegExp(`last axis must hold one example of shape \\[13, 11, 3\\] \\(429 values\\); got a tensor of shape \\[5, ${model.latentDim}\\]`));
      assert.deepEqual(p.logProb(x).shape, [5]);
      const decoder = model.nets.decoder;
      assert.ok(decoder.layers.some((l) => l.getClassName() === 'Cropping2D'), '16×12 from 4×3 is cropped to 13×11');
      model.dispose();
    });

    it('a training step changes every weight and the loss falls', async () => {
      const model = buildModel(config, SHAPE);
      const before = model.variables().map((v) => v.dataSync().slice());
      const losses = await train(model, data, 8);
      const after = model.variables().map((v) => v.dataSync());
      assert.ok(after.every((a, i) => a.some((x, j) => x !== before[i][j])), 'every variable trained');
      assert.ok(losses.every(Number.isFinite), `finite: ${losses}`);
      assert.ok(losses.at(-1)! < losses[0], `the ${modelFamily(config).terms.headline} falls: ${losses.map((l) => l.toFixed(1)).join(' → ')}`);
      model.dispose();
    });

    it('saves and loads: the same codes and decodings', async () => {
      const model = buildModel(config, SHAPE);
      await train(model, data, 1);
      const loaded = await reloaded(model);
      const x = batchOf(data, 6);
      const z = model.encode(x).mean();
      assert.deepEqual(values(loaded.encode(x).mean()), values(z));
      assert.deepEqual(values(loaded.decode(z).mean()), values(model.decode(z).mean()));
      model.dispose();
      loaded.dispose();
    });
  });
}

describe('conv nets: batch norm, memory, labels', () => {
  it('batch norm: moving statistics train, save and load', async () => {
    const config = resolveConfig({ latentDim: 2, encoder: net({ batchNorm: true }), decoder: net({ batchNorm: true }) });
    const data = images(16, [12, 12]);
    const model = buildModel(config, data.shape);
    assert.ok(model.nets.encoder.layers.some((l) => l.getClassName() === 'BatchNormalization'));
    await train(model, data, 2);
    const loaded = await reloaded(model);
    const x = batchOf(data, 4);
    const z = model.encode(x).mean();
    assert.deepEqual(values(loaded.encode(x).mean()), values(z));
    assert.deepEqual(values(loaded.decode(z).mean()), values(model.decode(z).mean()));
    model.dispose();
    loaded.dispose();
  });

  it('keeps the tensor count flat across steps', async () => {
    const config = resolveConfig({ latentDim: 2, encoder: net(), decoder: net() });
    const data = images(8, [10, 10]);
    const model = buildModel(config, data.shape);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
    const epoch = (n: number) => trainEpoch({ phases, data, batchSize: 4, epoch: n, seed: 1, startStep: 2 * n });
    await epoch(1);
    const count = tf.memory().numTensors;
    for (let n = 2; n <= 4; n++) await epoch(n);
    assert.equal(tf.memory().numTensors, count);
    model.dispose();
  });

  it("channels are the data's last axis: the decoder writes channel c of pixel (y, x) at (y·W + x)·C + c", () => {
    const config = resolveConfig({ latentDim: 2, encoder: net(), decoder: net(), likelihood: { kind: 'gaussian', variance: 1 } });
    const model = buildModel(config, [5, 4, 3]);
    const head = model.nets.decoder.getLayer('decoder_loc');
    const [kernel] = head.getWeights();
    head.setWeights([tf.zerosLike(kernel), tf.tensor1d([1, 2, 3])]);
    const mean = values(model.decode(tf.zeros([1, 2])).mean());
    assert.deepEqual(mean, Array.from({ length: 60 }, (_, i) => (i % 3) + 1));
    model.dispose();
  });

  it('a conditional conv VAE reads the label beside the image', () => {
    const config = resolveConfig({ latentDim: 2, encoder: net(), decoder: net(), labels: { use: 'conditional', classes: 4 } });
    const data = images(6, [8, 8, 2]);
    const model = buildModel(config, data.shape);
    assert.equal(model.nets.encoder.inputs.length, 2);
    const labels = tf.tensor1d(Array.from(data.labels!.subarray(0, 6)), 'int32');
    const q = model.encode(batchOf(data, 6), { labels });
    assert.deepEqual(q.mean().shape, [6, 2]);
    assert.deepEqual(model.decode(q.mean(), { labels }).mean().shape, [6, 128]);
    model.dispose();
  });
});

describe('conv export', () => {
  const cases: [string, Config, number[]][] = [
    ['a conv VAE on 28×28', resolveConfig({ latentDim: 4, encoder: net({ channels: [4, 8], kernel: 4 }), decoder: net({ channels: [4, 8], kernel: 4 }) }), [28, 28]],
    ['a conv VAE with batch norm on 13×11×3, Gaussian', resolveConfig({
      latentDim: 3, encoder: net({ batchNorm: true }), decoder: net({ batchNorm: true, activation: 'elu' }), likelihood: { kind: 'gaussian', variance: 'learned' },
    }), [13, 11, 3]],
  ];

  it('describes the conv layers: kernels, strides, padding, sizes, the crop', () => {
    const model = buildModel(cases[1][1], cases[1][2]);
    const { architecture } = exportSafetensors(model, model.dataShape);
    const enc = architecture.nets.encoder;
    const dec = architecture.nets.decoder;
    assert.ok(enc.kind === 'graph' && dec.kind === 'graph');
    const conv0 = enc.layers.find((l) => l.name === 'conv0');
    assert.ok(conv0 && conv0.type === 'conv2d');
    assert.deepEqual([conv0.in, conv0.out, conv0.kernelSize, conv0.stride, conv0.inputSize, conv0.outputSize], [3, 4, [3, 3], [2, 2], [13, 11], [7, 6]]);
    assert.deepEqual(conv0.pad, { top: 1, bottom: 1, left: 1, right: 1 });
    assert.deepEqual(enc.layers.map((l) => l.type), ['reshape', 'conv2d', 'batchNorm', 'activation', 'conv2d', 'batchNorm', 'activation', 'flatten', 'dense', 'dense', 'dense']);
    assert.deepEqual(Object.keys(dec.outputs).sort(), ['loc', 'logvar']);
    const crop = dec.layers.find((l) => l.type === 'crop');
    assert.ok(crop && crop.type === 'crop');
    assert.deepEqual([crop.top, crop.bottom, crop.left, crop.right], [1, 2, 0, 1], '16×12 (13 → 7 → 4, 11 → 6 → 3, doubled twice) cut to 13×11');
    assert.match(architecture.kernelLayout, /\[kh, kw, in, out\].*\[kh, kw, out, in\]/);
    model.dispose();
  });

  for (const [what, config, shape] of cases) {
    it(`PyTorch rebuilds ${what} from the export alone: encoder and decoder outputs to 1e-5`, async (t) => {
      const python = pythonWithTorch();
      if (!python) {
        t.skip('no Python with torch: install python3-torch to run the interop check');
        return;
      }
      const model = buildModel(config, shape);
      await train(model, images(8, shape), 2); // moves the batch-norm statistics off their start
      const dir = mkdtempSync(path.join(tmp, 'export-'));
      const { bytes, architecture } = exportSafetensors(model, shape);
      writeFileSync(path.join(dir, 'model.safetensors'), bytes);
      writeFileSync(path.join(dir, 'architecture.json'), JSON.stringify(architecture));
      const x = tf.randomUniform([3, model.dataDim], 0, 1, 'float32', 1);
      const z = tf.randomNormal([3, model.latentDim], 0, 1, 'float32', 2);
      const res = spawnSync(python, ['test/interop/torch_load_export.py', dir], { input: JSON.stringify({ x: x.arraySync(), z: z.arraySync() }), encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      const out = JSON.parse(res.stdout) as Record<string, number[][]> & { decoder: Record<string, number[][]> };
      const close = (got: number[][], want: tf.Tensor, what: string) => {
        const w = values(want);
        const worst = Math.max(...got.flat().map((v, i) => Math.abs(v - w[i]) / (1 + Math.abs(w[i]))));
        assert.equal(got.flat().length, w.length, what);
        assert.ok(worst < 1e-5, `${what}: PyTorch differs by ${worst}`);
      };
      const [loc, logVar] = model.nets.encoder.predict(x) as tf.Tensor[];
      close(out.loc, loc, 'encoder loc');
      close(out.logvar, logVar, 'encoder logvar');
      const heads = [model.nets.decoder.predict(z)].flat() as tf.Tensor[];
      Object.keys(out.decoder).forEach((head, i) => close(out.decoder[head], heads[i], `decoder ${head}`));
      model.dispose();
    });
  }
});

describe('a conv run folder', () => {
  it('trains, writes its manifest shape, and loads back with the same outputs', async () => {
    const config = resolveConfig({
      latentDim: 2, encoder: net(), decoder: net(), data: { source: 'mnist', trainLimit: 128, testLimit: 32 }, train: { epochs: 1, batchSize: 64 },
    });
    const silent: Reporter = { start() {}, update() {}, stop() {}, log() {} };
    const { dir, model } = await trainRun({ config, dir: path.join(tmp, 'run'), backend, reporter: silent });
    const { run, model: loaded } = await loadRunModel(dir);
    assert.deepEqual(run.manifest.data.shape, [28, 28]);
    assert.deepEqual(loaded.dataShape, [28, 28]);
    const x = tf.randomUniform([3, 784], 0, 1, 'float32', 4);
    const z = model.encode(x).mean();
    assert.deepEqual(values(loaded.encode(x).mean()), values(z));
    assert.deepEqual(values(loaded.decode(z).mean()), values(model.decode(z).mean()));
    model.dispose();
    loaded.dispose();
  });
});

describe('conv configuration', () => {
  it('a table ([D] examples) with a conv net is a clear error', () => {
    const config = resolveConfig({ encoder: { kind: 'conv' }, decoder: { kind: 'conv' } });
    assert.throws(() => buildModel(config, [16]), (e: unknown) => e instanceof ConfigError
      && /a conv net needs images, examples of shape \[H, W\] or \[H, W, C\]; this data has a table row of 16 values/.test(e.message) && /--net mlp/.test(e.message));
  });

  it('an MLP config without a kind resolves as before (no field added, same digest); conv fields are checked', async () => {
    const plain = resolveConfig({ encoder: { hidden: [400] } });
    assert.deepEqual(plain.encoder, { hidden: [400], activation: 'relu' });
    assert.equal(await configDigest(plain), await configDigest(resolveConfig({})));
    const conv = resolveConfig({ encoder: { kind: 'conv' } });
    assert.deepEqual(conv.encoder, { kind: 'conv', channels: [32, 64], kernel: 4, stride: 2, batchNorm: false, hidden: [256], activation: 'relu' });
    assert.throws(() => resolveConfig({ encoder: { kind: 'conv', hidden: [8], layers: 3 } }), /unknown key "layers" in encoder/);
    assert.throws(() => resolveConfig({ decoder: { kind: 'cnn' } }), /decoder\.kind/);
    assert.throws(() => resolveConfig({ encoder: { kind: 'conv', init: 'xavier' } }), /encoder\.init/);
  });

  it("init 'he': weights with variance 2 / fan_in and zero biases; the default is PyTorch's U(±1/√fan_in) for both", () => {
    const spread = (init?: 'he' | 'pytorch') => {
      const model = buildModel(resolveConfig({ latentDim: 4, encoder: { kind: 'conv', channels: [16, 32], hidden: [64], init }, decoder: { kind: 'conv', channels: [16, 32], hidden: [64], init } }), [16, 16, 3]);
      const conv = model.nets.encoder.getLayer('encoder_conv1').getWeights();   // kernel [4, 4, 16, 32]: fan_in 4·4·16 = 256
      const [kernel, bias] = conv.map((w) => Float64Array.from(w.dataSync()));
      model.dispose();
      const variance = kernel.reduce((a, v) => a + v * v, 0) / kernel.length;
      return { variance, maxBias: Math.max(...bias.map(Math.abs)) };
    };
    const he = spread('he');
    assert.ok(Math.abs(he.variance * 256 / 2 - 1) < 0.1, `He: variance·fan_in = ${(he.variance * 256).toFixed(3)}, expected 2`);
    assert.equal(he.maxBias, 0);
    const pytorch = spread();
    assert.ok(Math.abs(pytorch.variance * 256 * 3 - 1) < 0.1, `PyTorch: variance·fan_in = ${(pytorch.variance * 256).toFixed(3)}, expected 1/3`);
    assert.ok(pytorch.maxBias > 0 && pytorch.maxBias <= 1 / 16, `biases within ±1/√256: ${pytorch.maxBias}`);
    assert.deepEqual(spread('pytorch'), pytorch, "'pytorch' is the default");
    assert.equal(resolveConfig({ encoder: { kind: 'conv' } }).encoder.kind === 'conv' && 'init' in resolveConfig({ encoder: { kind: 'conv' } }).encoder, false, 'no init key is added, so stored conv configs keep their digest');
  });

  it('--net conv sets both nets to the default conv net; --net mlp turns a conv preset back', () => {
    const conv = configFromFlags({ net: 'conv', hidden: [128], backend: 'wasm', out: tmp });
    assert.equal(conv.encoder.kind, 'conv');
    assert.equal(conv.decoder.kind, 'conv');
    assert.deepEqual(conv.encoder.hidden, [128]);
    const mnist = configFromFlags({ preset: 'conv-mnist', backend: 'wasm', out: tmp });
    assert.deepEqual(mnist.encoder, { kind: 'conv', channels: [32, 64], kernel: 4, stride: 2, batchNorm: false, hidden: [256], activation: 'relu' });
    assert.equal(mnist.latentDim, 10);
    const mlp = configFromFlags({ preset: 'conv-mnist', net: 'mlp', backend: 'wasm', out: tmp });
    assert.deepEqual(mlp.encoder, { hidden: [400], activation: 'relu' });
    const colour = configFromFlags({ preset: 'conv-colour', backend: 'wasm', out: tmp });
    assert.equal(colour.likelihood.kind, 'gaussian');
    assert.ok(colour.encoder.kind === 'conv' && colour.encoder.init === 'he' && colour.decoder.kind === 'conv' && colour.decoder.init === 'he', 'conv-colour uses He initialisation');
    assert.deepEqual(configFromFlags({ preset: 'conv-colour', likelihood: 'bernoulli', backend: 'wasm', out: tmp }).likelihood, { kind: 'bernoulli' }, "the preset's variance does not carry over");
  });
});
