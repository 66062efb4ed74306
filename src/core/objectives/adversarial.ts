/**
 * The adversarial autoencoder's three objectives (Makhzani et al. 2015), in
 * nats per example (binary cross-entropies with logits for D):
 *
 *   reconstruction = E[−log p(x | z)],                  z = E(x)
 *   discriminator  = E_p(z)[softplus(−D(z))] + E_x[softplus(D(E(x)))]
 *   generator      = E_x[softplus(−D(E(x)))]              (the encoder fools D)
 *
 * Which variables each may change is the trainer's business (phases).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdversarialAutoencoder } from '../models/aae.js';
import type { ObjectiveValue } from './types.js';

export function reconstructionLoss(model: AdversarialAutoencoder, x: tf.Tensor, seed: number, training = false): ObjectiveValue {
  const z = model.encode(x, training).sample({ seed });
  const reconstruction = tf.neg(tf.mean(model.decode(z, training).logProb(x))) as tf.Scalar;
  return { total: reconstruction, terms: { reconstruction } };
}

export function discriminatorLoss(model: AdversarialAutoencoder, x: tf.Tensor, seed: number, training = false): ObjectiveValue {
  const real = model.prior.sample({ seed, n: x.shape[0] });
  const fake = model.encode(x, training).sample({ seed: seed + 1 });
  const discriminator = tf.add(
    tf.mean(tf.softplus(tf.neg(model.discriminate(real, training)))),
    tf.mean(tf.softplus(model.discriminate(fake, training))),
  ) as tf.Scalar;
  return { total: discriminator, terms: { discriminator } };
}

export function generatorLoss(model: AdversarialAutoencoder, x: tf.Tensor, seed: number, training = false): ObjectiveValue {
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(model.encode(x, training).sample({ seed }), training)))) as tf.Scalar;
  return { total: generator, terms: { generator } };
}

/** Held-out evaluation: the three terms together. */
export function adversarialTerms(model: AdversarialAutoencoder, x: tf.Tensor, seed: number): ObjectiveValue {
  const rec = reconstructionLoss(model, x, seed);
  const disc = discriminatorLoss(model, x, seed + 2);
  const gen = generatorLoss(model, x, seed + 4);
  return { total: rec.total, terms: { ...rec.terms, ...disc.terms, ...gen.terms } };
}
