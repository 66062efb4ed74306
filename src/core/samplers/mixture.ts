/**
 * A mixture of K Gaussians with full covariances and free weights,
 *
 *   p(z) = Σ_k π_k N(z; μ_k, Σ_k),
 *   log N(z; μ, Σ) = −½‖L⁻¹(z − μ)‖² − Σ_j log L_jj − (d/2) log 2π,  Σ = L Lᵀ,
 *
 * as a `Prior`: anything that draws codes from a prior can draw them from a
 * mixture fitted to a trained model's codes instead (fit-gmm.ts). Sampling:
 * k ~ Cat(π), z = μ_k + L_k ε with ε ~ N(0, I), both from one seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import type { SampleOptions } from '../distributions/types.js';
import type { Prior } from '../priors/types.js';
import { cholesky, invertLower } from '../util/linalg.js';
import { uniformGenerator } from '../util/random.js';

/** The parameters, row-major: weights [K], means [K, d], covariances [K, d, d]. */
export interface MixtureParameters {
  readonly dim: number;
  readonly components: number;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly covariances: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

export class FullGaussianMixture implements Prior {
  readonly kind = 'full-gaussian-mixture';
  readonly hasDensity = true;
  readonly fullSupport = true;
  readonly eventSize: number;
  readonly components: number;
  /** Cholesky factors L_k [K, d, d]. */
  readonly factors: Float64Array;
  /** Whitening matrices L_k⁻¹ [K, d, d]. */
  readonly whiteners: Float64Array;
  /** log N's normalising constant per component: −Σ_j log L_jj − (d/2) log 2π. */
  readonly logNorms: Float64Array;

  /** Throws when a weight is negative or they do not sum to 1, a value is not finite, or a covariance is not positive definite. */
  constructor(readonly parameters: MixtureParameters) {
    const { dim: d, components: k, weights, means, covariances } = parameters;
    if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(k) && k >= 1)) throw new Error(`a mixture needs whole dim ≥ 1 and components ≥ 1 (got ${d}, ${k})`);
    if (weights.length !== k || means.length !== k * d || covariances.length !== k * d * d) {
      throw new Error(`mixture parameters of the wrong sizes for ${k} components in ${d} dimensions (weights ${weights.length}, means ${means.length}, covariances ${covariances.length})`);
    }
    const total = weights.reduce((a, w) => a + w, 0);
    if (weights.some((w) => !(w >= 0)) || Math.abs(total - 1) > 1e-6) throw new Error('mixture weights must be non-negative and sum to 1');
    if (!means.every(Number.isFinite)) throw new Error('mixture means must be finite');
    this.eventSize = d;
    this.components = k;
    this.factors = new Float64Array(k * d * d);
    this.whiteners = new Float64Array(k * d * d);
    this.logNorms = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const l = cholesky(covariances.subarray(c * d * d, (c + 1) * d * d), d);
      if (!l) throw new Error(`mixture component ${c}: its covariance is not positive definite`);
      this.factors.set(l, c * d * d);
      this.whiteners.set(invertLower(l, d), c * d * d);
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += Math.log(l[j * d + j]);
      this.logNorms[c] = -logDet - 0.5 * d * LOG_2PI;
    }
  }

  mean(): tf.Tensor {
    const { dim: d, weights, means } = this.parameters;
    const m = new Float32Array(d);
    for (let c = 0; c < this.components; c++) for (let j = 0; j < d; j++) m[j] += weights[c] * means[c * d + j];
    return tf.tensor2d(m, [1, d]);
  }

  /** Samples [n, d] and the component of each, from `seed`. */
  sampleWithComponents({ seed, n = 1 }: SampleOptions): { z: Float32Array; components: Int32Array } {
    const { dim: d, weights, means } = this.parameters;
    const rand = uniformGenerator(seed);
    const cumulative = new Float64Array(this.components);
    weights.reduce((a, w, c) => (cumulative[c] = a + w), 0);
    const chosen = Int32Array.from({ length: n }, () => {
      const u = rand() * cumulative[this.components - 1];
      let c = 0;
      while (c < this.components - 1 && u >= cumulative[c]) c++;
      return c;
    });
    const noise = randomNormal([n, d], 0, 1, seed + 1);
    const eps = noise.dataSync() as Float32Array;
    noise.dispose();
    const z = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = chosen[i];
      const l = c * d * d;
      for (let a = 0; a < d; a++) {
        let s = means[c * d + a];
        for (let b = 0; b <= a; b++) s += this.factors[l + a * d + b] * eps[i * d + b];
        z[i * d + a] = s;
      }
    }
    return { z, components: chosen };
  }

  sample(options: SampleOptions): tf.Tensor {
    const n = options.n ?? 1;
    return tf.tensor2d(this.sampleWithComponents(options).z, [n, this.eventSize]);
  }

  /** log p(z) for z [..., d] → [...]. */
  logProb(z: tf.Tensor): tf.Tensor {
    const values = z.dataSync() as Float32Array;
    const n = values.length / this.eventSize;
    return tf.tensor(logDensities(this, values, n), z.shape.slice(0, -1), 'float32');
  }
}

/** log p(x_i) for n codes [n, d] (double precision). */
export function logDensities(mixture: FullGaussianMixture, x: ArrayLike<number>, n: number): Float64Array {
  const d = mixture.eventSize;
  const k = mixture.components;
  const { weights, means } = mixture.parameters;
  const out = new Float64Array(n);
  const terms = new Float64Array(k);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let top = -Infinity;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - means[c * d + j];
      const w = c * d * d;
      let sq = 0;
      for (let a = 0; a < d; a++) {
        let y = 0;
        for (let b = 0; b <= a; b++) y += mixture.whiteners[w + a * d + b] * diff[b];
        sq += y * y;
      }
      terms[c] = Math.log(weights[c]) + mixture.logNorms[c] - 0.5 * sq;
      if (terms[c] > top) top = terms[c];
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(terms[c] - top);
    out[i] = top + Math.log(s);
  }
  return out;
}
