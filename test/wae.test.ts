/**
 * The Wasserstein autoencoder (WAE-MMD): its MMD² estimator against a direct
 * float64 computation, its gradient against central finite differences of
 * that computation, the objective's terms, the kernel's σ²_p, and a short
 * training run that matches the prior where a plain autoencoder does not.
 * (The shared family contract runs in families.test.ts and conv.test.ts.)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { IMQ_SCALES, imqKernel, mmd, mmdSquared, type ImqKernel } from '../src/core/metrics/mmd.js';
import type { WassersteinAutoencoder } from '../src/core/models/wae.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { waeLoss } from '../src/core/objectives/wae.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { uniformGenerator } from '../src/core/util/random.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

/** Points [n, d] as float32 values (what the tensors hold), drawn from a seeded generator. */
function points(n: number, d: number, seed: number, shift = 0, scale = 1): Float32Array {
  const rand = uniformGenerator(seed);
  return Float32Array.from({ length: n * d }, () => Math.fround(shift + scale * (2 * rand() - 1)));
}

/** Σ_s C_s / (C_s + ‖a_i − b_j‖²) in float64. */
function kernelValue(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number, { base, scales }: ImqKernel): number {
  let sq = 0;
  for (let c = 0; c < d; c++) sq += (a[i * d + c] - b[j * d + c]) ** 2;
  return scales.reduce((sum, s) => sum + (base * s) / (base * s + sq), 0);
}

/**
 * MMD² written out term by term in float64 (the oracle): the unbiased
 * U-statistic, or with `biased` the V-statistic (diagonal kept, n² in the
 * denominator) that a wrong normalisation would give.
 */
function directMmd(x: ArrayLike<number>, y: ArrayLike<number>, d: number, kernel: ImqKernel, biased = false): number {
  const n = x.length / d;
  const m = y.length / d;
  const within = (a: ArrayLike<number>, count: number) => {
    let sum = 0;
    for (let i = 0; i < count; i++) for (let j = 0; j < count; j++) if (biased || i !== j) sum += kernelValue(a, i, a, j, d, kernel);
    return sum / (biased ? count * count : count * (count - 1));
  };
  let kxy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) kxy += kernelValue(x, i, y, j, d, kernel);
  return within(x, n) + within(y, m) - (2 * kxy) / (n * m);
}

