/**
 * The discretised logistic likelihood: a probability over the 256 values of
 * each 8-bit pixel (the masses sum to 1), matching the logistic's CDF, with
 * finite gradients where a bin's mass underflows.
 */
import { strict as assert } from 'node:assert';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { DiscretizedLogistic } from '../src/core/distributions/discretized-logistic.js';
import { likelihoodFromOutputs, likelihoodHeads } from '../src/core/models/likelihood.js';
import { setupBackend } from './helpers/tf.js';

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

describe('DiscretizedLogistic', () => {
  before(async () => {
    await setupBackend();
  });

  test('the masses of the 256 values sum to 1 for any μ and s, and each is the logistic CDF over its bin', () => {
    for (const [mu, logS] of [[0.5, -3], [0.02, -5], [0.99, -1], [-0.4, -2], [1.7, -6.5], [0.3, 1]]) {
      const grid = tf.tensor2d(Array.from({ length: 256 }, (_, k) => k / 255), [256, 1]);
      const d = new DiscretizedLogistic(tf.fill([256, 1], mu), tf.fill([256, 1], logS));
      const logP = Array.from(d.logProb(grid).dataSync() as Float32Array);
      const total = logP.reduce((a, v) => a + Math.exp(v), 0);
      assert.ok(Math.abs(total - 1) < 2e-3, `μ ${mu}, log s ${logS}: masses sum to ${total}`);
      const s = Math.exp(logS);
      for (const k of [0, 1, 77, 128, 254, 255]) {
        const x = k / 255;
        const upper = k === 255 ? 1 : sigmoid((x + 1 / 510 - mu) / s);
        const lower = k === 0 ? 0 : sigmoid((x - 1 / 510 - mu) / s);
        const expected = upper - lower;
        if (expected > 1e-5) assert.ok(Math.abs(Math.exp(logP[k]) - expected) < 1e-4 * Math.max(1, expected) + 1e-6, `μ ${mu}, s ${s}, k ${k}: ${Math.exp(logP[k])} vs ${expected}`);
      }
      tf.dispose([grid]);
    }
  });

  test('logProb sums over the event, never exceeds 0, and its gradient is finite where a bin underflows', () => {
    const x = tf.tensor2d([[0, 0.5, 1, 0.2], [1, 1, 0, 0.6]]);
    const loc = tf.variable(tf.tensor2d([[0.9, -3, 5, 0.2], [0.1, 0.5, 0.4, 0.6]]));
    const raw = tf.variable(tf.tensor2d([[-5, -6, -6, -2], [0, -1, -8, -6]]));
    const heads = likelihoodHeads({ kind: 'discretized-logistic' }, 4);
    assert.deepEqual(heads.map((h) => h.name), ['loc', 'logscale']);
    const { value, grads } = tf.variableGrads(() => tf.sum(likelihoodFromOutputs({ kind: 'discretized-logistic' }, [loc, raw], [2, 2]).logProb(x)) as tf.Scalar);
    const lp = Array.from(likelihoodFromOutputs({ kind: 'discretized-logistic' }, [loc, raw], [2, 2]).logProb(x).dataSync() as Float32Array);
    assert.equal(lp.length, 2);
    assert.ok(lp.every((v) => v <= 1e-6 && Number.isFinite(v)), `log-probabilities ${lp}`);
    assert.ok(Number.isFinite(value.dataSync()[0]));
    for (const g of Object.values(grads)) assert.ok(g.dataSync().every(Number.isFinite), 'a gradient that is not finite');
    // Samples lie on the 8-bit grid.
    const d = new DiscretizedLogistic(tf.fill([3, 5], 0.4), tf.fill([3, 5], -2));
    const s = Array.from(d.sample({ seed: 3, n: 4 }).dataSync() as Float32Array);
    assert.ok(s.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-3));
    assert.deepEqual(d.mean().shape, [3, 5]);
  });
});

