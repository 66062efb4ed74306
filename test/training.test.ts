import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../src/core/config/resolve.js';
import { makeDataset, take } from '../src/core/data/dataset.js';
import { evaluateObjective } from '../src/core/metrics/evaluate.js';
import { importanceWeightedBound } from '../src/core/metrics/iw.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { negativeElbo } from '../src/core/objectives/elbo.js';
import { Adam } from '../src/core/training/adam.js';
import { fit } from '../src/core/training/fit.js';
import { createOptimizer } from '../src/core/training/optimizers.js';
import { clipByGlobalNorm, trainEpoch, type Phase } from '../src/core/training/trainer.js';
import { allFinite, DivergenceError } from '../src/core/training/divergence.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);

const smallConfig = (extra: object = {}) =>
  resolveConfig({ latentDim: 4, encoder: { hidden: [32] }, decoder: { hidden: [32] }, train: { batchSize: 50, epochs: 3 }, ...extra });

function snapshot(vars: readonly tf.Variable[]): Float32Array[] {
  return vars.map((v) => v.dataSync().slice() as Float32Array);
}

function sameValues(a: Float32Array[], b: Float32Array[]): boolean {
  return a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

describe('trainer', () => {
  it('keeps the tensor count flat across steps and epochs', async () => {
    const data = take(loadDataSplits('mnist').test, 400);
    const config = smallConfig();
    const model = buildModel(config, data.shape);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 8 });
    await trainEpoch({ phases, data, batchSize: 50, epoch: 1, seed: 1, startStep: 0 });
    const before = tf.memory().numTensors;
    let during = 0;
    await trainEpoch({
      phases, data, batchSize: 50, epoch: 2, seed: 1, startStep: 8, reportEvery: 1,
      onProgress: () => { during = Math.max(during, tf.memory().numTensors); },
    });
    assert.equal(tf.memory().numTensors, before, 'tensors leaked over an epoch');
    assert.ok(during - before <= 2, `tensor count grew during the epoch by ${during - before}`);
  });

  it('a phase changes only its own variables', async () => {
    const data = take(loadDataSplits('mnist').test, 100);
    const config = smallConfig();
    const model = buildModel(config, data.shape);
    const encoderVars = model.nets.encoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const decoderVars = model.nets.decoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const decoderOnly: Phase = {
      name: 'decoder-only',
      optimizer: createOptimizer({ kind: 'adam', learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: [] }, decoderVars),
      loss: (x, { seed }) => negativeElbo(model, x, { seed, training: true }),
    };
    const enc0 = snapshot(encoderVars);
    const dec0 = snapshot(decoderVars);
    await trainEpoch({ phases: [decoderOnly], data, batchSize: 50, epoch: 1, seed: 3, startStep: 0 });
    assert.ok(sameValues(enc0, snapshot(encoderVars)), 'the encoder changed in a decoder-only phase');
    assert.ok(!sameValues(dec0, snapshot(decoderVars)), 'the decoder did not change');
  });

  it('lowers the held-out negative ELBO', async () => {
    const { train, test } = loadDataSplits('mnist', { trainLimit: 1500, testLimit: 300 });
    const config = smallConfig();
    const model = buildModel(config, train.shape);
    const family = modelFamily(config);
    const evalNow = async () => (await evaluateObjective((x, s) => family.evaluate(model, x, s), test, { seed: 9 })).loss;
    const start = await evalNow();
    const records = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: 30 }), train, test, epochs: 3 });
    assert.equal(records.length, 3);
    assert.ok(records[2].test.loss < start - 100, `test −ELBO ${start} → ${records[2].test.loss}`);
    assert.ok(records[2].test.loss < records[0].test.loss);
    for (const r of records) assert.ok(Math.abs(r.train.loss - r.train.reconstruction - r.train.kl) < 1e-3);
  });

  it('is repeatable from its seed', async () => {
    const data = take(loadDataSplits('mnist').test, 200);
    const run = async () => {
      const config = smallConfig({ seed: 42 });
      const model = buildModel(config, data.shape);
      const r = await trainEpoch({ phases: modelFamily(config).phases(model, { stepsPerEpoch: 4 }), data, batchSize: 50, epoch: 1, seed: 42, startStep: 0 });
      return { terms: r.terms, weights: snapshot(model.variables()) };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a.terms, b.terms);
    assert.ok(sameValues(a.weights, b.weights));
  });

  it('sums the terms on the device where reading back waits (WebGL) as it does on the host: same means, same progress, same weights', async () => {
    // The cpu backend's kernels under a name the trainer does not know as a host backend: the device path (WebGL's) on the CPU.
    const deviceName = 'test-device-sums';
    if (!tf.findBackendFactory(deviceName)) {
      tf.registerBackend(deviceName, () => new MathBackendCPU());
      for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: deviceName });
    }
    const suiteBackend = tf.getBackend();
    const data = take(loadDataSplits('mnist').test, 230);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const config = smallConfig({ seed: 5 });
      const model = buildModel(config, data.shape);
      const progress: Record<string, number>[] = [];
      const r = await trainEpoch({
        phases: modelFamily(config).phases(model, { stepsPerEpoch: 5 }), data, batchSize: 50, epoch: 1, seed: 5, startStep: 0,
        reportEvery: 2, onProgress: (p) => progress.push({ ...p.terms }),
      });
      return { terms: r.terms, progress, weights: snapshot(model.variables()) };
    };
    try {
      const host = await run('cpu');
      const device = await run(deviceName);
      assert.deepEqual(Object.keys(device.terms), ['loss', 'reconstruction', 'kl']);
      assert.equal(device.progress.length, 3, 'after steps 2, 4 and the last (5, a batch of 30)');
      assert.equal(host.progress.length, 3);
      for (const [h, d] of [[host.terms, device.terms], ...host.progress.map((p, i) => [p, device.progress[i]])]) {
        for (const name of Object.keys(h)) assert.ok(Math.abs(h[name] - d[name]) <= 1e-5 * Math.abs(h[name]), `${name}: ${h[name]} on the host, ${d[name]} on the device`);
      }
      assert.ok(sameValues(host.weights, device.weights));
    } finally {
      await tf.setBackend(suiteBackend);
    }
  });
});

