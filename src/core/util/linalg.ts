/**
 * Small dense linear algebra on row-major Float64Arrays (d×d, d up to a few
 * hundred): what the Gaussian-mixture fit (samplers/) and the Fréchet
 * distance (metrics/frechet.ts) need, in double precision.
 */

/**
 * The Cholesky factor L (lower triangular, A = L Lᵀ) of a symmetric
 * positive-definite d×d matrix; only A's lower triangle is read. Returns
 * null when A is not positive definite (a pivot ≤ 0 or not finite).
 */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/** L⁻¹ of a lower-triangular d×d matrix with a non-zero diagonal (itself lower triangular). */
export function invertLower(l: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    inv[j * d + j] = 1 / l[j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * d + k] * inv[k * d + j];
      inv[i * d + j] = s / l[i * d + i];
    }
  }
  return inv;
}

/** C = A B for d×d matrices. */
export function matMul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
    }
  }
  return c;
}

/**
 * Eigenvalues and eigenvectors of a symmetric d×d matrix by cyclic Jacobi
 * rotations (Golub & Van Loan, §8.5): A = V diag(λ) Vᵀ, V's columns the
 * eigenvectors. Accurate to working precision, O(d³) per sweep, converging
 * quadratically (a handful of sweeps). The input is not changed.
 */
export function symmetricEigen(a: Float64Array, d: number, { maxSweeps = 60 } = {}): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j] + m[j * d + i]);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += m[i] * m[i];
  const threshold = 1e-30 * scale;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q] * m[p * d + q];
    if (off <= threshold) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (apq === 0) continue;
        // The rotation that zeroes m[p][q]: tan θ = t, the smaller root of t² + 2τt − 1 = 0.
        const tau = (m[q * d + q] - m[p * d + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p];
          const mkq = m[k * d + q];
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k];
          const mqk = m[q * d + k];
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => m[i * d + i]), vectors: v };
}
