/**
 * TF.js ops whose gradients TF.js computes the slow way, with the same values
 * and cheaper gradients. Without a gradient being recorded each is the TF.js
 * op itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CLIP_GRAD_KERNEL, hasFusedKernel, recordingGradients } from '../engine/wasm-kernels.js';

type Saved = (tensors: tf.Tensor[]) => void;
const customGrad = (f: (x: tf.Tensor, save: Saved) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * log Σ exp(x) along one axis, as tf.logSumExp computes it, with its gradient
 * written as what it is: dy·softmax(x) = dy·exp(x − lse).
 *
 * TF.js differentiates its own logSumExp through the maximum it subtracts for
 * stability, and the maximum's gradient builds a mask by comparing x with the
 * broadcast maximum (Equal [rows, K] against [rows, 1]). That part of the
 * gradient is zero — the maximum cancels — and on the wasm backend the
 * broadcast comparison alone took 8.7 ms of a 71 ms VampPrior training step
 * (500 components, batch 100, one thread, each kernel timed, a loaded
 * machine; with this and the clip below the step took 45 ms).
 */
export function logSumExp(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!recordingGradients()) return tf.logSumExp(x, ax, keepDims);
  return customGrad((input, save) => {
    const lse = tf.logSumExp(input, ax, true);
    save([input, lse]);
    return {
      value: keepDims ? lse : tf.squeeze(lse, [ax]),
      gradFunc: (dy, [xs, l]) => tf.mul(keepDims ? dy : tf.expandDims(dy, ax), tf.exp(tf.sub(xs, l))),
    };
  })(x);
}

/**
 * tf.clipByValue, its gradient (dy where min ≤ x ≤ max, else 0) one native
 * kernel where the engine has it: TF.js builds it from two comparisons with
 * a broadcast scalar, a logical and and a select: 11.8 ms of the same 71 ms
 * step for the VampPrior's 500 × 784 pseudo-inputs.
 */
export function clipByValue(x: tf.Tensor, min: number, max: number): tf.Tensor {
  if (!recordingGradients() || !hasFusedKernel(CLIP_GRAD_KERNEL) || x.dtype !== 'float32') return tf.clipByValue(x, min, max);
  return customGrad((input, save) => {
    save([input]);
    return {
      value: tf.clipByValue(input, min, max),
      gradFunc: (dy, [xs]) => tf.engine().runKernel(CLIP_GRAD_KERNEL, { dy, x: xs }, { clipValueMin: min, clipValueMax: max }) as tf.Tensor,
    };
  })(x);
}
