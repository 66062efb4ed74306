/**
 * How an autoencoder shaped its latent space, in three numbers (the
 * VAE-vs-AAE comparison of Makhzani et al. 2015, made quantitative):
 *
 * - prior match: MMD² (inverse multiquadratic kernel, see mmd.ts) between
 *   codes z ~ q(z|x) of held-out images — one draw per image, so a sample
 *   of the aggregated posterior q(z) — and as many samples of p(z); near 0
 *   when q(z) matches the prior;
 * - the accuracy of a two-sample classifier telling those codes from the
 *   prior samples (50 % = indistinguishable to it);
 * - label separability: k-NN accuracy of the class from the code (the
 *   means of q(z|x)), first half of the images as reference, second half
 *   as queries.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, evaluationBatchSize, type DataSource, type Dataset } from '../data/dataset.js';
import type { Autoencoder } from '../models/types.js';
import { deriveSeed } from '../util/random.js';
import { mmd } from './mmd.js';
import { knnAccuracy, twoSampleAccuracy } from './separability.js';

export interface LatentMatch {
  /** Images the numbers were computed on. */
  readonly images: number;
  readonly mmd: number;
  /** Two-sample classifier accuracy, 0.5 = indistinguishable. */
  readonly twoSample: number;
  /** k-NN (k = 5) accuracy of the label from the code; null without labels. */
  readonly knn: number | null;
}

/** Codes of a dataset [size, latentDim]: means of q(z|x), or one draw per example with `seed`. */
export function encodeData(model: Autoencoder, data: DataSource, { seed, batchSize = evaluationBatchSize(data.dim) }: { seed?: number; batchSize?: number } = {}): Float32Array {
  const out = new Float32Array(data.size * model.latentDim);
  let b = 0;
  for (const batch of batches(data, { batchSize })) {
    const codes = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.count, data.dim]);
      const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
      const q = model.encode(x, { labels });
      return (seed === undefined ? q.mean() : q.sample({ seed: deriveSeed(seed, b) })).dataSync() as Float32Array;
    });
    out.set(codes, b * batchSize * model.latentDim);
    b++;
  }
  return out;
}

/** The three numbers on `data` (use a few thousand held-out images: MMD costs O(n²)). */
export async function latentMatch(model: Autoencoder, data: Dataset, seed: number): Promise<LatentMatch> {
  const d = model.latentDim;
  const n = data.size;
  const drawn = encodeData(model, data, { seed: deriveSeed(seed, 1) });
  const prior = tf.tidy(() => model.prior.sample({ seed: deriveSeed(seed, 2), n }).dataSync() as Float32Array);
  const a = tf.tensor2d(drawn, [n, d]);
  const b = tf.tensor2d(prior, [n, d]);
  const distance = await mmd(a, b);
  tf.dispose([a, b]);
  const twoSample = await twoSampleAccuracy(drawn, prior, d, { seed });
  let knn: number | null = null;
  if (data.labels && n >= 4) {
    const means = encodeData(model, data);
    const half = Math.floor(n / 2);
    knn = knnAccuracy(means.subarray(0, half * d), data.labels.subarray(0, half), means.subarray(half * d), data.labels.subarray(half), d);
  }
  return { images: n, mmd: distance, twoSample, knn };
}

/**
 * Label-guided training's aim, measured: the fraction of codes (means of
 * q(z|x)) nearest to the mixture mean of their own class (class k ↔ mean k).
 * Chance is about 1/K.
 */
export function componentAccuracy(codes: Float32Array, labels: Int32Array, means: readonly (readonly number[])[]): number {
  const d = means[0].length;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    let bestDist = Infinity;
    means.forEach((m, k) => {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (codes[i * d + j] - m[j]) ** 2;
      if (dist < bestDist) [best, bestDist] = [k, dist];
    });
    if (best === labels[i]) hits++;
  }
  return hits / labels.length;
}
