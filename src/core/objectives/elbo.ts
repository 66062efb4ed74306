/**
 * The negative evidence lower bound (Kingma & Welling 2014):
 *
 *   −ELBO(x) = E_q(z|x)[−log p(x|z)] + KL(q(z|x) ‖ p(z))   ≥ −log p(x)
 *
 * estimated with one reparameterised sample z = μ + σ·ε per example. Terms
 * are summed over pixels / latent dimensions and averaged over the batch, so
 * they read in nats per example:
 *   reconstruction = −log p(x|z),  kl = KL(q ‖ p),  loss = reconstruction + kl.
 * The optimised `total` is reconstruction + β·kl (β-VAE, KL warm-up).
 * With several stochastic layers (Autoencoder.sampleJoint) the KL is the
 * single-draw estimate of log q(z|x) − log p(z) over all of them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { klDivergence } from '../distributions/kl.js';
import type { Autoencoder } from '../models/types.js';
import type { ObjectiveValue } from './types.js';

export interface ElboOptions {
  /** Seed for ε (and for a Monte Carlo KL when the pair has no closed form). */
  readonly seed: number;
  /** Weight on the KL term in `total` (default 1). */
  readonly beta?: number;
  readonly training?: boolean;
  /** Labels [batch] for a conditional VAE (then the bound is on log p(x | y)). */
  readonly labels?: tf.Tensor1D;
}

export function negativeElbo(model: Autoencoder, x: tf.Tensor, { seed, beta = 1, training = false, labels }: ElboOptions): ObjectiveValue {
  if (model.sampleJoint) {
    // Several stochastic layers: one joint draw, the KL as log q(z|x) − log p(z) summed over the layers (Monte Carlo).
    const { likelihood, logRatio } = model.sampleJoint(x, { k: 1, seed, training });
    const reconstruction = tf.neg(tf.mean(likelihood.logProb(x))) as tf.Scalar;
    const kl = tf.mean(logRatio) as tf.Scalar;
    const loss = tf.add(reconstruction, kl) as tf.Scalar;
    return { total: beta === 1 ? loss : (tf.add(reconstruction, tf.mul(kl, beta)) as tf.Scalar), terms: { loss, reconstruction, kl } };
  }
  const q = model.encode(x, { training, labels });
  const z = q.sample({ seed });
  const reconstruction = tf.neg(tf.mean(model.decode(z, { training, labels }).logProb(x))) as tf.Scalar;
  const kl = tf.mean(klDivergence(q, model.prior, { seed: seed + 1 })) as tf.Scalar;
  const loss = tf.add(reconstruction, kl) as tf.Scalar;
  const total = beta === 1 ? loss : (tf.add(reconstruction, tf.mul(kl, beta)) as tf.Scalar);
  return { total, terms: { loss, reconstruction, kl } };
}
