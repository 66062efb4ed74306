/**
 * Active units (Burda, Grosse & Salakhutdinov 2015, §5.2): a latent
 * dimension u is active when the mean of q(z_u|x) moves with x,
 *
 *   A_u = Cov_x( E_{q(z|x)}[z_u] ) > 10⁻²,
 *
 * the variance over the data of the encoder's mean. A collapsed ("inactive")
 * dimension has q(z_u|x) ≈ p(z_u) for every x, so the decoder cannot use it:
 * the count is how much of the latent space the model actually spends, and
 * the IWAE paper reads its gain over the VAE partly as more active units.
 */
export interface ActiveUnits {
  /** Dimensions with A_u above the threshold. */
  readonly count: number;
  /** Dimensions in all. */
  readonly of: number;
  readonly threshold: number;
  /** A_u of each dimension, in order. */
  readonly variances: number[];
}

/** The paper's threshold. */
export const ACTIVE_UNIT_THRESHOLD = 1e-2;

/**
 * A_u of every dimension from the encoder's means of n examples, row-major
 * [n, d] (e.g. `encodeData(model, data)`): the variance over the examples
 * (divided by n), accumulated in float64.
 */
export function activeUnits(means: Float32Array, n: number, d: number, threshold = ACTIVE_UNIT_THRESHOLD): ActiveUnits {
  if (!(n >= 2)) throw new RangeError(`activeUnits: needs at least 2 examples, got ${n}`);
  if (means.length !== n * d) throw new RangeError(`activeUnits: ${means.length} values are not ${n} × ${d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let u = 0; u < d; u++) mean[u] += means[i * d + u];
  for (let u = 0; u < d; u++) mean[u] /= n;
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < d; u++) {
      const c = means[i * d + u] - mean[u];
      variance[u] += c * c;
    }
  }
  const variances = Array.from(variance, (v) => v / n);
  return { count: variances.filter((v) => v > threshold).length, of: d, threshold, variances };
}
