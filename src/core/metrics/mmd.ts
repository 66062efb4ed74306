/**
 * Maximum mean discrepancy between two samples, with the inverse
 * multiquadratic (IMQ) kernel summed over scales (Tolstikhin, Bousquet,
 * Gelly & Schölkopf 2018, WAE; the scales of the paper's code):
 *
 *   k(x, y) = Σ_s C_s / (C_s + ‖x − y‖²),   C_s = 2·d·σ²·s,   s ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10}
 *
 * for points in d dimensions and a prior of per-dimension variance σ². The
 * unbiased estimate (a U-statistic) of MMD² from x [n, d] and y [m, d]:
 *
 *   (1/n(n−1)) Σ_{i≠j} k(x_i,x_j) + (1/m(m−1)) Σ_{i≠j} k(y_i,y_j) − (2/nm) Σ_{i,j} k(x_i,y_j)
 *
 * 0 in expectation when both samples come from one distribution (it can dip
 * below 0); larger means further apart.
 *
 * One implementation serves two uses: `mmdSquared` is differentiable (the
 * WAE's penalty, objectives/wae.ts, takes gradients through it), and `mmd`
 * reads it as a number ("prior match": encoded codes against samples of the
 * prior, with σ² = 1 so that every model is measured with one kernel).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The scales s of the paper's code; C_s = 2·d·σ²·s. */
export const IMQ_SCALES: readonly number[] = [0.1, 0.2, 0.5, 1, 2, 5, 10];

/** An IMQ kernel summed over scales: C_s = `base` · s for each of `scales`. */
export interface ImqKernel {
  /** 2·d·σ² (the paper's C for s = 1). */
  readonly base: number;
  readonly scales: readonly number[];
}

/** The paper's kernel for d-dimensional points and a prior of per-dimension variance σ² (`variance`). */
export function imqKernel(d: number, variance = 1, scales: readonly number[] = IMQ_SCALES): ImqKernel {
  return { base: 2 * d * variance, scales };
}

/** Entries of one block of the kernel matrix: blocks of rows keep the working set near 1 MB per tensor. */
const BLOCK_ENTRIES = 2 ** 18;

/**
 * Σ_{i,j} k(a_i, b_j) summed over the scales, a block of a's rows at a time:
 * the whole [n, m] matrix at once held about 15 tensors of n·m floats (900 MB
 * for 2,000 codes against 2,000 samples), and the wasm heap keeps its peak.
 * ‖a − b‖² is taken as ‖a‖² − 2a·b + ‖b‖² (one matrix product), clamped at 0
 * against rounding; differentiable in a and b.
 */
function kernelSum(a: tf.Tensor2D, b: tf.Tensor2D, kernel: ImqKernel): tf.Scalar {
  return tf.tidy(() => {
    const [n, d] = a.shape;
    const m = b.shape[0];
    const rows = Math.max(1, Math.floor(BLOCK_ENTRIES / m));
    const bSquared = tf.transpose(tf.sum(tf.square(b), 1, true));
    const parts: tf.Scalar[] = [];
    for (let start = 0; start < n; start += rows) {
      parts.push(tf.tidy(() => {
        const block = rows >= n ? a : tf.slice(a, [start, 0], [Math.min(rows, n - start), d]);
        const sq = tf.add(tf.sub(tf.sum(tf.square(block), 1, true), tf.mul(tf.matMul(block, b, false, true), 2)), bSquared);
        const dist = tf.relu(sq);
        return tf.addN(kernel.scales.map((s) => {
          const c = kernel.base * s;
          return tf.sum(tf.div(c, tf.add(dist, c)));
        })) as tf.Scalar;
      }));
    }
    return parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Scalar);
  });
}

/**
 * The unbiased MMD² between x [n, d] and y [m, d] (n, m ≥ 2) as a scalar
 * tensor, differentiable in both. k(x_i, x_i) = Σ_s 1 exactly, so the
 * diagonal is taken out of the full sums as n·|scales|.
 */
export function mmdSquared(x: tf.Tensor2D, y: tf.Tensor2D, kernel: ImqKernel = imqKernel(x.shape[1])): tf.Scalar {
  const [n, d] = x.shape;
  const m = y.shape[0];
  if (n < 2 || m < 2 || y.shape[1] !== d) throw new Error(`mmd needs two samples of ≥ 2 points of one dimension, got [${x.shape}] and [${y.shape}]`);
  return tf.tidy(() => {
    const diag = kernel.scales.length;
    const kxx = tf.div(tf.sub(kernelSum(x, x, kernel), n * diag), n * (n - 1));
    const kyy = tf.div(tf.sub(kernelSum(y, y, kernel), m * diag), m * (m - 1));
    const kxy = tf.div(kernelSum(x, y, kernel), (n * m) / 2);
    return tf.sub(tf.add(kxx, kyy), kxy) as tf.Scalar;
  });
}

/** Unbiased MMD² between samples x [n, d] and y [m, d] (n, m ≥ 2), with the kernel for σ² = 1. */
export async function mmd(x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  const value = mmdSquared(x, y);
  const out = (await value.data())[0];
  value.dispose();
  return out;
}
