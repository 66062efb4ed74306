/**
 * Diagonal Gaussian N(μ, diag σ²), parameterised by mean and log-variance.
 *
 *   log N(x; μ, σ²) = −½ Σ_d [ log 2π + log σ²_d + (x_d − μ_d)² / σ²_d ]
 *
 * `sample` is reparameterised (Kingma & Welling 2014): z = μ + σ·ε with
 * ε ~ N(0, I) drawn from a seeded generator, so gradients flow to μ and σ.
 * On the native engine the sample and the density run as fused kernels
 * (gaussian-fused.ts); the values are the same function.
 *
 * As p(x|z) of 8-bit data, `logProbOfBins` gives each value the mass
 * Φ((b − μ)/σ) − Φ((a − μ)/σ) over its bin [a, b] of 1/255, the bins of 0
 * and 1 extended to −∞ and +∞ (as the discretised logistic's). Where a bin's
 * mass is below 1e-5 (float32's erf cannot resolve it), its log is the
 * density at the centre times the bin width, or for the end bins the tail's
 * leading term log φ(t) − log |t|.
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import { gridValues, HALF_BIN, LOG_BIN } from './bins.js';
import { checkedEventShape, type Distribution, type SampleOptions } from './types.js';
import { fusedGaussianLogProb, fusedGaussianSample } from './gaussian-fused.js';

/** Below this mass a bin's log comes from the density (see the header). */
const MIN_MASS = 1e-5;

export const LOG_2PI = Math.log(2 * Math.PI);

export class DiagNormal implements Distribution {
  readonly kind = 'normal';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  /**
   * @param loc μ, shape [batch, d]
   * @param logVar log σ², shape [batch, d], or a scalar shared by every entry
   * @param eventShape what the d values are (default [d]); see Distribution
   */
  constructor(readonly loc: tf.Tensor, readonly logVar: tf.Tensor, eventShape?: readonly number[]) {
    this.eventSize = loc.shape[loc.rank - 1];
    this.eventShape = checkedEventShape(eventShape, this.eventSize);
  }

  /** σ = exp(½ log σ²). */
  scale(): tf.Tensor {
    return tf.exp(tf.mul(this.logVar, 0.5));
  }

  mean(): tf.Tensor {
    return this.loc;
  }

  sample({ seed, n }: SampleOptions): tf.Tensor {
    const shape = n === undefined ? this.loc.shape : [n, ...this.loc.shape];
    const eps = randomNormal(shape, 0, 1, seed);
    return fusedGaussianSample(this.loc, this.logVar, eps) ?? tf.add(this.loc, tf.mul(this.scale(), eps));
  }

  logProb(x: tf.Tensor): tf.Tensor {
    const fused = fusedGaussianLogProb(x, this.loc, this.logVar);
    if (fused) return fused;
    return tf.tidy(() => {
      const sq = tf.square(tf.sub(x, this.loc));
      const inner = tf.add(tf.add(tf.mul(sq, tf.exp(tf.neg(this.logVar))), this.logVar), LOG_2PI);
      return tf.mul(tf.sum(inner, -1), -0.5);
    });
  }

  /** log of the mass over each 8-bit value's bin (see the header), summed over the event. */
  logProbOfBins(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { value, first, last } = gridValues(x);
      const scale = this.scale();
      const standard = (t: tf.Tensor) => tf.div(tf.sub(t, this.loc), scale);
      const cdf = (t: tf.Tensor) => tf.mul(tf.add(1, tf.erf(tf.mul(t, Math.SQRT1_2))), 0.5);
      const logPhi = (t: tf.Tensor) => tf.sub(tf.mul(tf.square(t), -0.5), 0.5 * LOG_2PI);
      const below = standard(tf.sub(value, HALF_BIN));
      const above = standard(tf.add(value, HALF_BIN));
      const mass = tf.where(first, cdf(above), tf.where(last, cdf(tf.neg(below)), tf.sub(cdf(above), cdf(below))));
      const centre = standard(value);
      const tail = tf.where(first, tf.sub(logPhi(above), tf.log(tf.maximum(tf.abs(above), 1))), tf.sub(logPhi(below), tf.log(tf.maximum(tf.abs(below), 1))));
      const small = tf.where(tf.logicalOr(first, last), tail, tf.add(tf.sub(logPhi(centre), tf.log(scale)), LOG_BIN));
      return tf.sum(tf.where(tf.greater(mass, MIN_MASS), tf.log(tf.maximum(mass, 1e-30)), small), -1);
    });
  }
}

/**
 * Standard normal N(0, I) in `dim` dimensions, with no batch of its own:
 * `logProb` broadcasts over any leading axes, `sample({n})` returns [n, dim].
 */
export class StandardNormal implements Distribution {
  readonly kind = 'standard-normal';
  readonly hasDensity = true;
  readonly fullSupport = true;
  readonly eventShape: readonly number[];
  constructor(readonly eventSize: number) {
    this.eventShape = [eventSize];
  }

  mean(): tf.Tensor {
    return tf.zeros([1, this.eventSize]);
  }

  sample({ seed, n }: SampleOptions): tf.Tensor {
    return randomNormal([n ?? 1, this.eventSize], 0, 1, seed);
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.add(tf.sum(tf.square(x), -1), this.eventSize * LOG_2PI), -0.5));
  }
}
