/**
 * The two O(n·K·d²) steps of a full-covariance EM iteration, the only parts
 * whose cost grows with the number of codes n:
 *
 *   distances  D_ik = ‖W_k (x_i − μ_k)‖²   (W_k = L_k⁻¹, Σ_k = L_k L_kᵀ)      → [n, K]
 *   moments    s_k = Σ_i r_ik (x_i − c_k),
 *              S_k = Σ_i r_ik (x_i − c_k)(x_i − c_k)ᵀ   about centres c_k    → [K, d], [K, d, d]
 *
 * Moments are taken about centres near the new means (the previous means),
 * so the covariance S_k/N_k − δδᵀ (δ = s_k/N_k) loses no precision to
 * cancellation when ‖μ_k‖ is large next to its spread. Two implementations:
 * plain loops in double precision (`typedArrayKernels`), and TF.js matrix
 * products in float32 (`tensorKernels`, em-kernels-tf.ts), faster for large
 * n·K·d² on a backend with a fast GEMM.
 */

export interface EmKernels {
  readonly name: string;
  distances(x: Float32Array, n: number, d: number, whiteners: Float64Array, means: Float64Array, k: number): Float64Array;
  moments(x: Float32Array, n: number, d: number, resp: Float64Array, centres: Float64Array, k: number): { sums: Float64Array; scatter: Float64Array };
}

/** Responsibilities below this are left out of the moments (their share is far below the fit's tolerance). */
export const NEGLIGIBLE_RESPONSIBILITY = 1e-12;

export const typedArrayKernels: EmKernels = {
  name: 'typed arrays (float64)',
  distances(x, n, d, whiteners, means, k) {
    const out = new Float64Array(n * k);
    const diff = new Float64Array(d);
    for (let c = 0; c < k; c++) {
      const w = c * d * d;
      for (let i = 0; i < n; i++) {
        const row = i * d;
        for (let j = 0; j < d; j++) diff[j] = x[row + j] - means[c * d + j];
        let sq = 0;
        for (let a = 0; a < d; a++) {
          const wa = w + a * d;
          let y = 0;
          for (let b = 0; b <= a; b++) y += whiteners[wa + b] * diff[b];
          sq += y * y;
        }
        out[i * k + c] = sq;
      }
    }
    return out;
  },
  moments(x, n, d, resp, centres, k) {
    const sums = new Float64Array(k * d);
    const scatter = new Float64Array(k * d * d);
    const diff = new Float64Array(d);
    for (let c = 0; c < k; c++) {
      const s = c * d * d;
      for (let i = 0; i < n; i++) {
        const r = resp[i * k + c];
        if (r < NEGLIGIBLE_RESPONSIBILITY) continue;
        const row = i * d;
        for (let j = 0; j < d; j++) {
          diff[j] = x[row + j] - centres[c * d + j];
          sums[c * d + j] += r * diff[j];
        }
        for (let a = 0; a < d; a++) {
          const ra = r * diff[a];
          const sa = s + a * d;
          for (let b = a; b < d; b++) scatter[sa + b] += ra * diff[b];
        }
      }
      for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) scatter[s + a * d + b] = scatter[s + b * d + a];
    }
    return { sums, scatter };
  },
};
