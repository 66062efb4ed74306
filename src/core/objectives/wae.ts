/**
 * The Wasserstein autoencoder's objective, WAE-MMD (Tolstikhin et al. 2018,
 * Algorithm 2), per example:
 *
 *   reconstruction = E[−log p(x|z)],   z ~ q(z|x)  (z = E(x) for a deterministic encoder)
 *   mmd            = MMD²(q(z), p(z)), the unbiased estimate from the batch's
 *                    n codes and n samples of the prior (metrics/mmd.ts)
 *   total          = reconstruction + λ·mmd        (λ = config.wae.mmdWeight)
 *
 * The reconstruction is the likelihood's, in nats, as the VAE's and the
 * AAE's are, so the three families' numbers compare; `mmd` has no unit.
 * The penalty is on the batch's codes together, not on each q(z|x): that
 * is what lets a deterministic encoder match the prior. A batch of one
 * example has no U-statistic; its `mmd` is 0.
 *
 * The codes and the prior's samples come from separate streams derived from
 * the step's seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mmdSquared } from '../metrics/mmd.js';
import type { WassersteinAutoencoder } from '../models/wae.js';
import { deriveSeed } from '../util/random.js';
import type { ObjectiveValue } from './types.js';

/** Random streams of one step, by purpose. */
const STREAM = { encoder: 1, prior: 3 } as const;

export interface WaeOptions {
  readonly seed: number;
  readonly training?: boolean;
  /** Labels [batch] for a conditional decoder (config.labels.use 'conditional'). */
  readonly labels?: tf.Tensor1D;
}

/** The WAE-MMD objective on a batch x [n, dataDim], with its terms. */
export function waeLoss(model: WassersteinAutoencoder, x: tf.Tensor, { seed, training = false, labels }: WaeOptions): ObjectiveValue {
  const n = x.shape[0];
  const z = model.encode(x, { training, labels }).sample({ seed: deriveSeed(seed, STREAM.encoder) }) as tf.Tensor2D;
  const reconstruction = tf.neg(tf.mean(model.decode(z, { training, labels }).logProb(x))) as tf.Scalar;
  const mmd = n < 2 ? tf.scalar(0) : mmdSquared(z, model.prior.sample({ seed: deriveSeed(seed, STREAM.prior), n }) as tf.Tensor2D, model.kernel);
  const weight = model.config.wae.mmdWeight;
  return { total: tf.add(reconstruction, tf.mul(mmd, weight)) as tf.Scalar, terms: { reconstruction, mmd } };
}