describe('divergence', () => {
  /** One variable w, loss = f(w, step): a toy phase whose loss we choose per step. */
  function toyPhase(lossAt: (step: number) => number): { phase: Phase; w: tf.Variable } {
    const w = tf.variable(tf.scalar(1));
    const phase: Phase = {
      name: 'toy',
      optimizer: createOptimizer({ kind: 'sgd', learningRate: 1e-6, momentum: 0, nesterov: false, schedule: [] }, [w]),
      loss: (_x, { step }) => {
        const loss = tf.mul(w, lossAt(step)) as tf.Scalar;
        return { total: loss, terms: { loss } };
      },
    };
    return { phase, w };
  }
  const data = makeDataset('toy', [2], new Float32Array(2 * 400));

  it('a loss that turns NaN stops the epoch within reportEvery steps, naming the epoch and the term', async () => {
    const { phase } = toyPhase((step) => (step >= 23 ? NaN : 5));
    await assert.rejects(trainEpoch({ phases: [phase], data, batchSize: 10, epoch: 2, seed: 1, startStep: 0 }),
      (e: unknown) => e instanceof DivergenceError && e.epoch === 2 && e.step === 30 && /the training loss is not finite \(loss NaN\)/.test(e.message));
  });

  it('a loss 100× its size on the first batch counts as diverged; 50× does not', async () => {
    const exploding = toyPhase((step) => (step >= 10 ? 5 * 1000 : 5));
    await assert.rejects(trainEpoch({ phases: [exploding.phase], data, batchSize: 10, epoch: 1, seed: 1, startStep: 0, start: {} }),
      (e: unknown) => e instanceof DivergenceError && /grew to over 100× its size at the start \(5\.000\)/.test(e.message));
    const worse = toyPhase((step) => (step >= 10 ? 5 * 50 : 5));
    const result = await trainEpoch({ phases: [worse.phase], data, batchSize: 10, epoch: 1, seed: 1, startStep: 0 });
    assert.ok(result.terms.loss > 100, 'a loss that grew 50× is still reported, not stopped');
  });

  it('a density bound falling far below zero is not a divergence, nor a term growing past 100× a tiny start within 100× the values per example', async () => {
    const falling = toyPhase((step) => (step === 0 ? 1 : -1000 * step));
    const fell = await trainEpoch({ phases: [falling.phase], data, batchSize: 10, epoch: 1, seed: 1, startStep: 0, start: {} });
    assert.ok(fell.terms.loss < -1000);
    // A start of 0.01: a term of 500 is over 100 × max(0.01, 2 values, 1) = 200 here, but not with 784 values per example.
    const small = toyPhase((step) => (step === 0 ? 0.01 : 500));
    await assert.rejects(trainEpoch({ phases: [small.phase], data, batchSize: 10, epoch: 1, seed: 1, startStep: 0, start: {} }),
      (e: unknown) => e instanceof DivergenceError, 'a term of 500 against a limit of 100 × 2 values is a divergence');
    const within = toyPhase((step) => (step === 0 ? 0.01 : 500));
    const wide = makeDataset('wide', [784], new Float32Array(784 * 400));
    const ok = await trainEpoch({ phases: [within.phase], data: wide, batchSize: 10, epoch: 1, seed: 1, startStep: 0, start: {} });
    assert.ok(ok.terms.loss > 100, 'with 784 values per example the floor is 78,400');
  });

  it('allFinite finds one NaN among the weights', async () => {
    const ok = [tf.variable(tf.ones([3, 3])), tf.variable(tf.zeros([4]))];
    assert.equal(await allFinite(ok), true);
    assert.equal(await allFinite([...ok, tf.variable(tf.tensor1d([1, Infinity]))]), false);
    assert.equal(await allFinite([tf.variable(tf.tensor1d([0, NaN, 2]))]), false);
  });
});

