import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, resolveConfig } from '../src/core/config/resolve.js';
import type { PriorSpec } from '../src/core/config/schema.js';
import { klDivergence, DiagNormal } from '../src/core/distributions/index.js';
import { buildModel } from '../src/core/models/registry.js';
import { negativeElbo } from '../src/core/objectives/elbo.js';
import { createPrior, GaussianMixture, type VampPrior } from '../src/core/priors/index.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../src/core/data/errors.js';
import { loadPriorResources } from '../src/node/prior-file.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);

const specs = (): PriorSpec[] => [
  resolveConfig({}).prior,
  resolveConfig({ prior: { kind: 'gaussian-mixture' } }).prior,
  resolveConfig({ model: 'aae', prior: { kind: 'swiss-roll' } }).prior,
  resolveConfig({ model: 'aae', prior: { kind: 'uniform', halfWidth: 1.5 } }).prior,
];

describe('every prior (contract)', () => {
  for (const spec of specs()) {
    it(`${spec.kind}: samples [n, d], repeatable by seed, finite`, () => {
      const p = createPrior(spec, 2);
      const a = p.sample({ seed: 3, n: 500 });
      assert.deepEqual(a.shape, [500, 2]);
      assert.deepEqual(values(a), values(p.sample({ seed: 3, n: 500 })));
      assert.notDeepEqual(values(a), values(p.sample({ seed: 4, n: 500 })));
      assert.ok(values(a).every(Number.isFinite));
      if (p.hasDensity) assert.ok(values(p.logProb(a)).every((v) => v > -Infinity), 'its own samples have positive density');
    });
  }
});

describe('gaussian mixture', () => {
  it('log-density matches the closed form', () => {
    const p = new GaussianMixture([[0, 0], [3, 1]], 0.7);
    const z = [[0.5, -0.2], [2.5, 1.5], [10, 10]];
    const got = values(p.logProb(tf.tensor2d(z)));
    const n = (x: number[], m: number[]) => Math.exp(-((x[0] - m[0]) ** 2 + (x[1] - m[1]) ** 2) / (2 * 0.49)) / (2 * Math.PI * 0.49);
    z.forEach((x, i) => {
      const want = Math.log(0.5 * n(x, [0, 0]) + 0.5 * n(x, [3, 1]));
      if (Number.isFinite(want)) assert.ok(Math.abs(got[i] - want) < 1e-4, `${got[i]} vs ${want}`);
      else assert.ok(got[i] < -100 && Number.isFinite(got[i]), 'far points stay finite (log-sum-exp)');
    });
  });

  it('the circle layout puts K components at the radius, sampled evenly', () => {
    const p = createPrior({ kind: 'gaussian-mixture', components: 10, radius: 4, std: 0.1 }, 2) as GaussianMixture;
    const { z, components } = p.sampleWithComponents({ seed: 1, n: 5000 });
    const counts = new Array(10).fill(0);
    components.forEach((k) => counts[k]++);
    assert.ok(counts.every((c) => c > 400 && c < 600), `counts ${counts}`);
    const zs = z.arraySync() as number[][];
    zs.forEach(([x, y], i) => {
      const angle = (2 * Math.PI * components[i]) / 10;
      assert.ok(Math.hypot(x - 4 * Math.cos(angle), y - 4 * Math.sin(angle)) < 0.6);
    });
  });

  it('a VAE with a mixture prior trains through the Monte Carlo KL', () => {
    const config = resolveConfig({ latentDim: 2, encoder: { hidden: [16] }, decoder: { hidden: [16] }, prior: { kind: 'gaussian-mixture', components: 4, radius: 2, std: 0.5 } });
    const model = buildModel(config, [12]);
    const x = tf.randomUniform([64, 12], 0, 1, 'float32', 2);
    const { terms } = negativeElbo(model, x, { seed: 5 });
    assert.ok(Number.isFinite(values(terms.kl)[0]));
    // The single-sample estimate is unbiased: its average over many seeds matches a 4000-sample estimate.
    const q = model.encode(x) as DiagNormal;
    const many = values(tf.mean(klDivergence(q, model.prior, { seed: 9, samples: 4000 })))[0];
    const single = Array.from({ length: 200 }, (_, s) => values(tf.mean(klDivergence(q, model.prior, { seed: 100 + s })))[0]);
    const avg = single.reduce((a, b) => a + b, 0) / single.length;
    assert.ok(Math.abs(avg - many) < 0.1, `${avg} vs ${many}`);
    const grads = tf.variableGrads(() => negativeElbo(model, x, { seed: 5, training: true }).total, model.variables()).grads;
    assert.ok(Object.values(grads).every((g) => values(g).every(Number.isFinite)));
  });
});

