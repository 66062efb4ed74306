import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parzenEstimate, parzenLogLikelihoods } from '../src/core/metrics/parzen.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

describe('Parzen-window log-likelihood', () => {
  it('equals the closed form for a single kernel', () => {
    const s = tf.tensor2d([[1, 2, 3]]);
    const x = Float32Array.from([1.5, 2, 2]);
    const sigma = 0.7;
    const want = -(0.25 + 0 + 1) / (2 * sigma * sigma) - 1.5 * Math.log(2 * Math.PI * sigma * sigma);
    assert.ok(Math.abs(parzenLogLikelihoods(s, x, 3, [sigma])[0][0] - want) < 1e-4);
  });

  it('approaches the true log-density of a Gaussian with many samples and picks a sensible σ', () => {
    // Samples and test points from N(0, I) in 2-D: the true mean log-density is −log(2π) − 1 ≈ −2.84.
    const samples = tf.randomNormal([5000, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const validation = tf.randomNormal([500, 2], 0, 1, 'float32', 2).dataSync() as Float32Array;
    const test = tf.randomNormal([2000, 2], 0, 1, 'float32', 3).dataSync() as Float32Array;
    const r = parzenEstimate(samples, validation, test, 2, [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2]);
    assert.ok(r.sigma >= 0.1 && r.sigma <= 0.5, `σ ${r.sigma}`);
    assert.ok(Math.abs(r.logLikelihood - (-Math.log(2 * Math.PI) - 1)) < 0.15, `${r.logLikelihood} ± ${r.standardError}`);
    assert.ok(r.standardError > 0 && r.standardError < 0.1);
  });
});
