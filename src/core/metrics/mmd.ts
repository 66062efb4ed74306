/**
 * Maximum mean discrepancy between two samples, with the inverse
 * multiquadratic kernel k(x, y) = C / (C + ‖x − y‖²) (Tolstikhin et al. 2018,
 * WAE), summed over scales C = s·2d for s in {0.1, 0.2, 0.5, 1, 2, 5, 10}.
 * The unbiased estimate of MMD²:
 *
 *   (1/n(n−1)) Σ_{i≠j} k(x_i,x_j) + (1/m(m−1)) Σ_{i≠j} k(y_i,y_j) − (2/nm) Σ_{i,j} k(x_i,y_j)
 *
 * 0 in expectation when both samples come from one distribution (it can dip
 * below 0); larger means further apart. Used as "prior match": encoded codes
 * against samples of the prior.
 */
import * as tf from '@tensorflow/tfjs-core';

const SCALES = [0.1, 0.2, 0.5, 1, 2, 5, 10];

/** Entries of one block of the kernel matrix: blocks of rows keep the working set near 1 MB per tensor. */
const BLOCK_ENTRIES = 2 ** 18;

/**
 * Σ_{i,j} k(a_i, b_j) summed over the scales, a block of a's rows at a time:
 * the whole [n, m] matrix at once held about 15 tensors of n·m floats (900 MB
 * for 2,000 codes against 2,000 samples), and the wasm heap keeps its peak.
 */
function kernelSum(a: tf.Tensor2D, b: tf.Tensor2D, d: number): tf.Scalar {
  const [n, m] = [a.shape[0], b.shape[0]];
  const rows = Math.max(1, Math.floor(BLOCK_ENTRIES / m));
  const bSquared = tf.transpose(tf.sum(tf.square(b), 1, true));
  const parts: tf.Scalar[] = [];
  for (let start = 0; start < n; start += rows) {
    parts.push(tf.tidy(() => {
      const block = tf.slice(a, [start, 0], [Math.min(rows, n - start), d]);
      const sq = tf.add(tf.sub(tf.sum(tf.square(block), 1, true), tf.mul(tf.matMul(block, b, false, true), 2)), bSquared);
      const dist = tf.relu(sq); // guard tiny negative rounding
      return tf.addN(SCALES.map((s) => {
        const c = 2 * d * s;
        return tf.sum(tf.div(c, tf.add(dist, c)));
      })) as tf.Scalar;
    }));
  }
  const total = tf.addN(parts) as tf.Scalar;
  tf.dispose([bSquared, ...parts]);
  return total;
}

/** Unbiased MMD² between samples x [n, d] and y [m, d] (n, m ≥ 2). */
export async function mmd(x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  const [n, d] = x.shape;
  const m = y.shape[0];
  if (n < 2 || m < 2 || y.shape[1] !== d) throw new Error(`mmd needs two samples of ≥ 2 points of one dimension, got [${x.shape}] and [${y.shape}]`);
  const value = tf.tidy(() => {
    const diag = SCALES.length; // k(x, x) = 1 at every scale
    const kxx = tf.div(tf.sub(kernelSum(x, x, d), n * diag), n * (n - 1));
    const kyy = tf.div(tf.sub(kernelSum(y, y, d), m * diag), m * (m - 1));
    const kxy = tf.div(kernelSum(x, y, d), (n * m) / 2);
    return tf.sub(tf.add(kxx, kyy), kxy);
  });
  const out = (await value.data())[0];
  value.dispose();
  return out;
}
