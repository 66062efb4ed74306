/**
 * A prior's density on a grid over the plane of the first two latent
 * dimensions, for drawing under a scatter of codes: exp(log p(z)) where the
 * prior has a density, otherwise a smoothed histogram of its samples (so a
 * swiss roll or a prior given by samples shades too).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Prior } from './types.js';

export interface DensityGrid {
  /** cols × rows values, row-major, row 0 at the top (y = y[1]); non-negative, arbitrary scale. */
  readonly values: Float32Array;
  readonly cols: number;
  readonly rows: number;
  /** The box the grid covers: cell centres run from lo + half a cell to hi − half a cell. */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** How the values were found. */
  readonly method: 'density' | 'histogram';
}

/** Density of a 2-D prior over the box x × y, on `size` × `size` cells. */
export function priorDensityGrid(prior: Prior, x: readonly [number, number], y: readonly [number, number], size = 120, seed = 0): DensityGrid {
  if (prior.eventSize !== 2) throw new Error(`priorDensityGrid draws 2-D priors; this one has ${prior.eventSize} dimensions`);
  const cx = (i: number) => x[0] + ((i + 0.5) * (x[1] - x[0])) / size;
  const cy = (r: number) => y[1] - ((r + 0.5) * (y[1] - y[0])) / size;
  if (prior.hasDensity) {
    const centres = new Float32Array(2 * size * size);
    for (let r = 0; r < size; r++) for (let i = 0; i < size; i++) centres.set([cx(i), cy(r)], 2 * (r * size + i));
    const values = tf.tidy(() => tf.exp(prior.logProb(tf.tensor2d(centres, [size * size, 2]))).dataSync() as Float32Array);
    return { values: Float32Array.from(values, (v) => (Number.isFinite(v) ? v : 0)), cols: size, rows: size, x, y, method: 'density' };
  }
  const n = 200_000;
  const samples = tf.tidy(() => prior.sample({ seed, n }).dataSync() as Float32Array);
  let counts: Float32Array = new Float32Array(size * size);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(((samples[2 * k] - x[0]) / (x[1] - x[0])) * size);
    const r = Math.floor(((y[1] - samples[2 * k + 1]) / (y[1] - y[0])) * size);
    if (i >= 0 && i < size && r >= 0 && r < size) counts[r * size + i]++;
  }
  for (let pass = 0; pass < 2; pass++) counts = boxBlur(counts, size);
  return { values: counts, cols: size, rows: size, x, y, method: 'histogram' };
}

/** One pass of a 3 × 3 box blur (edges average over the cells that exist). */
function boxBlur(v: Float32Array, size: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < size; r++) {
    for (let i = 0; i < size; i++) {
      let sum = 0;
      let count = 0;
      for (let dr = -1; dr <= 1; dr++) {
        for (let di = -1; di <= 1; di++) {
          const rr = r + dr;
          const ii = i + di;
          if (rr >= 0 && rr < size && ii >= 0 && ii < size) {
            sum += v[rr * size + ii];
            count++;
          }
        }
      }
      out[r * size + i] = sum / count;
    }
  }
  return out;
}
