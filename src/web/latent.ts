/**
 * The model work the page does: encode images to the means of q(z|x),
 * decode latent points to the mean of p(x|z), draw prior samples. Results
 * come back as plain Float32Arrays; every tensor is disposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isConditional } from '../core/models/conditioning.js';
import type { Autoencoder } from '../core/models/types.js';
import { priorDensityGrid } from '../core/priors/density.js';

/** Means of q(z|x) for `count` rows of `x` ([count, dim]), in batches; `labels` for a conditional VAE's encoder. */
export async function encodeMeans(model: Autoencoder, x: Float32Array, count: number, labels: Int32Array | null = null, batch = 500): Promise<Float32Array> {
  const out = new Float32Array(count * model.latentDim);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const codes = tf.tidy(() => {
      const y = labels ? tf.tensor1d(labels.subarray(start, start + n), 'int32') : undefined;
      return model.encode(tf.tensor2d(x.subarray(start * model.dataDim, (start + n) * model.dataDim), [n, model.dataDim]), { labels: y }).mean();
    });
    out.set(await codes.data(), start * model.latentDim);
    codes.dispose();
  }
  return out;
}

/**
 * Decoder means for `z` ([n, latentDim] row-major), synchronously (used on
 * every pointer move). A conditional decoder renders every point as class `label`.
 */
export function decodeMeans(model: Autoencoder, z: Float32Array, label = 0): Float32Array {
  const n = z.length / model.latentDim;
  const images = tf.tidy(() => {
    const labels = isConditional(model.config) ? tf.fill([n], label, 'int32') as tf.Tensor1D : undefined;
    return model.decode(tf.tensor2d(z, [n, model.latentDim]), { labels }).mean();
  });
  const data = images.dataSync() as Float32Array;
  images.dispose();
  return data;
}

/** `n` samples of the model's prior, [n, latentDim]. */
export async function priorSamples(model: Autoencoder, n: number, seed = 1): Promise<Float32Array> {
  const s = model.prior.sample({ seed, n });
  const data = (await s.data()) as Float32Array;
  s.dispose();
  return data;
}

/** Columns `dx`, `dy` of [n, d] rows as [n, 2]. */
export function project(points: Float32Array, d: number, dx: number, dy: number): Float32Array {
  const n = points.length / d;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = points[i * d + dx];
    out[2 * i + 1] = points[i * d + dy];
  }
  return out;
}

/** Straight-line path of `steps` points from a to b (both [d]), [steps, d]. */
export function linearPath(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  const d = a.length;
  const out = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    for (let j = 0; j < d; j++) out[s * d + j] = a[j] + t * (b[j] - a[j]);
  }
  return out;
}

/**
 * The prior's density on a `cells`×`cells` grid over [x0, x1]×[y0, y1] (row
 * 0 at y1, the top), scaled so its maximum is 1 (a smoothed histogram of
 * samples for priors without a density); null when the latent is not 2-D.
 */
export function priorDensity(model: Autoencoder, x: readonly [number, number], y: readonly [number, number], cells = 120): Float32Array | null {
  if (model.latentDim !== 2) return null;
  const { values } = priorDensityGrid(model.prior, x, y, cells);
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max > 0 ? Float32Array.from(values, (v) => v / max) : null;
}

/**
 * Spherical path of `steps` points from a to b (both [d]), [steps, d]: the
 * great-circle interpolation (slerp) of the two vectors, which keeps a path
 * between two typical draws of a Gaussian prior at a typical norm, where the
 * straight line passes nearer the origin than any draw lies. Parallel vectors
 * fall back to the straight line.
 */
export function slerpPath(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  const d = a.length;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < d; j++) {
    dot += a[j] * b[j];
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
  const omega = Math.acos(cos);
  if (!(Math.sin(omega) > 1e-6)) return linearPath(a, b, steps);
  const out = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = Math.sin(t * omega) / Math.sin(omega);
    for (let j = 0; j < d; j++) out[s * d + j] = wa * a[j] + wb * b[j];
  }
  return out;
}

/** Standard deviation of each dimension of [n, d] codes. */
export function codeSpread(codes: Float32Array, d: number): Float64Array {
  const n = codes.length / d;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += codes[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] += (codes[i * d + j] - mean[j]) ** 2 / Math.max(1, n - 1);
  return sq.map(Math.sqrt);
}

/**
 * The two dimensions a slice of the plane shows first: for a 2-D code (or
 * one dimension past a class part of size k) the only ones; above that the
 * two along which the codes spread most, in index order — a VAE leaves many
 * dimensions of a large latent unused (every code near one value), and a
 * slice through two of those shows a dot.
 */
export function defaultSlice(spread: ArrayLike<number>, k = 0): [number, number] {
  const d = spread.length;
  if (d - k <= 2) return [Math.min(k, d - 1), Math.min(k + 1, d - 1)];
  const order = Array.from({ length: d - k }, (_, j) => j + k).sort((a, b) => (spread[b] || 0) - (spread[a] || 0) || a - b);
  const [a, b] = order;
  return a < b ? [a, b] : [b, a];
}

/**
 * A latent traversal: for each of `dims`, `steps` copies of z0 with that one
 * dimension moved from z0_j − span·σ_j to z0_j + span·σ_j; [dims × steps, d].
 */
export function traversalLatents(z0: Float32Array, dims: readonly number[], steps: number, span: number, sigma: ArrayLike<number>): Float32Array {
  const d = z0.length;
  const out = new Float32Array(dims.length * steps * d);
  dims.forEach((j, r) => {
    for (let s = 0; s < steps; s++) {
      const t = steps === 1 ? 0 : -1 + (2 * s) / (steps - 1);
      const o = (r * steps + s) * d;
      out.set(z0, o);
      out[o + j] = z0[j] + t * span * (sigma[j] || 1);
    }
  });
  return out;
}
