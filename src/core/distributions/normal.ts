/**
 * Diagonal Gaussian N(μ, diag σ²), parameterised by mean and log-variance.
 *
 *   log N(x; μ, σ²) = −½ Σ_d [ log 2π + log σ²_d + (x_d − μ_d)² / σ²_d ]
 *
 * `sample` is reparameterised (Kingma & Welling 2014): z = μ + σ·ε with
 * ε ~ N(0, I) drawn from a seeded generator, so gradients flow to μ and σ.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkedEventShape, type Distribution, type SampleOptions } from './types.js';

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
    const eps = tf.randomNormal(shape, 0, 1, 'float32', seed);
    return tf.add(this.loc, tf.mul(this.scale(), eps));
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const sq = tf.square(tf.sub(x, this.loc));
      const inner = tf.add(tf.add(tf.mul(sq, tf.exp(tf.neg(this.logVar))), this.logVar), LOG_2PI);
      return tf.mul(tf.sum(inner, -1), -0.5);
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
    return tf.randomNormal([n ?? 1, this.eventSize], 0, 1, 'float32', seed);
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.add(tf.sum(tf.square(x), -1), this.eventSize * LOG_2PI), -0.5));
  }
}
