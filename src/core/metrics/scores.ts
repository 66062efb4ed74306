/**
 * Per-example anomaly scores (higher = less like the training data), in
 * nats, with the terms they are made of:
 *
 * - a model whose q(z|x) has a density (VAE, Gaussian-encoder AAE):
 *   −ELBO(x) = E_q[−log p(x|z)] + E_q[log q(z|x) − log p(z)], estimated with
 *   `samples` draws of z; or, with `iw` = K, the importance-weighted bound
 *   −L_K(x), tighter as K grows (Burda et al. 2015);
 * - a deterministic encoder (AAE): −log p(x|z) − log p(z) at z = E(x), the
 *   joint density at the code (the prior term only where the prior has a
 *   density; otherwise the reconstruction alone);
 * - `kind` 'squared-error', any model: Σ (x − x̂)², x̂ the mean of p(x|z) at
 *   the mean code, the classic autoencoder score. On one-class MNIST
 *   (bench/one-class.ts) it ranks anomalies better than the likelihood,
 *   which rates simple images (a 1 among 8s) as likely whatever the model
 *   was trained on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, type DataSource } from '../data/dataset.js';
import { yieldToEventLoop } from '../util/yield.js';
import type { Autoencoder } from '../models/types.js';
import { deriveSeed } from '../util/random.js';
import { batchBound } from './iw.js';

export interface ScoreOptions {
  readonly seed: number;
  /** 'likelihood' (default): the bounds above; 'squared-error': Σ (x − x̂)² at the mean code. */
  readonly kind?: 'likelihood' | 'squared-error';
  /** True when q(z|x) has a density (the family says: hasPosteriorDensity). */
  readonly posteriorDensity: boolean;
  /** Draws of z per example for the −ELBO (default 10). */
  readonly samples?: number;
  /** Importance samples: score by −L_K instead of the −ELBO. */
  readonly iw?: number;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ExampleScores {
  /** What `score` is, e.g. "−ELBO (10 samples)". */
  readonly method: string;
  /** The anomaly score per example, nats. */
  readonly score: Float32Array;
  /** The terms per example, by name (e.g. reconstruction, kl), nats. */
  readonly terms: Readonly<Record<string, Float32Array>>;
}

/** Scores every example of `data` (see the module comment). */
export async function anomalyScores(model: Autoencoder, data: DataSource, options: ScoreOptions): Promise<ExampleScores> {
  const { seed, posteriorDensity, samples = 10, iw, batchSize = 250, onProgress, kind = 'likelihood' } = options;
  if (iw !== undefined && !posteriorDensity) throw new RangeError('the importance-weighted bound needs an encoder with a density q(z|x)');
  if (iw !== undefined && kind === 'squared-error') throw new RangeError('the importance-weighted bound is a likelihood score, not a squared error');
  const squared = kind === 'squared-error';
  const names = squared ? ['squaredError'] : iw !== undefined ? ['bound'] : posteriorDensity ? ['reconstruction', 'kl'] : model.prior.hasDensity ? ['reconstruction', 'prior'] : ['reconstruction'];
  const terms: Record<string, Float32Array> = Object.fromEntries(names.map((n) => [n, new Float32Array(data.size)]));
  let done = 0;
  let b = 0;
  for (const batch of batches(data, { batchSize })) {
    const results = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.count, data.dim]);
      const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
      const batchSeed = deriveSeed(seed, b);
      if (iw !== undefined) {
        const chunk = Math.max(1, Math.floor(2 ** 21 / (batch.count * data.dim)));
        return [tf.neg(batchBound(model, x, labels, iw, chunk, batchSeed))];
      }
      const q = model.encode(x, { labels });
      if (squared) return [tf.sum(tf.square(tf.sub(x, model.decode(q.mean(), { labels }).mean())), 1)];
      if (posteriorDensity) {
        const z = q.sample({ seed: batchSeed, n: samples });
        const rec = tf.neg(tf.mean(model.decode(z, { labels }).logProb(x), 0));
        const kl = tf.mean(tf.sub(q.logProb(z), model.prior.logProb(z)), 0);
        return [rec, kl];
      }
      const z = q.mean();
      const rec = tf.neg(model.decode(z, { labels }).logProb(x));
      return model.prior.hasDensity ? [rec, tf.neg(model.prior.logProb(z))] : [rec];
    });
    for (let t = 0; t < names.length; t++) {
      terms[names[t]].set(await results[t].data() as Float32Array, batch.indices[0]);
      results[t].dispose();
    }
    b++;
    done += batch.count;
    onProgress?.(done, data.size);
    await yieldToEventLoop();   // see yieldToEventLoop: a streamed source's decoded files are freed there
  }
  const score = new Float32Array(data.size);
  for (const n of names) terms[n].forEach((v, i) => { score[i] += v; });
  const method = squared ? 'Σ (x − x̂)², x̂ the mean of p(x|z) at the mean code' : iw !== undefined ? `−L_${iw} (importance-weighted bound, ${iw} samples)`
    : posteriorDensity ? `−ELBO (${samples} samples of z)`
      : model.prior.hasDensity ? '−log p(x|z) − log p(z) at z = E(x)' : '−log p(x|z) at z = E(x) (the prior has no density)';
  return { method, score, terms };
}
