/**
 * Principal components by power iteration on the d×d covariance — enough for
 * projecting latent codes (d up to a few hundred) onto a plane for pictures.
 */

export interface Projection {
  /** [n, k] projected points. */
  readonly points: Float32Array;
  /** Fraction of the total variance each component explains. */
  readonly explained: readonly number[];
  /** The principal directions, unit vectors of length d (point i's coordinate c is (x_i − mean) · components[c]). */
  readonly components: readonly Float64Array[];
  /** The points' mean, length d. */
  readonly mean: Float64Array;
}

function covariance(x: Float32Array, n: number, d: number): { cov: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) cov[a * d + b] += (da * (x[i * d + b] - mean[b])) / Math.max(n - 1, 1);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  return { cov, mean };
}

/** Leading eigenvector of a symmetric matrix by power iteration (deterministic start). */
function leadingEigen(m: Float64Array, d: number): { vector: Float64Array; value: number } {
  let v = Float64Array.from({ length: d }, (_, i) => 1 + i / d);
  let value = 0;
  for (let it = 0; it < 500; it++) {
    const w = new Float64Array(d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a] += m[a * d + b] * v[b];
    const norm = Math.hypot(...w);
    if (norm === 0) break;
    for (let a = 0; a < d; a++) w[a] /= norm;
    const delta = Math.hypot(...w.map((x, i) => x - v[i]));
    v = w;
    value = norm;
    if (delta < 1e-10) break;
  }
  return { vector: v, value };
}

/** Projects n×d points onto their first k principal components. */
export function pcaProject(x: Float32Array, n: number, d: number, k = 2): Projection {
  const { cov, mean } = covariance(x, n, d);
  let trace = 0;
  for (let a = 0; a < d; a++) trace += cov[a * d + a];
  const components: Float64Array[] = [];
  const explained: number[] = [];
  for (let c = 0; c < Math.min(k, d); c++) {
    const { vector, value } = leadingEigen(cov, d);
    components.push(vector);
    explained.push(trace > 0 ? value / trace : 0);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= value * vector[a] * vector[b];
  }
  const points = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    components.forEach((v, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - mean[j]) * v[j];
      points[i * k + c] = s;
    });
  }
  return { points, explained, components, mean };
}
