import type * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from '../distributions/types.js';

/**
 * A prior p(z) over `eventSize` latent dimensions. `sample({seed, n})` →
 * [n, eventSize] always; `logProb(z)` → [...] (summed over dimensions) only
 * where a density exists (`hasDensity`). A VAE needs a density that is
 * positive everywhere (`fullSupport`); an AAE needs only samples.
 */
/** Data a prior needs that the config only names (e.g. the samples of a `samples` prior, read from its file). */
export interface PriorResources {
  /** [n, dim] row-major samples for a `samples` prior. */
  readonly samples?: Float32Array;
}

export interface Prior {
  readonly kind: string;
  readonly eventSize: number;
  readonly hasDensity: boolean;
  /** True when the density is positive on all of ℝ^d (a Gaussian q(z|x) never leaves its support). */
  readonly fullSupport: boolean;
  sample(options: SampleOptions): tf.Tensor;
  logProb(z: tf.Tensor): tf.Tensor;
  mean(): tf.Tensor;
}
