/**
 * The importance-weighted bound as a training objective (Burda, Grosse &
 * Salakhutdinov 2015):
 *
 *   L_K(x) = log (1/K) Σ_k w_k,   w_k = p(x|z_k) p(z_k) / q(z_k|x),   z_k = μ + σ·ε_k
 *
 * L_1 is the ELBO; L_K ≤ L_{K+1} ≤ log p(x) in expectation. The gradient
 * weights each sample's ELBO gradient by its normalised weight w_k / Σ w, so
 * the encoder may spread q(z|x) where the ELBO would make it too narrow.
 * It is the bound `eval --iw K` reports (metrics/iw.ts), computed here in one
 * pass with its gradient. In nats per example:
 *   iwLoss = −L_K (what is minimised; not `loss`, which is the VAE's −ELBO),
 *   reconstruction = the mean over the K samples of −log p(x|z_k),
 *   kl = the mean of log q(z_k|x) − log p(z_k) (a Monte Carlo KL),
 * so iwLoss ≤ reconstruction + kl, equal when K = 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { logSumExp } from '../util/ops.js';
import type { Autoencoder } from '../models/types.js';
import type { ObjectiveValue } from './types.js';

export interface IwaeOptions {
  /** Seed for the K·batch draws of ε. */
  readonly seed: number;
  /** Importance samples per example. */
  readonly k: number;
  readonly training?: boolean;
  /** Labels [batch] for a conditional VAE. */
  readonly labels?: tf.Tensor1D;
}

export function negativeIwBound(model: Autoencoder, x: tf.Tensor, { seed, k, training = false, labels }: IwaeOptions): ObjectiveValue {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`importance samples must be a positive integer, got ${k}`);
  let logLikelihood: tf.Tensor; // [K, batch]
  let logRatio: tf.Tensor; // log q − log p, [K, batch]
  if (model.sampleJoint) {
    const joint = model.sampleJoint(x, { k, seed, training });
    logLikelihood = joint.likelihood.logProb(x);
    logRatio = joint.logRatio;
  } else {
    const q = model.encode(x, { training, labels });
    const z = q.sample({ seed, n: k }); // [K, batch, latent]
    logLikelihood = model.decode(z, { training, labels }).logProb(x);
    logRatio = tf.sub(q.logProb(z), model.prior.logProb(z));
  }
  const logW = tf.sub(logLikelihood, logRatio);
  const bound = tf.sub(logSumExp(logW, 0), Math.log(k)); // [batch]
  const loss = tf.neg(tf.mean(bound)) as tf.Scalar;
  const reconstruction = tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
  const kl = tf.mean(logRatio) as tf.Scalar;
  return { total: loss, terms: { iwLoss: loss, reconstruction, kl } };
}