describe('gradient clipping', () => {
  it('clipByGlobalNorm scales all gradients by one factor to the given norm, and leaves smaller ones and gaps alone', () => {
    const [a, gap, b] = clipByGlobalNorm([tf.tensor1d([3, 0]), undefined, tf.tensor2d([[0, 4]])], 1);
    assert.equal(gap, undefined);
    assert.deepEqual(values(a!).map((v) => +v.toFixed(5)), [0.6, 0]);
    assert.deepEqual(values(b!).map((v) => +v.toFixed(5)), [0, 0.8]);
    const [small] = clipByGlobalNorm([tf.tensor1d([0.3, 0.4])], 1);
    assert.deepEqual(values(small!).map((v) => +v.toFixed(5)), [0.3, 0.4]);
  });

  it('with train.clipGradNorm, one SGD step moves the weights by at most rate × norm', async () => {
    const step = async (clipGradNorm?: number) => {
      const w = tf.variable(tf.tensor1d([0, 0, 0]));
      const phase: Phase = {
        name: 'far',
        optimizer: createOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, schedule: [] }, [w]),
        // Gradient 2(w − 100) = −200 per coordinate: a step of 20 per coordinate unclipped.
        loss: () => {
          const loss = tf.sum(tf.square(tf.sub(w, 100))) as tf.Scalar;
          return { total: loss, terms: { loss } };
        },
      };
      await trainEpoch({ phases: [phase], data: makeDataset('one', [2], new Float32Array(2)), batchSize: 1, epoch: 1, seed: 1, startStep: 0, clipGradNorm });
      const moved = Math.hypot(...values(w));
      w.dispose();
      return moved;
    };
    assert.ok(Math.abs((await step()) - 20 * Math.sqrt(3)) < 1e-3);
    assert.ok(Math.abs((await step(5)) - 0.5) < 1e-4, 'rate 0.1 × norm 5');
  });
});

