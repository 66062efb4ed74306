/**
 * The importance-weighted bound (Burda, Grosse & Salakhutdinov 2015):
 *
 *   log p(x) ≥ L_K(x) = E[ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x) ],  z_k ~ q(z|x)
 *
 * L_1 is the ELBO and L_K tightens as K grows. The K samples are drawn in
 * chunks sized so that a chunk's decoder output stays under `maxElements`
 * floats, and the log-sum-exp is accumulated across chunks, so K = 5000
 * fits in a few tens of MB. Result in nats per example.
 *
 * With `eightBit`, p(x|z) is read as the probability of the 8-bit values
 * (`Distribution.logProbOfBins`: each value's mass over its bin of 1/255)
 * in place of the likelihood's own `logProb`, a density for a Gaussian or a
 * continuous Bernoulli: the bound is then on the log-probability of the
 * stored 8-bit data, comparable across likelihoods.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, type DataSource } from '../data/dataset.js';
import type { Distribution } from '../distributions/types.js';
import type { Autoencoder } from '../models/types.js';
import { deriveSeed } from '../util/random.js';
import { yieldToEventLoop } from '../util/yield.js';

export interface IwOptions {
  /** Importance samples per example. */
  readonly k: number;
  readonly seed: number;
  /** Examples encoded together (default 100). */
  readonly batchSize?: number;
  /** Cap on floats in one chunk's decoder output (default 2²¹). */
  readonly maxElements?: number;
  /** Called after each data batch with the examples done so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Bound the probability of the 8-bit values rather than the likelihood's density (see the header). */
  readonly eightBit?: boolean;
}

export interface IwResult {
  readonly k: number;
  /** Mean of L_K over the examples (a lower bound on log p(x)), nats. */
  readonly logLikelihoodBound: number;
  /** −L_K: an upper bound on the negative log-likelihood, nats per example. */
  readonly nll: number;
}

/** L_K(x) per example of one batch, [batch]: log-mean-exp over K importance weights, accumulated `chunk` samples at a time. */
export function batchBound(model: Autoencoder, x: tf.Tensor2D, labels: tf.Tensor1D | undefined, k: number, chunk: number, seed: number, eightBit = false): tf.Tensor1D {
  let acc: tf.Tensor1D | null = null;
  for (let done = 0, c = 0; done < k; done += chunk, c++) {
    const n = Math.min(chunk, k - done);
    const next = tf.tidy(() => {
      let logW: tf.Tensor;
      if (model.sampleJoint) {
        const { likelihood, logRatio } = model.sampleJoint(x, { k: n, seed: deriveSeed(seed, c) });
        logW = tf.sub(eightBit ? eightBitLogProb(likelihood, x) : likelihood.logProb(x), logRatio);
      } else {
        const q = model.encode(x, { labels });
        const z = q.sample({ seed: deriveSeed(seed, c), n });
        const p = model.decode(z, { labels });
        const logLikelihood = eightBit ? eightBitLogProb(p, x) : p.logProb(x);
        logW = tf.sub(tf.add(logLikelihood, model.prior.logProb(z)), q.logProb(z));
      }
      const lse = tf.logSumExp(logW, 0) as tf.Tensor1D;
      return acc ? (tf.logSumExp(tf.stack([acc, lse]), 0) as tf.Tensor1D) : lse;
    });
    acc?.dispose();
    acc = next;
  }
  const out = tf.tidy(() => tf.sub(acc!, Math.log(k)) as tf.Tensor1D);
  acc!.dispose();
  return out;
}

/** p's log-probability of the 8-bit values of x; an error for a likelihood with no such reading. */
function eightBitLogProb(p: Distribution, x: tf.Tensor): tf.Tensor {
  if (!p.logProbOfBins) throw new Error(`a ${p.kind} likelihood gives no probabilities of 8-bit values`);
  return p.logProbOfBins(x);
}

export async function importanceWeightedBound(model: Autoencoder, data: DataSource, options: IwOptions): Promise<IwResult> {
  const { k, seed, batchSize = 100, maxElements = 2 ** 21, onProgress, eightBit = false } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`importance samples must be a positive integer, got ${k}`);
  let sum = 0;
  let done = 0;
  let b = 0;
  for (const batch of batches(data, { batchSize })) {
    const chunk = Math.max(1, Math.floor(maxElements / (batch.count * data.dim)));
    const x = tf.tensor2d(batch.x, [batch.count, data.dim]);
    const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
    const bound = batchBound(model, x, labels, k, chunk, deriveSeed(seed, b++), eightBit);
    sum += (await tf.sum(bound).data())[0];
    tf.dispose([x, labels, bound]);
    done += batch.count;
    onProgress?.(done, data.size);
    await yieldToEventLoop();
  }
  const logLikelihoodBound = sum / data.size;
  return { k, logLikelihoodBound, nll: -logLikelihoodBound };
}