describe('MMD² estimator (IMQ kernel, summed over scales)', () => {
  const [n, m, d] = [9, 7, 3];
  const x = points(n, d, 1);
  const y = points(m, d, 2, 0.4, 1.3);
  const kernels: [string, ImqKernel][] = [
    ['the paper\'s scales, σ² = 1', imqKernel(d)],
    ['other scales and σ² = 2.5', imqKernel(d, 2.5, [0.3, 1, 4])],
  ];

  for (const [label, kernel] of kernels) {
    it(`${label}: equals the U-statistic computed directly in float64`, async () => {
      const got = tf.tidy(() => mmdSquared(tf.tensor2d(x, [n, d]), tf.tensor2d(y, [m, d]), kernel).dataSync()[0]);
      const expected = directMmd(x, y, d, kernel);
      // Float32 error: each ‖a − b‖² from ‖a‖² − 2a·b + ‖b‖² is off by ≲ 4u·(‖a‖² + ‖b‖²) ≈ 4·6e-8·12 ≈ 3e-6, and
      // |∂k/∂‖a − b‖²| ≤ 1/C_min (≥ 0.6 here), so each kernel value is off by ≲ 5e-6; the three means of at most
      // |scales| such values per pair are off by as much again: 2e-5 bounds the whole, with room for the sums' rounding
      // (measured: 9e-7 for both kernels).
      assert.ok(Math.abs(got - expected) < 2e-5, `${got} vs float64 ${expected}`);
      // The bound tells the unbiased estimate from the biased one (the diagonal kept, n² in the denominator).
      assert.ok(Math.abs(directMmd(x, y, d, kernel, true) - expected) > 100 * 2e-5, 'the test can tell U- from V-statistic');
    });
  }

  it('mmd() (the prior-match metric) is the same estimate with σ² = 1', async () => {
    const [a, b] = [tf.tensor2d(x, [n, d]), tf.tensor2d(y, [m, d])];
    const got = await mmd(a, b);
    tf.dispose([a, b]);
    assert.ok(Math.abs(got - directMmd(x, y, d, { base: 2 * d, scales: IMQ_SCALES })) < 2e-5);
  });

  it('its gradient in both samples equals central finite differences of the float64 computation', () => {
    const kernel = imqKernel(d, 1.7);
    const [gx, gy] = tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => mmdSquared(a as tf.Tensor2D, b as tf.Tensor2D, kernel);
      return tf.grads(f)([tf.tensor2d(x, [n, d]), tf.tensor2d(y, [m, d])]).map((g) => g.dataSync());
    });
    // Central differences in float64 with h = 1e-4: truncation h²·f'''/6 ≲ 1e-9 (f''' is O(1) here) and
    // rounding 1e-16/h ≈ 1e-12, so the reference is good to ~1e-9. The float32 gradient: every partial
    // is a sum of ≲ 2(n + m)·|scales| terms k'(·)·2(a − b), each ≲ 2·|a − b|/C_min ≈ 1, carried with
    // relative error a few u (≈ 6e-8), then divided by n(n − 1) ≥ 42: ≲ 1e-7 absolute (measured: 2e-8).
    // 1e-6 leaves room; the largest partials are ≈ 0.2, so a wrong factor or a missing term shows.
    const h = 1e-4;
    const check = (which: 'x' | 'y', grad: ArrayLike<number>) => {
      const base = Float64Array.from(which === 'x' ? x : y);
      let largest = 0;
      for (let i = 0; i < base.length; i++) {
        const plus = Float64Array.from(base);
        const minus = Float64Array.from(base);
        plus[i] += h;
        minus[i] -= h;
        const f = (v: Float64Array) => (which === 'x' ? directMmd(v, y, d, kernel) : directMmd(x, v, d, kernel));
        const fd = (f(plus) - f(minus)) / (2 * h);
        largest = Math.max(largest, Math.abs(fd));
        assert.ok(Math.abs(grad[i] - fd) < 1e-6, `∂/∂${which}[${i}]: ${grad[i]} vs finite difference ${fd}`);
      }
      assert.ok(largest > 1e-3, `the partials are not all tiny (largest ${largest})`);
    };
    check('x', gx);
    check('y', gy);
  });

  it('is ≈ 0 for one distribution and grows as the samples part', () => {
    const value = (shift: number) => tf.tidy(() => mmdSquared(
      tf.randomNormal([300, 4], 0, 1, 'float32', 1) as tf.Tensor2D, tf.add(tf.randomNormal([300, 4], 0, 1, 'float32', 2), shift) as tf.Tensor2D,
    ).dataSync()[0]);
    const [same, near, far] = [value(0), value(0.5), value(2)];
    assert.ok(Math.abs(same) < 0.02, `same ${same}`);
    assert.ok(near > 5 * Math.abs(same) && far > 3 * near, `${same} < ${near} < ${far}`);
  });
});

describe('WAE objective and kernel', () => {
  const config = (extra: object = {}) => resolveConfig({ model: 'wae', latentDim: 3, seed: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] }, ...extra });

  it('total = reconstruction + λ·MMD²; a batch of one has no MMD term; the Gaussian encoder samples', () => {
    for (const extra of [{ wae: { mmdWeight: 7 } }, { wae: { mmdWeight: 7, encoder: 'gaussian' } }]) {
      const model = buildModel(config(extra), [5]) as WassersteinAutoencoder;
      const x = tf.tensor2d(points(6, 5, 3, 0.5, 0.5), [6, 5]);
      const [total, rec, penalty] = tf.tidy(() => {
        const v = waeLoss(model, x, { seed: 4 });
        return [v.total, v.terms.reconstruction, v.terms.mmd].map((t) => t.dataSync()[0]);
      });
      assert.ok(Math.abs(total - (rec + 7 * penalty)) < 1e-4 * Math.abs(total), `${total} = ${rec} + 7 × ${penalty}`);
      assert.ok(penalty !== 0 && Number.isFinite(penalty));
      const one = tf.tidy(() => waeLoss(model, tf.slice(x, [0, 0], [1, 5]), { seed: 4 }).terms.mmd.dataSync()[0]);
      assert.equal(one, 0);
      const codes = (seed: number) => tf.tidy(() => Array.from(model.encode(x).sample({ seed }).dataSync()));
      assert.equal(modelFamily(model.config).hasPosteriorDensity(model.config), extra.wae.encoder === 'gaussian');
      assert.equal(codes(1).join() === codes(2).join(), extra.wae.encoder !== 'gaussian', 'only the Gaussian encoder draws');
      tf.dispose(x);
      model.dispose();
    }
  });

  it('keeps the tensor count flat across epochs (an epoch ending in a batch of one too) and leaves nothing once disposed', async () => {
    const before = tf.memory().numTensors;
    const c = config({ wae: { encoder: 'gaussian' } });
    const model = buildModel(c, [5]);
    const phases = modelFamily(c).phases(model, { stepsPerEpoch: 3 });
    const data = makeDataset('toy', [5], points(17, 5, 8, 0.5, 0.5));
    await trainEpoch({ phases, data, batchSize: 8, epoch: 1, seed: 2, startStep: 0 });
    const after1 = tf.memory().numTensors;
    await trainEpoch({ phases, data, batchSize: 8, epoch: 2, seed: 2, startStep: 3 });
    assert.equal(tf.memory().numTensors, after1);
    phases[0].optimizer.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('C = 2·d·σ²_p, σ²_p measured on the prior (≈ 1 for N(0, I), 8.25 for the ring) unless the config gives it', () => {
    const base = (extra: object) => {
      const model = buildModel(config({ latentDim: 2, ...extra }), [5]) as WassersteinAutoencoder;
      model.dispose();
      return model.kernel;
    };
    // 10,000 samples: the variance estimate's relative standard error is √(2/10⁴) ≈ 1.4 % per coordinate (N(0, I)).
    assert.ok(Math.abs(base({}).base / 4 - 1) < 0.05, `N(0, I): ${base({}).base / 4}`);
    const ring = base({ prior: { kind: 'gaussian-mixture' } }).base / 4;
    assert.ok(Math.abs(ring / (0.25 + 16 / 2) - 1) < 0.05, `ring: σ²_p ${ring}, expected 0.5² + 4²/2`);
    assert.deepEqual(base({ wae: { priorVariance: 3, scales: [1, 2] } }), { base: 12, scales: [1, 2] });
  });
});

