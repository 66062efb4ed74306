/**
 * The shape of one example, as the models see it: data is stored flat
 * (row-major), an example's shape is [H, W] (grey images), [H, W, C] (colour,
 * channels last) or [D] (tables). Models take and give [batch, dataDim]
 * tensors at their boundary; `encode` also takes a batch shaped
 * [batch, ...dataShape] and flattens it on the way in.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Values per example: the product of `shape`. */
export function exampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `shape` as a frozen copy, after checking that it is a list of whole numbers ≥ 1. */
export function checkDataShape(shape: readonly number[]): readonly number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`an example's shape must be a list of whole numbers ≥ 1 ([H, W], [H, W, C] or [D]), got ${JSON.stringify(shape)}`);
  }
  return Object.freeze([...shape]);
}

/** x as [batch, dataDim]: a batch of examples shaped [batch, ...dataShape] is flattened, anything else passes unchanged. */
export function flatExamples(x: tf.Tensor, dataShape: readonly number[]): tf.Tensor {
  if (dataShape.length < 2 || x.rank !== dataShape.length + 1) return x;
  const shaped = dataShape.every((d, i) => x.shape[i + 1] === d);
  return shaped ? tf.reshape(x, [x.shape[0], exampleSize(dataShape)]) : x;
}

/**
 * The inverse of `flatExamples`: x of shape [..., exampleSize(dataShape)]
 * (what `decode(z).mean()` and `.sample()` give) reshaped to
 * [..., ...dataShape], e.g. [batch, 32, 32, 3] images ready for
 * `tf.browser.toPixels` or a PNG encoder. A wrong last axis is an error.
 */
export function shapedExamples(x: tf.Tensor, dataShape: readonly number[]): tf.Tensor {
  const size = exampleSize(dataShape);
  if (x.rank < 1 || x.shape[x.rank - 1] !== size) {
    throw new Error(`shapedExamples: the last axis must hold one example of shape [${dataShape.join(', ')}] (${size} values); got a tensor of shape [${x.shape.join(', ')}]`);
  }
  return tf.reshape(x, [...x.shape.slice(0, -1), ...dataShape]);
}
