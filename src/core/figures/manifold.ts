/**
 * Latent-manifold sweeps: the regular grid of 2-D latent points whose
 * decodings form manifold.png, and the axis labels that go with it.
 *
 * Convention (shared by the CLI that decodes and the code that draws): for a
 * grid of n×n, image index i·n + j (row i from the top, column j from the
 * left) is the decoding of z = (z₁, z₂) with z₁ = lo + j·Δ and z₂ = hi − i·Δ,
 * Δ = (hi − lo)/(n − 1) — so z₂ increases upwards, as on a plot.
 */
/** The n evenly spaced values lo … hi (n = 1 gives the midpoint). */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (n <= 1) return [(lo + hi) / 2];
  return Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));
}

/** Latent points [n·n, 2] (row-major z₁, z₂) in the grid order described above. */
export function manifoldLatents(gridSize: number, zRange: readonly [number, number]): Float32Array {
  const values = linspace(zRange[0], zRange[1], gridSize);
  const out = new Float32Array(gridSize * gridSize * 2);
  for (let i = 0; i < gridSize; i++) {
    for (let j = 0; j < gridSize; j++) {
      out[2 * (i * gridSize + j)] = values[j];
      out[2 * (i * gridSize + j) + 1] = values[gridSize - 1 - i];
    }
  }
  return out;
}

/** Column labels (z₁, left→right) and row labels (z₂, top→bottom) for the grid. */
export function manifoldAxisLabels(gridSize: number, zRange: readonly [number, number]): { cols: string[]; rows: string[] } {
  const values = linspace(zRange[0], zRange[1], gridSize);
  const cols = formatAligned(values, Math.abs(zRange[1] - zRange[0]) / Math.max(1, gridSize - 1));
  return { cols, rows: [...cols].reverse() };
}

/**
 * Labels with one shared number of decimals: the fewest (≤ 4) that keep every
 * value within 5 % of the spacing `step` of its label; typographic minus.
 */
export function formatAligned(values: readonly number[], step: number): string[] {
  const tolerance = step > 0 ? step * 0.05 : 1e-9;
  let decimals = 0;
  while (decimals < 4 && values.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > tolerance)) decimals++;
  return values.map((v) => {
    const text = v.toFixed(decimals);
    return Number(text) === 0 ? (0).toFixed(decimals) : text.replace('-', '\u2212');
  });
}
