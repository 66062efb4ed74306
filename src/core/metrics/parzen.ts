/**
 * Parzen-window (Gaussian kernel density) log-likelihood, the protocol of
 * Goodfellow et al. 2014 and Makhzani et al. 2015 for models without a
 * tractable likelihood: fit
 *
 *   p̂(x) = (1/N) Σ_i N(x; s_i, σ² I)
 *   log p̂(x) = logsumexp_i [ −‖x − s_i‖² / 2σ² ] − log N − (D/2) log(2πσ²)
 *
 * to N generated samples s_i, choose σ on a validation set, report the mean
 * log p̂ of the test set (nats per example) and its standard error. Known to
 * be a poor estimator in high dimensions; kept because papers report it.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * log p̂(x) for every row of `x` [n, D] under `samples` [N, D], for each
 * window in `sigmas` (distances are computed once and shared): one
 * Float32Array of n values per σ.
 */
export function parzenLogLikelihoods(samples: tf.Tensor2D, x: Float32Array, dim: number, sigmas: readonly number[], batch = 100): Float32Array[] {
  const n = x.length / dim;
  const N = samples.shape[0];
  const out = sigmas.map(() => new Float32Array(n));
  const sampleNorms = tf.tidy(() => tf.sum(tf.square(samples), 1));
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const perSigma = tf.tidy(() => {
      const xb = tf.tensor2d(x.subarray(start * dim, (start + count) * dim), [count, dim]);
      const sq = tf.relu(tf.add(tf.sub(tf.sum(tf.square(xb), 1, true), tf.mul(tf.matMul(xb, samples, false, true), 2)), sampleNorms));
      return sigmas.map((sigma) => {
        const constant = -Math.log(N) - (dim / 2) * Math.log(2 * Math.PI * sigma * sigma);
        return tf.add(tf.logSumExp(tf.mul(sq, -1 / (2 * sigma * sigma)), 1), constant).dataSync() as Float32Array;
      });
    });
    perSigma.forEach((v, k) => out[k].set(v, start));
  }
  sampleNorms.dispose();
  return out;
}

export interface ParzenResult {
  readonly sigma: number;
  /** Mean log p̂ over the test set, nats per example. */
  readonly logLikelihood: number;
  readonly standardError: number;
  /** Validation mean log p̂ for each σ tried. */
  readonly validation: readonly { readonly sigma: number; readonly logLikelihood: number }[];
}

const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;

/** σ chosen on `validation` from `sigmas`, then the test set's mean log p̂ ± standard error. */
export function parzenEstimate(samples: tf.Tensor2D, validation: Float32Array, test: Float32Array, dim: number, sigmas: readonly number[]): ParzenResult {
  const tried = parzenLogLikelihoods(samples, validation, dim, sigmas).map((v, k) => ({ sigma: sigmas[k], logLikelihood: mean(v) }));
  const best = tried.reduce((a, b) => (b.logLikelihood > a.logLikelihood ? b : a));
  const [values] = parzenLogLikelihoods(samples, test, dim, [best.sigma]);
  const m = mean(values);
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(values.length - 1, 1);
  return { sigma: best.sigma, logLikelihood: m, standardError: Math.sqrt(variance / values.length), validation: tried };
}

/** The σ grid searched by default: 20 values, log-spaced from 0.05 to 1. */
export const DEFAULT_PARZEN_SIGMAS: readonly number[] = Array.from({ length: 20 }, (_, i) => 0.05 * 20 ** (i / 19));
