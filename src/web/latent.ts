/**
 * The model work the page does: encode images to the means of q(z|x),
 * decode latent points to the mean of p(x|z), draw prior samples. Results
 * come back as plain Float32Arrays; every tensor is disposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Autoencoder } from '../core/models/types.js';

/** Means of q(z|x) for `count` rows of `x` ([count, dim]), in batches. */
export async function encodeMeans(model: Autoencoder, x: Float32Array, count: number, batch = 500): Promise<Float32Array> {
  const out = new Float32Array(count * model.latentDim);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const codes = tf.tidy(() => model.encode(tf.tensor2d(x.subarray(start * model.dataDim, (start + n) * model.dataDim), [n, model.dataDim])).mean());
    out.set(await codes.data(), start * model.latentDim);
    codes.dispose();
  }
  return out;
}

/** Decoder means for `z` ([n, latentDim] row-major), synchronously (used on every pointer move). */
export function decodeMeans(model: Autoencoder, z: Float32Array): Float32Array {
  const n = z.length / model.latentDim;
  const images = tf.tidy(() => model.decode(tf.tensor2d(z, [n, model.latentDim])).mean());
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
 * The prior's density p(z) on a `cells`×`cells` grid over [x0, x1]×[y0, y1]
 * (row 0 at y1, the top), scaled so its maximum is 1; null when the prior has
 * no density or the latent is not 2-D.
 */
export function priorDensityGrid(model: Autoencoder, x: readonly [number, number], y: readonly [number, number], cells = 120): Float32Array | null {
  if (!model.prior.hasDensity || model.latentDim !== 2) return null;
  const z = new Float32Array(cells * cells * 2);
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      z[2 * (r * cells + c)] = x[0] + ((c + 0.5) / cells) * (x[1] - x[0]);
      z[2 * (r * cells + c) + 1] = y[1] - ((r + 0.5) / cells) * (y[1] - y[0]);
    }
  }
  const logp = tf.tidy(() => model.prior.logProb(tf.tensor2d(z, [cells * cells, 2])));
  const values = logp.dataSync() as Float32Array;
  logp.dispose();
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return Float32Array.from(values, (v) => Math.exp(v - max));
}
