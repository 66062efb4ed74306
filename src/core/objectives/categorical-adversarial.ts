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

export function categoricalGenerator(model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions): ObjectiveValue {
  const { y, z } = model.prior.split(code(model, x, seed, training));
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(z, { training })))) as tf.Scalar;
  const categoryGenerator = tf.mean(tf.softplus(tf.neg(model.discriminateCategory(y, { training })))) as tf.Scalar;
  return { total: tf.add(generator, categoryGenerator) as tf.Scalar, terms: { generator, categoryGenerator } };
}

/**
 * Reconstruction and both generators in one objective (config.adversarial.generator 'joint'):
 * rec + λ_z·generator + λ_y·categoryGenerator.
 */
export function categoricalJoint(
  model: CategoricalAutoencoder, x: tf.Tensor, { seed, training = false }: CategoricalOptions, weights: { style: number; category: number },
): ObjectiveValue {
  const c = code(model, x, seed, training);
  const reconstruction = tf.neg(tf.mean(model.decode(c, { training }).logProb(x))) as tf.Scalar;
  const { y, z } = model.prior.split(c);
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(z, { training })))) as tf.Scalar;
  const categoryGenerator = tf.mean(tf.softplus(tf.neg(model.discriminateCategory(y, { training })))) as tf.Scalar;
  const total = tf.addN([reconstruction, tf.mul(generator, weights.style), tf.mul(categoryGenerator, weights.category)]) as tf.Scalar;
  return { total, terms: { reconstruction, generator, categoryGenerator } };
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
  const gen = categoricalGenerator(model, x, { seed: deriveSeed(seed, 11) });
  const error: Record<string, tf.Scalar> = model.kind === 'semi-supervised-aae' && labels ? { error: classificationError(model, x, labels) } : {};
  return { total: rec.total, terms: { ...rec.terms, ...disc.terms, ...gen.terms, ...error } };
}
