/**
 * Priors defined by how to sample them: the swiss roll (no density) and the
 * uniform box (a density, but zero outside the box).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from '../distributions/types.js';
import { uniformGenerator } from '../util/random.js';
import type { Prior } from './types.js';

/**
 * A 2-D swiss roll: t = 1.5π(1 + 2u), u ~ U(0, 1), z = (t cos t, t sin t)·(4 / 4.5π)
 * + N(0, noise²): a spiral out to radius 4.
 */
export class SwissRoll implements Prior {
  readonly kind = 'swiss-roll';
  readonly eventSize = 2;
  readonly hasDensity = false;
  readonly fullSupport = false;
  constructor(readonly noise: number) {}

  sample({ seed, n = 1 }: SampleOptions): tf.Tensor {
    const rand = uniformGenerator(seed);
    const scale = 4 / (4.5 * Math.PI);
    const points = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const t = 1.5 * Math.PI * (1 + 2 * rand());
      points[2 * i] = t * Math.cos(t) * scale;
      points[2 * i + 1] = t * Math.sin(t) * scale;
    }
    return tf.tidy(() => tf.add(tf.tensor2d(points, [n, 2]), tf.randomNormal([n, 2], 0, this.noise, 'float32', seed + 1)));
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