describe('ContinuousBernoulli', () => {
  before(async () => {
    await setupBackend();
  });

  test('its density integrates to 1 on [0, 1] and its mean is ∫ x p(x) dx, for logits near 0, moderate and large', async () => {
    const { ContinuousBernoulli } = await import('../src/core/distributions/continuous-bernoulli.js');
    const n = 4000;
    const grid = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    for (const eta of [0, 2e-4, -0.7, 3, -9, 25]) {
      const d = new ContinuousBernoulli(tf.fill([n, 1], eta));
      const logP = Array.from(d.logProb(tf.tensor2d(grid, [n, 1])).dataSync() as Float32Array);
      const total = logP.reduce((a, v) => a + Math.exp(v) / n, 0);
      const mean = logP.reduce((a, v, i) => a + grid[i] * Math.exp(v) / n, 0);
      assert.ok(Math.abs(total - 1) < 2e-3, `η ${eta}: the density integrates to ${total}`);
      assert.ok(Math.abs(d.mean().dataSync()[0] - mean) < 2e-3, `η ${eta}: mean ${d.mean().dataSync()[0]} vs ∫ x p = ${mean}`);
      const s = Array.from(new ContinuousBernoulli(tf.fill([1, 1], eta)).sample({ seed: 5, n: 20000 }).dataSync() as Float32Array);
      assert.ok(s.every((v) => v >= 0 && v <= 1));
      assert.ok(Math.abs(s.reduce((a, b) => a + b, 0) / s.length - mean) < 0.01, `η ${eta}: samples' mean`);
    }
    // Gradients are finite at and near η = 0, where the constant switches to its series.
    const logits = tf.variable(tf.tensor2d([[0, 1e-4, -2, 4]]));
    const { grads } = tf.variableGrads(() => tf.sum(new ContinuousBernoulli(logits).logProb(tf.tensor2d([[0.2, 0.9, 0.5, 0]]))) as tf.Scalar);
    assert.ok(Object.values(grads).every((g) => (g.dataSync() as Float32Array).every(Number.isFinite)));
  });
});

describe('probabilities of 8-bit values (logProbOfBins)', () => {
  before(async () => {
    await setupBackend();
  });

  const levels = Array.from({ length: 256 }, (_, v) => v / 255);
  /** P of each of the 256 values under `make(256)`, one distribution per value (event size 1); every log P finite. */
  const masses = (make: (n: number) => { logProbOfBins?(x: tf.Tensor): tf.Tensor }): number[] => {
    const logP = Array.from(make(256).logProbOfBins!(tf.tensor2d(levels, [256, 1])).dataSync() as Float32Array);
    assert.ok(logP.every(Number.isFinite), `log P not finite: ${logP.filter((v) => !Number.isFinite(v)).slice(0, 3)}`);
    return logP.map(Math.exp);
  };

  test('the continuous Bernoulli: each bin\'s mass is its density integrated over the bin, and the 256 masses sum to 1', async () => {
    const { ContinuousBernoulli } = await import('../src/core/distributions/continuous-bernoulli.js');
    for (const eta of [0, 3e-7, -2e-4, 0.8, -5, 12, -40]) {
      const p = masses((n) => new ContinuousBernoulli(tf.fill([n, 1], eta)));
      const total = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `η ${eta}: the masses sum to ${total}`);
      // Against the density (float64) integrated over a few bins with Simpson's rule.
      const density = (x: number) => {
        if (Math.abs(eta) < 1e-9) return 1;
        return (eta / Math.expm1(eta)) * Math.exp(eta * x);
      };
      for (const v of [0, 1, 37, 128, 254, 255]) {
        const [a, b] = [Math.max(0, (v - 0.5) / 255), Math.min(1, (v + 0.5) / 255)];
        const exact = ((b - a) / 6) * (density(a) + 4 * density((a + b) / 2) + density(b));
        assert.ok(Math.abs(Math.log(p[v]) - Math.log(exact)) < 2e-3, `η ${eta}, value ${v}: log P ${Math.log(p[v])} vs ${Math.log(exact)}`);
      }
    }
  });

  test('the Gaussian and the discretised logistic: the 256 masses sum to 1; off-grid inputs count as the nearest value', async () => {
    const { DiagNormal } = await import('../src/core/distributions/normal.js');
    for (const [loc, sd] of [[0.3, 0.05], [0.02, 0.002], [0.9, 0.4], [-0.2, 0.1], [0.5, 1e-4]]) {
      const p = masses((n) => new DiagNormal(tf.fill([n, 1], loc), tf.fill([n, 1], 2 * Math.log(sd))));
      const total = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 2e-3, `μ ${loc}, σ ${sd}: the masses sum to ${total}`);
      assert.ok(p.every((m) => m >= 0 && m <= 1 + 1e-6));
    }
    for (const [loc, logScale] of [[0.3, -3], [0.98, -6], [0.5, 0]]) {
      const p = masses((n) => new DiscretizedLogistic(tf.fill([n, 1], loc), tf.fill([n, 1], logScale)));
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 2e-3, `μ ${loc}, log s ${logScale}`);
    }
    const d = new DiagNormal(tf.fill([1, 3], 0.4), tf.fill([1, 3], 2 * Math.log(0.05)));
    const onGrid = d.logProbOfBins(tf.tensor2d([[100 / 255, 0, 1]])).dataSync()[0];
    assert.ok(Math.abs(d.logProbOfBins(tf.tensor2d([[100.3 / 255, -0.001, 1.02]])).dataSync()[0] - onGrid) < 1e-5);
  });
});
