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
 *
 * The event is held flat; `eventShape` says what it is: [eventSize] for a
 * vector, or an example's shape, e.g. [28, 28] or [32, 32, 3] (channels
 * last), for p(x|z) over images — the values are that array flattened
 * row-major (Distrax's `Independent` reinterprets the same trailing axes).
 */
export interface Distribution {
  readonly kind: string;
  readonly eventSize: number;
  /** The shape of one event; its product is `eventSize`. */
  readonly eventShape: readonly number[];
  logProb(x: tf.Tensor): tf.Tensor;
  /** Draws samples: [batch, eventSize], or [n, batch, eventSize] when `n` is given. */
  sample(options: SampleOptions): tf.Tensor;
  /** The mean, [batch, eventSize] (used for reconstructions and pictures). */
  mean(): tf.Tensor;
  /**
   * For likelihoods of values in [0, 1]: log P of the 8-bit values nearest
   * x, each value's probability being the mass over its bin of 1/255
   * (distributions/bins.ts), summed over the event like `logProb`, in nats.
   * Unlike a density, these are probabilities of the stored data, so bounds
   * built on them compare across likelihoods (`eval --8-bit`). Absent where
   * the distribution has no such reading (a Bernoulli's {0, 1}).
   */
  logProbOfBins?(x: tf.Tensor): tf.Tensor;
}

/** `shape` (default [size]) after checking that it holds `size` values. */
export function checkedEventShape(shape: readonly number[] | undefined, size: number): readonly number[] {
  if (!shape) return [size];
  if (shape.reduce((a, b) => a * b, 1) !== size) throw new Error(`event shape [${shape.join(', ')}] does not hold ${size} values`);
  return [...shape];
}
