/**
 * A prior given by samples (e.g. from a file): sampling draws rows uniformly
 * with replacement. No density, so it suits an AAE, not a VAE.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from '../distributions/types.js';
import { uniformGenerator } from '../util/random.js';
import type { Prior } from './types.js';

export class EmpiricalPrior implements Prior {
  readonly kind = 'samples';
  readonly hasDensity = false;
  readonly fullSupport = false;
  readonly count: number;

  /** @param samples [count, eventSize] row-major */
  constructor(private readonly samples: Float32Array, readonly eventSize: number) {
    this.count = samples.length / eventSize;
  }

  sample({ seed, n = 1 }: SampleOptions): tf.Tensor {
    const rand = uniformGenerator(seed);
    const d = this.eventSize;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = Math.min(this.count - 1, Math.floor(rand() * this.count));
      out.set(this.samples.subarray(row * d, (row + 1) * d), i * d);
    }
    return tf.tensor2d(out, [n, d]);
  }

  logProb(): tf.Tensor {
    throw new Error('a prior given by samples has no density');
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.mean(tf.tensor2d(this.samples, [this.count, this.eventSize]), 0, true));
  }
}
