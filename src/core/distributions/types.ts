import type * as tf from '@tensorflow/tfjs-core';

/** Options for drawing samples: a seed makes the draw repeatable on one backend. */
export interface SampleOptions {
  /** Integer seed; the same seed gives the same draw on the same backend. */
  readonly seed: number;
  /** Number of draws per batch element; omitted means one draw without a leading axis. */
  readonly n?: number;
}

/**
 * A batch of independent distributions over vectors of length `eventSize`.
 *
 * Shapes: parameters are [batch, eventSize]; `logProb(x)` takes x of shape
 * [batch, eventSize] (or [n, batch, eventSize]) and returns the log-density
 * summed over the event axis, shape [batch] (or [n, batch]), in nats.
 */
export interface Distribution {
  readonly kind: string;
  readonly eventSize: number;
  logProb(x: tf.Tensor): tf.Tensor;
  /** Draws samples: [batch, eventSize], or [n, batch, eventSize] when `n` is given. */
  sample(options: SampleOptions): tf.Tensor;
  /** The mean, [batch, eventSize] (used for reconstructions and pictures). */
  mean(): tf.Tensor;
}
