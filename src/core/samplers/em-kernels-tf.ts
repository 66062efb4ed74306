/**
 * EM's two heavy steps (em-kernels.ts) as TF.js matrix products in float32,
 * over blocks of codes so no tensor exceeds ~16 MB:
 *
 *   distances  Y = X [W_1ᵀ … W_Kᵀ] − [μ_1W_1ᵀ … μ_KW_Kᵀ]  ([m, K·d]), D = Σ_d Y²
 *   moments    Δ_k = X − c_k ([m, d]), S_k += (r_k ⊙ Δ_k)ᵀ Δ_k, s_k += Σ_i r_ik Δ_k  (one product per component)
 *
 * Sums over blocks are kept in double precision. Float32 products make the
 * objective's steps noisy at the ~1e-6 relative level, far below the fit's
 * stopping tolerance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NEGLIGIBLE_RESPONSIBILITY, type EmKernels } from './em-kernels.js';

/** Rows per block: K·m·d float32 values at most 4M (16 MB). */
function blockRows(k: number, d: number, n: number): number {
  return Math.max(1, Math.min(n, Math.floor((4 << 20) / (k * d))));
}

export const tensorKernels: EmKernels = {
  name: 'TF.js matrix products (float32)',
  distances(x, n, d, whiteners, means, k) {
    const w = new Float32Array(d * k * d);   // [d, K·d]: column block c is W_cᵀ
    const shift = new Float32Array(k * d);
    for (let c = 0; c < k; c++) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b <= a; b++) {
          const v = whiteners[c * d * d + a * d + b];
          w[b * k * d + c * d + a] = v;
          s += v * means[c * d + b];
        }
        shift[c * d + a] = s;
      }
    }
    const out = new Float64Array(n * k);
    const m = blockRows(k, d, n);
    // Sums each component's d columns of Y² with a product too (faster than a reduction over a reshaped axis).
    const blocks = new Float32Array(k * d * k);
    for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) blocks[(c * d + a) * k + c] = 1;
    const wt = tf.tensor2d(w, [d, k * d]);
    const st = tf.tensor1d(shift);
    const bt = tf.tensor2d(blocks, [k * d, k]);
    try {
      for (let start = 0; start < n; start += m) {
        const rows = Math.min(m, n - start);
        const block = tf.tidy(() => {
          const y = tf.sub(tf.matMul(tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d]), wt), st);
          return tf.matMul(tf.square(y), bt);
        });
        // Read outside tidy: tidy walks every element of a typed array it is handed back.
        out.set(block.dataSync(), start * k);
        block.dispose();
      }
    } finally {
      tf.dispose([wt, st, bt]);
    }
    return out;
  },
  moments(x, n, d, resp, centres, k) {
    const sums = new Float64Array(k * d);
    const scatter = new Float64Array(k * d * d);
    const m = blockRows(1, d, n);
    for (let start = 0; start < n; start += m) {
      const rows = Math.min(m, n - start);
      const xb = tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d]);
      try {
        for (let c = 0; c < k; c++) {
          // Responsibilities [rows, 1]; a block the component does not claim is skipped.
          const r = new Float32Array(rows);
          let any = false;
          for (let i = 0; i < rows; i++) {
            const v = resp[(start + i) * k + c];
            if (v >= NEGLIGIBLE_RESPONSIBILITY) (r[i] = v), (any = true);
          }
          if (!any) continue;
          // One 2-D product per component: batched products are far slower on the wasm and native engines.
          const parts = tf.tidy(() => {
            const delta = tf.sub(xb, tf.tensor2d(Float32Array.from(centres.subarray(c * d, (c + 1) * d)), [1, d]));
            const weighted = tf.mul(delta, tf.tensor2d(r, [rows, 1]));
            return [tf.sum(weighted, 0), tf.matMul(weighted, delta, true, false)];
          });
          const [s, sc] = parts.map((t) => t.dataSync());
          tf.dispose(parts);
          for (let j = 0; j < d; j++) sums[c * d + j] += s[j];
          for (let j = 0; j < d * d; j++) scatter[c * d * d + j] += sc[j];
        }
      } finally {
        xb.dispose();
      }
    }
    // The product is symmetric up to rounding: make it exactly so.
    for (let c = 0; c < k; c++) {
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < a; b++) {
          const at = c * d * d;
          scatter[at + a * d + b] = scatter[at + b * d + a] = 0.5 * (scatter[at + a * d + b] + scatter[at + b * d + a]);
        }
      }
    }
    return { sums, scatter };
  },
};
