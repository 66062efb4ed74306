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
 * The four block sums of the kernel matrix of z = [x; y] (N = n + m points),
 * [[Σ k(x, x), Σ k(x, y)], [Σ k(y, x), Σ k(y, y)]] with the scales summed and
 * the diagonal included, a block of z's rows at a time: the whole [N, N]
 * matrix at once held about 15 tensors of N² floats (about 1 GB for 2,000 codes
 * against 2,000 samples), and the wasm heap keeps its peak. One matrix for
 * the three sums keeps a training step to a few dozen small ops.
 * ‖a − b‖² is taken as ‖a‖² − 2a·b + ‖b‖² (one matrix product), clamped at 0
 * against rounding; differentiable in x and y.
 */
function blockSums(x: tf.Tensor2D, y: tf.Tensor2D, kernel: ImqKernel): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, d] = x.shape;
    const total = n + y.shape[0];
    const z = tf.concat([x, y], 0);
    const squared = tf.sum(tf.square(z), 1, true);
    const squaredRow = tf.transpose(squared);
    // Column 0 marks the rows of x, column 1 those of y.
    const groups = tf.tensor2d(Float32Array.from({ length: 2 * total }, (_, k) => ((Math.floor(k / 2) < n) === (k % 2 === 0) ? 1 : 0)), [total, 2]);
    const rows = Math.max(1, Math.floor(BLOCK_ENTRIES / total));
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < total; start += rows) {
      parts.push(tf.tidy(() => {
        const count = Math.min(rows, total - start);
        const whole = count === total;
        const block = whole ? z : tf.slice(z, [start, 0], [count, d]);
        const blockSquared = whole ? squared : tf.slice(squared, [start, 0], [count, 1]);
        const dist = tf.relu(tf.add(tf.sub(blockSquared, tf.mul(tf.matMul(block, z, false, true), 2)), squaredRow));
        const k = tf.addN(kernel.scales.map((s) => {
          const c = kernel.base * s;
          return tf.div(c, tf.add(dist, c));
        }));
        return tf.matMul(whole ? groups : tf.slice(groups, [start, 0], [count, 2]), tf.matMul(k, groups), true, false) as tf.Tensor2D;
      }));
    }
    return parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor2D);
  });
}

/**
 * The unbiased MMD² between x [n, d] and y [m, d] (n, m ≥ 2) as a scalar
 * tensor, differentiable in both. k(z, z) = Σ_s 1 exactly, so the
 * diagonal is taken out of the block sums as |scales|·(1/(n−1) + 1/(m−1)).
 */
export function mmdSquared(x: tf.Tensor2D, y: tf.Tensor2D, kernel: ImqKernel = imqKernel(x.shape[1])): tf.Scalar {
  const [n, d] = x.shape;
  const m = y.shape[0];
  if (n < 2 || m < 2 || y.shape[1] !== d) throw new Error(`mmd needs two samples of ≥ 2 points of one dimension, got [${x.shape}] and [${y.shape}]`);
  return tf.tidy(() => {
    const weights = tf.tensor2d([1 / (n * (n - 1)), -1 / (n * m), -1 / (n * m), 1 / (m * (m - 1))], [2, 2]);
    const diagonal = kernel.scales.length * (1 / (n - 1) + 1 / (m - 1));
    return tf.sub(tf.sum(tf.mul(blockSums(x, y, kernel), weights)), diagonal) as tf.Scalar;
  });
}

/** Unbiased MMD² between samples x [n, d] and y [m, d] (n, m ≥ 2), with the kernel for σ² = 1. */
export async function mmd(x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  const value = mmdSquared(x, y);
  const out = (await value.data())[0];
  value.dispose();
  return out;
}
