import type * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from '../distributions/types.js';
import type { VampResources } from './vamp.js';

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
  /** A VampPrior's pseudo-inputs net and its VAE's encoder (the VAE passes them). */
  readonly vamp?: VampResources;
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

/**
 * A prior made of `components` labelled parts (mixture components, swiss-roll
 * segments): label-guided training pairs class k with part k.
 */
export interface ComponentPrior extends Prior {
  readonly components: number;
  /** Samples [n, eventSize]; row i from part components[i] (int32 [n], each in 0..components−1). */
  sampleComponents(components: tf.Tensor1D, seed: number): tf.Tensor2D;
}

/** True when the prior can sample a chosen component. */
export function isComponentPrior(prior: Prior): prior is ComponentPrior {
  return typeof (prior as Partial<ComponentPrior>).sampleComponents === 'function' && Number.isInteger((prior as Partial<ComponentPrior>).components);
}