describe('known answer: a WAE matches its prior', () => {
  it('codes of 2-D synthetic data end close to N(0, I) and the objective falls; a plain autoencoder (λ = 0) does not match', async () => {
    // The AAE's known-answer data (aae.test.ts): 2-D factors u ~ U(0,1)² pushed through a smooth map to 16 values in (0, 1).
    const n = 2000;
    const d = 16;
    const x = new Float32Array(n * d);
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < n; i++) {
      const u = [rand(), rand()];
      for (let j = 0; j < d; j++) x[i * d + j] = 1 / (1 + Math.exp(-4 * (Math.sin(j + 3 * u[0]) + Math.cos(2 * j - 3 * u[1]))));
    }
    const data = makeDataset('factors', [d], x);
    // 15 epochs of 20 steps: the WAE's MMD² over seeds 1–6 measured 0.031–0.041 (20 epochs hardly lower it), the plain
    // autoencoder's 1.2–1.7; two true prior samples of this size differ by ≈ 0.002.
    const EPOCHS = 15;
    const train = async (mmdWeight: number) => {
      const c = resolveConfig({ model: 'wae', latentDim: 2, seed: 5, encoder: { hidden: [64] }, decoder: { hidden: [64] }, wae: { mmdWeight }, train: { batchSize: 100 } });
      const model = buildModel(c, [d]) as WassersteinAutoencoder;
      const phases = modelFamily(c).phases(model, { stepsPerEpoch: 20 });
      const objective = () => tf.tidy(() => {
        const v = waeLoss(model, tf.tensor2d(x.subarray(0, 1000 * d), [1000, d]), { seed: 9 });
        return v.terms.reconstruction.dataSync()[0] + 100 * v.terms.mmd.dataSync()[0];
      });
      const start = objective();
      for (let epoch = 1; epoch <= EPOCHS; epoch++) await trainEpoch({ phases, data, batchSize: 100, epoch, seed: 5, startStep: (epoch - 1) * 20 });
      const end = objective();
      const codes = tf.tidy(() => model.encode(tf.tensor2d(x.subarray(0, 1000 * d), [1000, d])).mean()) as tf.Tensor2D;
      const prior = model.prior.sample({ seed: 11, n: 1000 }) as tf.Tensor2D;
      const distance = await mmd(codes, prior);
      tf.dispose([codes, prior]);
      phases[0].optimizer.dispose();
      model.dispose();
      return { start, end, distance };
    };
    const wae = await train(100);
    const plain = await train(0);
    assert.ok(wae.end < 0.9 * wae.start, `the objective (reconstruction + 100·MMD² on 1000 examples) fell: ${wae.start} → ${wae.end}`);
    assert.ok(plain.distance > 0.2, `a plain autoencoder's codes should not match N(0, I) by accident (MMD ${plain.distance})`);
    assert.ok(wae.distance < plain.distance / 5 && wae.distance < 0.05, `WAE MMD ${wae.distance} vs plain ${plain.distance}`);
  });
});
