/**
 * The adversarial autoencoders with a categorical code (Makhzani et al.
 * 2015): semi-supervised (§5) and unsupervised clustering (§6).
 *
 *   encoder    x → q(y|x) = softmax(logits), K classes/clusters, and a style z (deterministic)
 *   decoder    p(x | y, z) on the code [softmax(logits), z]
 *   discriminators  D_y on y (one-hot samples of Cat(1/K) are "real"),
 *                   D_z on z (samples of the style prior are "real")
 *
 * The code the rest of LatentLab sees is the concatenation [y, z] of
 * K + latentDim values, and the prior is CategoricalStylePrior over it, so
 * figures, sampling, export and the page work on it as on any code.
 *
 * Phases per batch: reconstruction (encoder + decoder), the discriminators
 * (both, each on its own variables), the generator (the encoder fools both),
 * and for the semi-supervised model a classification phase: the
 * cross-entropy of q(y|x) on a batch of the labelled examples.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CategoricalConfig } from '../config/schema.js';
import { Categorical } from '../distributions/categorical.js';
import { PointMass } from '../distributions/point-mass.js';
import { applyMlp, buildMlp, trainableVariables } from '../nets/mlp.js';
import { applyNet, buildEncoderNet } from '../nets/build.js';
import { createPrior, type PriorResources } from '../priors/index.js';
import { CategoricalStylePrior } from '../priors/categorical-style.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs } from './likelihood.js';
import type { Autoencoder } from './types.js';
import { checkDataShape, exampleSize, flatExamples } from './data-shape.js';
import { buildDecoder } from './vae.js';

export const CATEGORICAL_NETS = ['encoder', 'decoder', 'discriminator', 'categoryDiscriminator'] as const;

export interface CategoricalAutoencoder extends Autoencoder {
  readonly config: CategoricalConfig;
  readonly prior: CategoricalStylePrior;
  /** K, the number of classes (clusters). */
  readonly classes: number;
  /** q(y|x) for x [batch, dataDim] (or [batch, ...dataShape]). */
  classify(x: tf.Tensor, options?: { training?: boolean }): Categorical;
  /** D_z(z): logits [batch] that the style z came from the style prior. */
  discriminate(z: tf.Tensor, options?: { training?: boolean }): tf.Tensor;
  /** D_y(y): logits [batch] that y is a one-hot sample of the categorical prior. */
  discriminateCategory(y: tf.Tensor, options?: { training?: boolean }): tf.Tensor;
  /** The variables each phase may change. */
  readonly groups: Readonly<Record<(typeof CATEGORICAL_NETS)[number], tf.Variable[]>>;
}

/** Fresh nets for `config` and examples of `dataShape`, each seeded from the run's seed. */
export function buildCategoricalNets(config: CategoricalConfig, dataShape: readonly number[]): Record<string, tfl.LayersModel> {
  const { latentDim, adversarial, seed, categorical } = config;
  const k = categorical.classes;
  const discriminator = (name: string, inputSize: number, stream: number) => buildMlp({
    name, inputSize, hidden: adversarial.discriminator.hidden, heads: [{ name: 'logit', size: 1 }],
    activation: adversarial.discriminator.activation, seed: deriveSeed(seed, stream), init: adversarial.discriminator.init,
  });
  const encoder = buildEncoderNet(config.encoder, {
    name: 'encoder', dataShape, extraInputs: 0, heads: [{ name: 'logits', size: k }, { name: 'code', size: latentDim }], seed: deriveSeed(seed, 1),
  });
  let decoder: tfl.LayersModel;
  try {
    decoder = buildDecoder(config, dataShape, k + latentDim);
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  return {
    encoder,
    decoder,
    discriminator: discriminator('discriminator', latentDim, 3),
    categoryDiscriminator: discriminator('categoryDiscriminator', k, 4),
  };
}

export function createCategoricalAae(config: CategoricalConfig, shape: readonly number[], nets: Record<string, tfl.LayersModel>, resources: PriorResources = {}): CategoricalAutoencoder {
  const { encoder, decoder, discriminator, categoryDiscriminator } = nets;
  const dataShape = checkDataShape(shape);
  const k = config.categorical.classes;
  const prior = new CategoricalStylePrior(k, createPrior(config.prior, config.latentDim, resources));
  const groups = {
    encoder: trainableVariables(encoder), decoder: trainableVariables(decoder),
    discriminator: trainableVariables(discriminator), categoryDiscriminator: trainableVariables(categoryDiscriminator),
  };
  const logit = (net: tfl.LayersModel, input: tf.Tensor, training: boolean) => {
    const [out] = applyMlp(net, input, training);
    return tf.reshape(out, out.shape.slice(0, -1));
  };
  return {
    kind: config.model,
    config,
    dataShape,
    dataDim: exampleSize(dataShape),
    latentDim: k + config.latentDim,
    classes: k,
    prior,
    nets: { encoder, decoder, discriminator, categoryDiscriminator },
    groups,
    encode(x, { training = false } = {}) {
      const [logits, z] = applyNet(encoder, flatExamples(x, dataShape), training);
      return new PointMass(tf.concat([tf.softmax(logits), z], -1));
    },
    classify(x, { training = false } = {}) {
      return new Categorical(applyNet(encoder, flatExamples(x, dataShape), training)[0]);
    },
    decode: (code, { training = false } = {}) => likelihoodFromOutputs(config.likelihood, applyNet(decoder, code, training), dataShape),
    discriminate: (z, { training = false } = {}) => logit(discriminator, z, training),
    discriminateCategory: (y, { training = false } = {}) => logit(categoryDiscriminator, y, training),
    variables: () => CATEGORICAL_NETS.flatMap((n) => groups[n]),
    dispose() {
      for (const net of Object.values(nets)) net.dispose();
    },
  };
}

/** True for the semi-supervised and clustering AAEs (a categorical code beside the style). */
export function isCategoricalModel(model: Autoencoder): model is CategoricalAutoencoder {
  return typeof (model as Partial<CategoricalAutoencoder>).classify === 'function' && model.prior instanceof CategoricalStylePrior;
}

/** Codes [styles · K, K + d]: row r·K + k is style r (drawn from the style prior) with class k. */
export function classStyleCodes(model: CategoricalAutoencoder, styles: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const k = model.classes;
    const z = model.prior.style.sample({ seed, n: styles });
    const zRepeated = tf.reshape(tf.tile(z, [1, k]), [styles * k, model.prior.style.eventSize]);
    const y = tf.tile(tf.eye(k), [styles, 1]);
    return tf.concat([y, zRepeated], 1) as tf.Tensor2D;
  });
}
