/**
 * The adversarial autoencoder's three objectives (Makhzani et al. 2015), in
 * nats per example (binary cross-entropies with logits for D):
 *
 *   reconstruction = E[−log p(x | z)],                  z = E(x)
 *   discriminator  = E_p(z)[softplus(−D(z))] + E_x[softplus(D(E(x)))]
 *   generator      = E_x[softplus(−D(E(x)))]              (the encoder fools D)
 *
 * Label-guided training (config.labels.use 'prior'): D(z | y) also sees the
 * label, and the "real" sample paired with a labelled example of class k is
 * drawn from the prior's component k (an unlabelled one from the whole
 * prior), so codes of class k are pushed to component k.
 *
 * While training, the encoder's input may carry Gaussian noise
 * (config.adversarial.inputNoise), as in the paper's appendix.
 *
 * Each random draw has its own stream derived from the step's seed (the
 * prior's samples, the encoder's noise, the input noise), so no two can
 * coincide.
 *
 * Which variables each may change is the trainer's business (phases).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import type { AdversarialAutoencoder } from '../models/aae.js';
import type { AdversarialConfig } from '../config/schema.js';
import type { Autoencoder } from '../models/types.js';
import { requireLabels } from '../models/conditioning.js';
import type { ComponentPrior } from '../priors/index.js';
import type { ObjectiveValue } from './types.js';
import { deriveSeed } from '../util/random.js';

/** Random streams of one step, by purpose. */
const STREAM = { encoder: 1, inputNoise: 2, prior: 3, priorComponent: 4, labelled: 5 } as const;
export const stream = (seed: number, purpose: keyof typeof STREAM) => deriveSeed(seed, STREAM[purpose]);

/** The encoder's input: x, plus N(0, σ²) noise while training when config.adversarial.inputNoise = σ > 0. */
export function encoderInput(model: Autoencoder & { readonly config: AdversarialConfig }, x: tf.Tensor, seed: number, training: boolean): tf.Tensor {
  const sigma = model.config.adversarial.inputNoise;
  return training && sigma > 0 ? tf.add(x, randomNormal(x.shape, 0, sigma, stream(seed, 'inputNoise'))) : x;
}

/** q(z|x) while training (input noise added when configured) or at evaluation. */
function encodeForPhase(model: AdversarialAutoencoder, x: tf.Tensor, seed: number, training: boolean, labels?: tf.Tensor1D) {
  return model.encode(encoderInput(model, x, seed, training), { training, labels });
}

export interface AdversarialOptions {
  readonly seed: number;
  readonly training?: boolean;
  /** Labels [batch] (−1 = unlabelled) for the label-aware variants. */
  readonly labels?: tf.Tensor1D;
}

export function reconstructionLoss(model: AdversarialAutoencoder, x: tf.Tensor, { seed, training = false, labels }: AdversarialOptions): ObjectiveValue {
  const z = encodeForPhase(model, x, seed, training, labels).sample({ seed: stream(seed, 'encoder') });
  const reconstruction = tf.neg(tf.mean(model.decode(z, { training, labels }).logProb(x))) as tf.Scalar;
  return { total: reconstruction, terms: { reconstruction } };
}

/** Prior samples to pair with a batch of n examples: per label's component when label-guided. */
function priorSamples(model: AdversarialAutoencoder, n: number, seed: number, labels: tf.Tensor1D | undefined): tf.Tensor {
  if (model.config.labels.use !== 'prior') return model.prior.sample({ seed: stream(seed, 'prior'), n });
  const prior = model.prior as ComponentPrior;
  const given = tf.cast(requireLabels(labels, 'discriminator'), 'int32');
  const anyComponent = tf.cast(tf.minimum(tf.floor(tf.randomUniform([n], 0, prior.components, 'float32', stream(seed, 'priorComponent'))), prior.components - 1), 'int32');
  return prior.sampleComponents(tf.where(tf.less(given, 0), anyComponent, given) as tf.Tensor1D, stream(seed, 'prior'));
}

export function discriminatorLoss(model: AdversarialAutoencoder, x: tf.Tensor, { seed, training = false, labels }: AdversarialOptions): ObjectiveValue {
  const real = priorSamples(model, x.shape[0], seed, labels);
  const fake = encodeForPhase(model, x, seed, training, labels).sample({ seed: stream(seed, 'encoder') });
  const discriminator = tf.add(
    tf.mean(tf.softplus(tf.neg(model.discriminate(real, { training, labels })))),
    tf.mean(tf.softplus(model.discriminate(fake, { training, labels }))),
  ) as tf.Scalar;
  return { total: discriminator, terms: { discriminator } };
}

export function generatorLoss(model: AdversarialAutoencoder, x: tf.Tensor, { seed, training = false, labels }: AdversarialOptions): ObjectiveValue {
  const z = encodeForPhase(model, x, seed, training, labels).sample({ seed: stream(seed, 'encoder') });
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(z, { training, labels })))) as tf.Scalar;
  return { total: generator, terms: { generator } };
}

/**
 * Reconstruction and generator in one objective (config.adversarial.generator
 * 'joint'), on one code per example:
 *   total = E[−log p(x|z)] + λ · E[softplus(−D(z))],   z = E(x)
 */
export function jointLoss(model: AdversarialAutoencoder, x: tf.Tensor, { seed, training = false, labels }: AdversarialOptions, weight: number): ObjectiveValue {
  const z = encodeForPhase(model, x, seed, training, labels).sample({ seed: stream(seed, 'encoder') });
  const reconstruction = tf.neg(tf.mean(model.decode(z, { training, labels }).logProb(x))) as tf.Scalar;
  const generator = tf.mean(tf.softplus(tf.neg(model.discriminate(z, { training, labels })))) as tf.Scalar;
  return { total: tf.add(reconstruction, tf.mul(generator, weight)) as tf.Scalar, terms: { reconstruction, generator } };
}

/** Held-out evaluation: the three terms together. */
export function adversarialTerms(model: AdversarialAutoencoder, x: tf.Tensor, seed: number, labels?: tf.Tensor1D): ObjectiveValue {
  const rec = reconstructionLoss(model, x, { seed, labels });
  const disc = discriminatorLoss(model, x, { seed: deriveSeed(seed, 10), labels });
  const gen = generatorLoss(model, x, { seed: deriveSeed(seed, 11), labels });
  return { total: rec.total, terms: { ...rec.terms, ...disc.terms, ...gen.terms } };
}
