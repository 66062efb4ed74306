/**
 * The 8-bit grid {0, 1/255, …, 1} on which images are stored: each value owns
 * the bin of width 1/255 around it (half a bin at 0 and 1 on [0, 1]). A
 * likelihood's probability of an 8-bit value is its mass over that bin
 * (`Distribution.logProbOfBins`), so bounds computed with it are in nats of
 * the 8-bit data and comparable across likelihoods, where densities are not.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The number of values an 8-bit channel takes. */
export const LEVELS = 256;
/** Half a bin: the grid's step is 1/255. */
export const HALF_BIN = 1 / (2 * (LEVELS - 1));
export const LOG_BIN = Math.log(1 / (LEVELS - 1));

/** x moved to the nearest grid value, with masks for the first and the last value (whose bins run to the support's ends). */
export function gridValues(x: tf.Tensor): { value: tf.Tensor; first: tf.Tensor; last: tf.Tensor } {
  const level = tf.clipByValue(tf.round(tf.mul(x, LEVELS - 1)), 0, LEVELS - 1);
  return { value: tf.div(level, LEVELS - 1), first: tf.equal(level, 0), last: tf.equal(level, LEVELS - 1) };
}