describe('bad prior specs', () => {
  const configError = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  it('mismatched dimensions and impossible pairings are clear errors', () => {
    configError(() => createPrior({ kind: 'swiss-roll', noise: 0.1, components: 10 }, 3), /swiss-roll is a 2-D prior; latentDim is 3/);
    configError(() => createPrior({ kind: 'gaussian-mixture', components: 2, radius: 1, std: 1, means: [[0, 0], [1, 1, 1]] }, 2), /means\[1\] has 3 coordinates/);
    configError(() => createPrior({ kind: 'gaussian-mixture', components: 3, radius: 1, std: 1 }, 1), /at least 2 dimensions/);
    configError(() => resolveConfig({ prior: { kind: 'gaussian-mixture', components: 0 } }), /prior\.components/);
    configError(() => resolveConfig({ prior: { kind: 'moon' } }), /prior/);
    configError(() => buildModel(resolveConfig({ prior: { kind: 'swiss-roll' } }), [4]), /VAE needs a prior with a density/);
    configError(() => buildModel(resolveConfig({ prior: { kind: 'uniform' } }), [4]), /zero outside its support/);
  });
});

describe('prior sample files (loadPriorResources)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentlab-prior-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Loads `bytes` written as `name`, expecting a DataError naming the file; returns its message. */
  const refused = (name: string, bytes: Uint8Array | string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    try {
      loadPriorResources(resolveConfig({ model: 'aae', prior: { kind: 'samples', file } }));
    } catch (e) {
      assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
      assert.equal(e.source, file);
      assert.doesNotMatch(e.message, /\n/);
      return e.detail;
    }
    assert.fail(`${name} was accepted`);
  };
  const npy = (major: number, header: string): Buffer => {
    const prefix = Buffer.alloc(major === 1 ? 10 : 12);
    prefix.write('\x93NUMPY', 0, 'latin1');
    prefix[6] = major;
    if (major === 1) prefix.writeUInt16LE(header.length, 8);
    else prefix.writeUInt32LE(header.length, 8);
    return Buffer.concat([prefix, Buffer.from(header, 'latin1')]);
  };

  it('a version 2 .npy too short for its header length is a DataError (not a RangeError)', () => {
    assert.equal(refused('short.npy', npy(2, '').subarray(0, 11)), 'truncated: 11 bytes, too short for a version 2 header');
  });

  it('a dtype with a line break is quoted on one line, and a long one cut', () => {
    assert.equal(refused('newline.npy', npy(1, "{'descr': '\n    at evil (x.js:1:1)', 'fortran_order': False, 'shape': (1, 2), }\n")),
      'dtype "\\n    at evil (x.js:1:1)" is not supported (numbers only: bool, int8–int64, uint8–uint64, float32, float64; not structured, string or object arrays)');
    assert.match(refused('long.npy', npy(1, `{'descr': '${'x'.repeat(3000)}', 'fortran_order': False, 'shape': (1, 2), }\n`)), /^dtype "x{30,}…" is not supported/);
  });

  it('invalid JSON is named on one line, the parser\'s quote of the text escaped', () => {
    assert.match(refused('rows.json', '[[1, 2],\n    at evil]'), /^not valid JSON \(.*\\n    at evil\]/);
  });
});

