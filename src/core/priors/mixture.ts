/**
 * A mixture of K isotropic Gaussians with equal weights:
 *
 *   p(z) = (1/K) Σ_k N(z; μ_k, σ² I),
 *   log p(z) = logsumexp_k [ −½‖z − μ_k‖²/σ² ] − (d/2) log(2πσ²) − log K.
 *
 * `sampleWithComponents` also returns which component drew each sample (the
 * label-guided AAE pairs a class with its component).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import { logSumExp } from '../util/ops.js';
import type { SampleOptions } from '../distributions/types.js';
import { uniformGenerator } from '../util/random.js';
import type { ComponentPrior } from './types.js';

export class GaussianMixture implements ComponentPrior {
  readonly kind = 'gaussian-mixture';
  readonly hasDensity = true;
  readonly fullSupport = true;
  readonly eventSize: number;
  readonly components: number;
  private readonly meansFlat: Float32Array;

  /** @param means K rows of d coordinates */
  constructor(readonly means: readonly (readonly number[])[], readonly std: number) {
    this.components = means.length;
    this.eventSize = means[0].length;
    this.meansFlat = Float32Array.from(means.flat());
  }

  /** K means evenly on a circle of `radius` in the first two of `dim` dimensions. */
  static circle(components: number, radius: number, std: number, dim: number): GaussianMixture {
    const means = Array.from({ length: components }, (_, k) => {
      const angle = (2 * Math.PI * k) / components;
      const m = new Array<number>(dim).fill(0);
      m[0] = radius * Math.cos(angle);
      m[1] = radius * Math.sin(angle);
      return m;
    });
    return new GaussianMixture(means, std);
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.mean(tf.tensor2d(this.meansFlat, [this.components, this.eventSize]), 0, true));
  }

  /** Samples [n, d] and the component of each, drawn from `seed`. */
  sampleWithComponents({ seed, n = 1 }: SampleOptions): { z: tf.Tensor2D; components: Int32Array } {
    const rand = uniformGenerator(seed);
    const components = Int32Array.from({ length: n }, () => Math.min(this.components - 1, Math.floor(rand() * this.components)));
    return { z: this.sampleFrom(components, seed), components };
  }

  /** Samples [n, d] with the given component for each row. */
  sampleFrom(components: Int32Array, seed: number): tf.Tensor2D {
    return tf.tidy(() => this.sampleComponents(tf.tensor1d(components, 'int32'), seed));
  }

  sampleComponents(components: tf.Tensor1D, seed: number): tf.Tensor2D {
    const n = components.shape[0];
    return tf.tidy(() => {
      const centres = tf.gather(tf.tensor2d(this.meansFlat, [this.components, this.eventSize]), components);
      return tf.add(centres, randomNormal([n, this.eventSize], 0, this.std, seed + 1)) as tf.Tensor2D;
    });
  }

  sample(options: SampleOptions): tf.Tensor {
    const { z } = this.sampleWithComponents(options);
    return z;
  }

  logProb(z: tf.Tensor): tf.Tensor {
    const d = this.eventSize;
    const { std, components } = this;
    return tf.tidy(() => {
      const means = tf.tensor2d(this.meansFlat, [components, d]);
      const diff = tf.sub(tf.expandDims(z, -2), means); // [..., K, d]
      const sq = tf.mul(tf.sum(tf.square(diff), -1), -0.5 / (std * std)); // [..., K]
      const norm = -0.5 * d * Math.log(2 * Math.PI * std * std) - Math.log(components);
      return tf.add(logSumExp(sq, -1), norm);
    });
  }
}
