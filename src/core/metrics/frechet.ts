/**
 * The Fréchet distance between two Gaussians fitted to feature sets
 * (Dowson & Landau 1982; used on Inception features as the FID by Heusel et
 * al. 2017):
 *
 *   d² = ‖μ_a − μ_b‖² + tr Σ_a + tr Σ_b − 2 tr (Σ_a^{½} Σ_b Σ_a^{½})^{½}
 *
 * tr (Σ_a Σ_b)^{½} is taken as Σ √λ_i over the eigenvalues of the symmetric
 * positive semi-definite Σ_a^{½} Σ_b Σ_a^{½} (the same eigenvalues as
 * Σ_a Σ_b), Σ_a^{½} from Σ_a's eigendecomposition: no non-symmetric matrix
 * square root, and eigenvalues that rounding pushes below zero count as 0.
 * Which features are compared is the caller's choice; numbers are only
 * comparable between runs that use the same features.
 */
import { matMul, symmetricEigen } from '../util/linalg.js';

/** The mean [d] and covariance [d, d] (divided by count − 1) of a feature set. */
export interface FeatureStats {
  readonly dim: number;
  readonly count: number;
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
}

/** Statistics of n feature rows [n, dim] (row-major). */
export function featureStats(features: ArrayLike<number>, dim: number): FeatureStats {
  const n = features.length / dim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`feature statistics need at least 2 rows of ${dim} values (got ${features.length} values)`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const covariance = new Float64Array(dim * dim);
  const diff = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) diff[j] = features[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const da = diff[a];
      if (da === 0) continue;
      for (let b = a; b < dim; b++) covariance[a * dim + b] += da * diff[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      covariance[a * dim + b] /= n - 1;
      covariance[b * dim + a] = covariance[a * dim + b];
    }
  }
  return { dim, count: n, mean, covariance };
}

/** Σ^{½} of a symmetric positive semi-definite matrix (negative eigenvalues from rounding taken as 0). */
export function symmetricSqrt(m: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let a = 0; a < d; a++) {
      const va = vectors[a * d + k] * s;
      for (let b = 0; b < d; b++) out[a * d + b] += va * vectors[b * d + k];
    }
  }
  return out;
}

/** tr (Σ_a Σ_b)^{½} for symmetric positive semi-definite Σ_a, Σ_b. */
export function traceSqrtProduct(a: Float64Array, b: Float64Array, d: number): number {
  const root = symmetricSqrt(a, d);
  const { values } = symmetricEigen(matMul(matMul(root, b, d), root, d), d);
  return values.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
}

/** The squared Fréchet distance between N(μ_a, Σ_a) and N(μ_b, Σ_b) (the number reported as "FD"). */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  if (a.dim !== b.dim) throw new Error(`Fréchet distance between features of ${a.dim} and ${b.dim} dimensions`);
  const d = a.dim;
  let meanTerm = 0;
  let traces = 0;
  for (let j = 0; j < d; j++) {
    meanTerm += (a.mean[j] - b.mean[j]) ** 2;
    traces += a.covariance[j * d + j] + b.covariance[j * d + j];
  }
  // Rounding can leave a tiny negative value for identical statistics.
  return Math.max(0, meanTerm + traces - 2 * traceSqrtProduct(a.covariance, b.covariance, d));
}
