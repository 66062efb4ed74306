/**
 * Priors defined by how to sample them: the swiss roll (no density) and the
 * uniform box (a density, but zero outside the box).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import type { SampleOptions } from '../distributions/types.js';
import { uniformGenerator } from '../util/random.js';
import type { ComponentPrior, Prior } from './types.js';

/**
 * A 2-D swiss roll: t = 1.5π(1 + 2u), u ~ U(0, 1), z = (t cos t, t sin t)·(4 / 4.5π)
 * + N(0, noise²): a spiral out to radius 4. Its `components` segments are
 * equal ranges of u, from the centre outwards (label-guided training gives
 * each class one segment, as in Makhzani et al. 2015, figure 4).
 */
export class SwissRoll implements ComponentPrior {
  readonly kind = 'swiss-roll';
  readonly eventSize = 2;
  readonly hasDensity = false;
  readonly fullSupport = false;
  constructor(readonly noise: number, readonly components = 10) {}

  sample({ seed, n = 1 }: SampleOptions): tf.Tensor {
    const rand = uniformGenerator(seed);
    return tf.tidy(() => this.place(tf.tensor1d(Float32Array.from({ length: n }, () => rand())), seed));
  }

  sampleComponents(components: tf.Tensor1D, seed: number): tf.Tensor2D {
    const n = components.shape[0];
    return tf.tidy(() => {
      const u = tf.div(tf.add(tf.cast(components, 'float32'), tf.randomUniform([n], 0, 1, 'float32', seed + 2)), this.components);
      return this.place(u as tf.Tensor1D, seed);
    });
  }

  /** Points on the roll at positions u ∈ [0, 1), plus noise. */
  private place(u: tf.Tensor1D, seed: number): tf.Tensor2D {
    const scale = 4 / (4.5 * Math.PI);
    const t = tf.mul(tf.add(tf.mul(u, 2), 1), 1.5 * Math.PI);
    const points = tf.stack([tf.mul(tf.mul(t, tf.cos(t)), scale), tf.mul(tf.mul(t, tf.sin(t)), scale)], 1);
    return tf.add(points, randomNormal([u.shape[0], 2], 0, this.noise, seed + 1)) as tf.Tensor2D;
  }

  logProb(): tf.Tensor {
    throw new Error('the swiss-roll prior has no density (it can be sampled, so an AAE can use it; a VAE cannot)');
  }

  mean(): tf.Tensor {
    return tf.zeros([1, 2]);
  }
}

/** Uniform on [−a, a]^d: log p(z) = −d log(2a) inside the box, −∞ outside. */
export class UniformBox implements Prior {
  readonly kind = 'uniform';
  readonly hasDensity = true;
  readonly fullSupport = false;
  constructor(readonly eventSize: number, readonly halfWidth: number) {}

  sample({ seed, n = 1 }: SampleOptions): tf.Tensor {
    return tf.randomUniform([n, this.eventSize], -this.halfWidth, this.halfWidth, 'float32', seed);
  }

  logProb(z: tf.Tensor): tf.Tensor {
    const a = this.halfWidth;
    return tf.tidy(() => {
      const inside = tf.all(tf.lessEqual(tf.abs(z), a), -1);
      return tf.where(inside, tf.fill(inside.shape, -this.eventSize * Math.log(2 * a)), tf.fill(inside.shape, -Infinity));
    });
  }

  mean(): tf.Tensor {
    return tf.zeros([1, this.eventSize]);
  }
}
