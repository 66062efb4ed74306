/**
 * Objectives of the AAEs with a categorical code (models/categorical-aae.ts),
 * per example, in nats (binary cross-entropies with logits for the
 * discriminators; the code is c = [y, z] = [softmax(logits(x)), z(x)]):
 *
 *   reconstruction          E[−log p(x | c)]
 *   discriminator           E_p(z)[softplus(−D_z(z))] + E_x[softplus(D_z(z(x)))]
 *   categoryDiscriminator   E_Cat[softplus(−D_y(y))]  + E_x[softplus(D_y(y(x)))]
 *   generator               E_x[softplus(−D_z(z(x)))]
 *   categoryGenerator       E_x[softplus(−D_y(y(x)))]
 *   balance                 KL(ȳ ‖ Cat(1/K)) of the batch's mean code ȳ = mean_x y(x)
 *   classification          E_labelled[−log q(y = label | x)]          (semi-supervised)
 *   error                   share of test examples whose most probable class is not their label
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CategoricalAutoencoder } from '../models/categorical-aae.js';
import { encoderInput, stream } from './adversarial.js';
import type { ObjectiveValue } from './types.js';
import { deriveSeed } from '../util/random.js';

export interface CategoricalOptions {
  readonly seed: number;
  readonly training?: boolean;
}

/** The code [y, z] of x as the phases see it (input noise while training). */
function code(model: CategoricalAutoencoder, x: tf.Tensor, seed: number, training: boolean): tf.Tensor {
  return model.encode(encoderInput(model, x, seed, training), { training }).mean();
}

export function categoricalReconstruction(model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions): ObjectiveValue {
  const reconstruction = tf.neg(tf.mean(model.decode(code(model, x, seed, training), { training }).logProb(x))) as tf.Scalar;
  return { total: reconstruction, terms: { reconstruction } };
}

export function categoricalDiscriminators(model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions): ObjectiveValue {
  const real = model.prior.split(model.prior.sample({ seed: stream(seed, 'prior'), n: x.shape[0] }));
  const fake = model.prior.split(code(model, x, seed, training));
  const bce = (realLogits: tf.Tensor, fakeLogits: tf.Tensor) => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
  const discriminator = bce(model.discriminate(real.z, { training }), model.discriminate(fake.z, { training }));
  const categoryDiscriminator = bce(model.discriminateCategory(real.y, { training }), model.discriminateCategory(fake.y, { training }));
  return { total: tf.add(discriminator, categoryDiscriminator) as tf.Scalar, terms: { discriminator, categoryDiscriminator } };
}

/**
 * The generator phase (config.adversarial.generator 'separate'): the encoder fools both discriminators,
 * generator + categoryGenerator (+ λ_b·balance when `balance` > 0).
 */
export function categoricalGenerator(
  model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions, balance = 0,
): ObjectiveValue {
  return encoderRegularisers(model, code(model, x, seed, training), training, { style: 1, category: 1, balance });
}

/**
 * KL(ȳ ‖ Cat(1/K)) = Σ_k ȳ_k log(K ȳ_k) of the batch's mean category ȳ
 * ([batch, K] → scalar, in nats): 0 when the batch spreads evenly over the
 * K categories, log K when it all falls in one. The categorical prior's
 * marginal is uniform, so the aggregated q(y) must be too; D_y sees one code
 * at a time and, once the softmax has saturated on a few categories, its
 * gradient through the softmax vanishes, so it cannot pull codes into the
 * unused ones. This term matches that marginal directly.
 */
export function balanceLoss(y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const k = y.shape[y.shape.length - 1]!;
    const mean = tf.mean(y, 0);
    return tf.sum(tf.mul(mean, tf.log(tf.mul(tf.maximum(mean, 1e-12), k)))) as tf.Scalar;
  });
}

/** The weights of the encoder's adversarial terms (categorical.styleWeight, categoryWeight, balanceWeight). */
export interface GeneratorWeights {
  readonly style: number;
  readonly category: number;
  readonly balance: number;
}

/** λ_z·generator + λ_y·categoryGenerator + λ_b·balance of the code c = [y, z], with the terms. */
function encoderRegularisers(model: CategoricalAutoencoder, c: tf.Tensor, training: boolean, weights: GeneratorWeights) {
  const { y, z } = model.prior.split(c);
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(z, { training })))) as tf.Scalar;
  const categoryGenerator = tf.mean(tf.softplus(tf.neg(model.discriminateCategory(y, { training })))) as tf.Scalar;
  const parts = [tf.mul(generator, weights.style), tf.mul(categoryGenerator, weights.category)];
  const terms: Record<string, tf.Scalar> = { generator, categoryGenerator };
  if (weights.balance > 0) {
    terms.balance = balanceLoss(y);
    parts.push(tf.mul(terms.balance, weights.balance));
  }
  return { total: tf.addN(parts) as tf.Scalar, terms };
}

/**
 * Reconstruction and the encoder's regularisers in one objective (config.adversarial.generator 'joint'):
 * rec + λ_z·generator + λ_y·categoryGenerator + λ_b·balance.
 */
export function categoricalJoint(
  model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions, weights: GeneratorWeights,
): ObjectiveValue {
  const c = code(model, x, seed, training);
  const reconstruction = tf.neg(tf.mean(model.decode(c, { training }).logProb(x))) as tf.Scalar;
  const reg = encoderRegularisers(model, c, training, weights);
  return { total: tf.add(reconstruction, reg.total) as tf.Scalar, terms: { reconstruction, ...reg.terms } };
}

/** Cross-entropy of q(y|x) against `labels` [batch] (int32). */
export function classificationLoss(model: CategoricalAutoencoder, x: tf.Tensor, labels: tf.Tensor1D, { seed, training = false }: CategoricalOptions): ObjectiveValue {
  const q = model.classify(encoderInput(model, x, seed, training), { training });
  const classification = tf.neg(tf.mean(q.logProb(tf.cast(tf.oneHot(tf.cast(labels, 'int32'), model.classes), 'float32')))) as tf.Scalar;
  return { total: classification, terms: { classification } };
}

/** Share of examples whose most probable class differs from `labels` (a scalar in [0, 1]). */
export function classificationError(model: CategoricalAutoencoder, x: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.cast(tf.notEqual(tf.cast(model.classify(x).mode(), 'int32'), tf.cast(labels, 'int32')), 'float32')) as tf.Scalar;
}

/** Held-out terms: every adversarial term, and the classification error of a semi-supervised model on labelled data. */
export function categoricalTerms(model: CategoricalAutoencoder, x: tf.Tensor, seed: number, labels?: tf.Tensor1D): ObjectiveValue {
  const rec = categoricalReconstruction(model, x, { seed });
  const disc = categoricalDiscriminators(model, x, { seed: deriveSeed(seed, 10) });
  const gen = categoricalGenerator(model, x, { seed: deriveSeed(seed, 11) }, 1);
  const error: Record<string, tf.Scalar> = model.kind === 'semi-supervised-aae' && labels ? { error: classificationError(model, x, labels) } : {};
  return { total: rec.total, terms: { ...rec.terms, ...disc.terms, ...gen.terms, ...error } };
}