describe('Adam', () => {
  it('matches tf.train.adam step for step', () => {
    const init = tf.randomNormal([6, 3], 0, 1, 'float32', 4);
    const target = tf.randomNormal([6, 3], 0, 1, 'float32', 5);
    const ours = tf.variable(init.clone());
    const theirs = tf.variable(init.clone());
    const spec = { learningRate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6 };
    const adam = new Adam([ours], spec);
    const reference = tf.train.adam(spec.learningRate, spec.beta1, spec.beta2, spec.epsilon);
    const loss = (v: tf.Variable) => () => tf.sum(tf.pow(tf.sub(v, target), 4)) as tf.Scalar;
    for (let i = 0; i < 25; i++) {
      const { grads } = tf.variableGrads(loss(ours), [ours]);
      adam.apply([grads[ours.name]]);
      reference.minimize(loss(theirs), false, [theirs]);
    }
    const a = values(ours);
    const b = values(theirs);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `${v} vs ${b[i]}`));
    assert.ok(a.some((v, i) => Math.abs(v - values(init)[i]) > 0.1), 'the variable moved');
  });

  it('restores its state: continuing equals never stopping', () => {
    const make = () => tf.variable(tf.tensor1d([1, -2, 3]));
    const grad = tf.tensor1d([0.5, -1, 2]);
    const spec = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const a = make();
    const adamA = new Adam([a], spec);
    for (let i = 0; i < 4; i++) adamA.apply([grad]);
    const b = make();
    const adamB = new Adam([b], spec);
    adamB.apply([grad]);
    adamB.apply([grad]);
    const state = adamB.getState();
    const c = tf.variable(b.clone());
    const adamC = new Adam([c], spec);
    adamC.setState(state);
    adamC.apply([grad]);
    adamC.apply([grad]);
    assert.deepEqual(values(c), values(a));
  });
});

describe('importance-weighted bound', () => {
  it('L_1 ≈ ELBO, and L_K rises with K while staying finite', async () => {
    const { train, test } = loadDataSplits('mnist', { trainLimit: 1000, testLimit: 200 });
    const config = smallConfig();
    const model = buildModel(config, train.shape);
    const family = modelFamily(config);
    await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: 20 }), train, test, epochs: 2 });
    const elbo = (await evaluateObjective((x, s) => family.evaluate(model, x, s), test, { seed: 3 })).loss;
    const l1 = await importanceWeightedBound(model, test, { k: 1, seed: 5 });
    const l50 = await importanceWeightedBound(model, test, { k: 50, seed: 5 });
    // Small chunks exercise the streamed log-sum-exp across chunks.
    const l50chunked = await importanceWeightedBound(model, test, { k: 50, seed: 5, maxElements: 3 * 100 * 784 });
    assert.ok(Math.abs(l1.nll - elbo) < 1.5, `L_1 ${l1.nll} vs −ELBO ${elbo}`);
    assert.ok(l50.nll < elbo - 0.5, `L_50 ${l50.nll} should beat −ELBO ${elbo}`);
    assert.ok(Number.isFinite(l50.nll));
    assert.ok(Math.abs(l50chunked.nll - l50.nll) < 1.0, `chunked ${l50chunked.nll} vs ${l50.nll}`);
  });

  it('equals log p(x) exactly when q(z|x) is the true posterior', async () => {
    // Model: z ~ N(0,1), x|z ~ N(z, 1) → p(x) = N(0, 2), posterior N(x/2, 1/2).
    // Build the "nets" as fixed functions through a hand-made Autoencoder.
    const { DiagNormal, StandardNormal } = await import('../src/core/distributions/index.js');
    const model = {
      kind: 'vae', config: smallConfig(), dataDim: 1, latentDim: 1, prior: new StandardNormal(1), nets: {},
      encode: (x: tf.Tensor) => new DiagNormal(tf.mul(x, 0.5), tf.fill(x.shape, Math.log(0.5))),
      decode: (z: tf.Tensor) => new DiagNormal(z, tf.zerosLike(z)),
      variables: () => [], dispose: () => {},
    } as unknown as Parameters<typeof importanceWeightedBound>[0];
    const xs = new Float32Array([0.3, -1.2, 2]);
    const data = makeDataset('toy', [1], xs);
    const bound = await importanceWeightedBound(model, data, { k: 7, seed: 1 });
    const exact = Array.from(xs).reduce((s, x) => s - 0.5 * (Math.log(2 * Math.PI * 2) + (x * x) / 2), 0) / xs.length;
    assert.ok(Math.abs(bound.logLikelihoodBound - exact) < 1e-4, `${bound.logLikelihoodBound} vs ${exact}`);
  });
});