describe('VampPrior', () => {
  const config = resolveConfig({ latentDim: 2, seed: 4, prior: { kind: 'vamp', components: 5 }, encoder: { hidden: [16] }, decoder: { hidden: [16] } });
  let model: ReturnType<typeof buildModel>;
  let kernel: tfl.LayerVariable;
  let prior: VampPrior;
  before(async () => {
    await setupBackend();
    model = buildModel(config, [12]);
    // Spread the pseudo-inputs so the five components differ.
    kernel = model.nets.pseudoInputs.trainableWeights[0];
    kernel.write(tf.randomUniform(kernel.shape as number[], 0, 1, 'float32', 9));
    prior = model.prior as VampPrior;
  });

  it('is the encoder\'s posterior averaged over the pseudo-inputs, which are clipped to [0, 1]', () => {
    const u = prior.pseudoInputs();
    assert.ok(values(u).every((v) => v >= 0 && v <= 1));
    const q = model.encode(u) as DiagNormal;
    const [mu, lv] = [values(q.loc), values(q.logVar)];
    const z = tf.tensor2d([[0.3, -1.2], [2, 0.5], [-0.1, 0.05], [4, -4]]);
    const got = values(prior.logProb(z));
    const zs = values(z);
    for (let b = 0; b < 4; b++) {
      // log (1/K) Σ_k N(z_b; μ_k, σ_k²), in float64
      let sum = 0;
      for (let k = 0; k < 5; k++) {
        let log = 0;
        for (let j = 0; j < 2; j++) log += -0.5 * (Math.log(2 * Math.PI) + lv[k * 2 + j] + (zs[b * 2 + j] - mu[k * 2 + j]) ** 2 / Math.exp(lv[k * 2 + j]));
        sum += Math.exp(log) / 5;
      }
      assert.ok(Math.abs(got[b] - Math.log(sum)) < 2e-4 * Math.max(1, Math.abs(Math.log(sum))), `z ${b}: ${got[b]} vs ${Math.log(sum)}`);
    }
    assert.deepEqual(prior.logProb(tf.zeros([3, 4, 2])).shape, [3, 4], 'leading axes kept');
    // Without a gradient the components are computed once: the same values, no tensors left behind, until a variable changes.
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => assert.deepEqual(values(prior.logProb(z)), got));
    assert.equal(tf.memory().numTensors, before, 'repeated evaluation keeps no tensors');
    const saved = kernel.read().clone();
    kernel.write(tf.randomUniform(kernel.shape as number[], 0, 1, 'float32', 10));
    assert.notDeepEqual(values(prior.logProb(z)), got, 'new pseudo-inputs, new density');
    kernel.write(saved);
    assert.deepEqual(values(prior.logProb(z)), got, 'and back');
  });

  it('is a density that integrates to 1 (Monte Carlo) and its samples follow it', () => {
    // ∫ p(z) dz = E_g[p(z)/g(z)] for a wide Gaussian g: 200k draws.
    const n = 200000, s = 4;
    const z = tf.mul(tf.randomNormal([n, 2], 0, 1, 'float32', 11), s);
    const logG = tf.sub(tf.mul(tf.sum(tf.square(tf.div(z, s)), 1), -0.5), Math.log(2 * Math.PI * s * s));
    const ratios = values(tf.exp(tf.sub(prior.logProb(z), logG)));
    const mean = ratios.reduce((a, v) => a + v, 0) / n;
    const se = Math.sqrt(ratios.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) / n);
    assert.ok(Math.abs(mean - 1) < 4 * se + 1e-3, `∫ p = ${mean.toFixed(4)} ± ${se.toFixed(4)}`);
    // The samples' mean and second moment match the mixture's: (1/K) Σ μ_k and (1/K) Σ (μ_k² + σ_k²).
    const q = model.encode(prior.pseudoInputs()) as DiagNormal;
    const [mu, lv] = [values(q.loc), values(q.logVar)];
    const samples = values(prior.sample({ seed: 5, n: 50000 }));
    for (let j = 0; j < 2; j++) {
      let m = 0, m2 = 0, sm = 0, sm2 = 0;
      for (let k = 0; k < 5; k++) m += mu[k * 2 + j] / 5, m2 += (mu[k * 2 + j] ** 2 + Math.exp(lv[k * 2 + j])) / 5;
      for (let i = 0; i < 50000; i++) sm += samples[i * 2 + j] / 50000, sm2 += samples[i * 2 + j] ** 2 / 50000;
      const sd = Math.sqrt(m2 - m * m);
      assert.ok(Math.abs(sm - m) < 5 * sd / Math.sqrt(50000), `dim ${j}: sample mean ${sm} vs ${m}`);
      assert.ok(Math.abs(sm2 - m2) < 0.03 * m2, `dim ${j}: second moment ${sm2} vs ${m2}`);
    }
    assert.deepEqual(values(prior.mean()).map((v) => +v.toFixed(5)), [0, 1].map((j) => +((mu[j] + mu[2 + j] + mu[4 + j] + mu[6 + j] + mu[8 + j]) / 5).toFixed(5)));
  });

  it('an optimizer step reaches the evaluated density: the cached components follow the weights it updated', async () => {
    const { createOptimizer } = await import('../src/core/training/optimizers.js');
    const z = tf.tensor2d([[0.3, -1.2], [2, 0.5], [-0.1, 0.05]]);
    // log (1/K) Σ_k N(z; μ_k, σ_k²) in float64 from the encoder as it is now (no cache involved).
    const direct = (): number[] => {
      const q = model.encode(prior.pseudoInputs()) as DiagNormal;
      const [mu, lv, zs] = [values(q.loc), values(q.logVar), values(z)];
      return [0, 1, 2].map((b) => Math.log([0, 1, 2, 3, 4].reduce((sum, k) => sum + Math.exp([0, 1].reduce((l, j) => l - 0.5 * (Math.log(2 * Math.PI) + lv[k * 2 + j] + (zs[b * 2 + j] - mu[k * 2 + j]) ** 2 / Math.exp(lv[k * 2 + j])), 0)) / 5, 0)));
    };
    const optimizer = createOptimizer({ ...config.train.optimizer, learningRate: 0.05 }, model.variables());
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 3);
    const first = values(prior.logProb(z)); // evaluation: the components are cached
    for (let step = 0; step < 3; step++) {
      const vars = model.variables();
      const { value, grads } = tf.variableGrads(() => negativeElbo(model, x, { seed: step }).total, vars);
      optimizer.apply(vars.map((v) => grads[v.name]));
      tf.dispose([value, ...Object.values(grads)]);
      const got = values(prior.logProb(z));
      direct().forEach((want, b) => assert.ok(Math.abs(got[b] - want) < 2e-4 * Math.max(1, Math.abs(want)), `step ${step + 1}, z ${b}: ${got[b]} vs ${want}`));
    }
    assert.notDeepEqual(values(prior.logProb(z)), first, 'the steps moved the density');
    optimizer.dispose();
    tf.dispose([z, x]);
  });

  it('trains its pseudo-inputs with the model (a Monte Carlo KL), and is refused outside a VAE', () => {
    assert.ok(model.variables().some((v) => v.name === (kernel.read() as tf.Variable).name), 'the pseudo-inputs are among the variables');
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 2);
    const { grads } = tf.variableGrads(() => negativeElbo(model, x, { seed: 1 }).total, model.variables());
    const g = grads[kernel.name];
    assert.ok(g && values(tf.abs(g)).some((v) => v > 0), 'the ELBO has a gradient to the pseudo-inputs');
    assert.throws(() => resolveConfig({ model: 'aae', prior: { kind: 'vamp' } } as never), /VampPrior is made of a VAE's encoder/);
    assert.throws(() => resolveConfig({ prior: { kind: 'vamp' }, labels: { use: 'conditional' } }), /pseudo-inputs have no labels/);
    assert.throws(() => createPrior({ kind: 'vamp', components: 5 }, 2), /built by a VAE/);
  });
});
