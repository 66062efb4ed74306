import type * as tf from '@tensorflow/tfjs-core';

/**
 * What every objective returns: `total` is what the optimiser minimises;
 * `terms` are named scalars in nats per example (summed over pixels and
 * latent dimensions, averaged over the batch) — one reduction rule for all.
 */
export interface ObjectiveValue {
  readonly total: tf.Scalar;
  readonly terms: Readonly<Record<string, tf.Scalar>>;
}
