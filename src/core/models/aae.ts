/**
 * Adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow & Frey 2015).
 *
 *   encoder  E: x → z (deterministic), or q(z|x) = N(μ(x), σ²(x)) (Gaussian)
 *   decoder  p(x|z), as in the VAE
 *   discriminator D: z → logit of "z was drawn from the prior"
 *
 * Training alternates a reconstruction phase (encoder + decoder minimise
 * −log p(x|z)) with a regularisation phase: D learns to tell prior samples
 * from codes, then the encoder learns to fool D. Only samples of p(z) are
 * needed, so any prior that can be sampled works.
 *
 * Label-aware variants (config.labels.use): 'prior' — the label-guided AAE,
 * whose discriminator also sees the label so each class is matched to its
 * own mixture component; 'conditional' — the supervised AAE, whose decoder
 * sees the label, leaving z to carry the style.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config, ConfigOf } from '../config/schema.js';
import { DiagNormal } from '../distributions/normal.js';
import { PointMass } from '../distributions/point-mass.js';
import type { Distribution } from '../distributions/types.js';
import { applyMlp, buildMlp, trainableVariables } from '../nets/mlp.js';
import { applyNet, buildEncoderNet } from '../nets/build.js';
import { ConfigError } from '../config/resolve.js';
import { createPrior, isComponentPrior, type PriorResources } from '../priors/index.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs } from './likelihood.js';
import type { Autoencoder } from './types.js';
import { buildDecoder, buildGaussianEncoder, withLabels } from './vae.js';
import { appendColumns, guidanceColumns, labelInputs, requireLabels, type CodecOptions } from './conditioning.js';
import { checkDataShape, exampleSize, flatExamples } from './data-shape.js';

export interface AdversarialAutoencoder extends Autoencoder {
  readonly config: ConfigOf<'aae'>;
  /**
   * D(z): logits [batch] that z came from the prior. In label-guided
   * training D also sees [onehot(y), unlabelled] (see conditioning.ts), so
   * `labels` are required there.
   */
  discriminate(z: tf.Tensor, options?: CodecOptions): tf.Tensor;
  /** The variables each phase may change. */
  readonly groups: { readonly encoder: tf.Variable[]; readonly decoder: tf.Variable[]; readonly discriminator: tf.Variable[] };
}

/** What a code encoder gives: z = E(x) ('deterministic') or q(z|x) = N(μ(x), σ²(x)) ('gaussian'). */
export type CodeEncoderKind = 'deterministic' | 'gaussian';

/** The encoder net of a model whose q(z|x) may be a point: one head `code`, or the Gaussian encoder's `loc` and `logvar`. */
export function buildCodeEncoder(config: Config, dataShape: readonly number[], kind: CodeEncoderKind): tfl.LayersModel {
  return kind === 'gaussian'
    ? buildGaussianEncoder(config, dataShape)
    : buildEncoderNet(config.encoder, { name: 'encoder', dataShape, extraInputs: 0, heads: [{ name: 'code', size: config.latentDim }], seed: deriveSeed(config.seed, 1) });
}

/** q(z|x) from the encoder's heads: a point mass at the code, or the Gaussian of [loc, log σ²]. */
export function codeDistribution(heads: tf.Tensor[], kind: CodeEncoderKind): Distribution {
  return kind === 'gaussian' ? new DiagNormal(heads[0], heads[1]) : new PointMass(heads[0]);
}

/** Fresh encoder, decoder and discriminator nets for `config` and examples of `dataShape`. */
export function buildAaeNets(config: ConfigOf<'aae'>, dataShape: readonly number[]): Record<string, tfl.LayersModel> {
  const { latentDim, adversarial, seed } = config;
  const encoder = buildCodeEncoder(config, dataShape, adversarial.encoder);
  let decoder: tfl.LayersModel;
  try {
    decoder = buildDecoder(config, dataShape);
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  const discriminator = buildMlp({
    name: 'discriminator', inputSize: latentDim + labelInputs(config).discriminator, hidden: adversarial.discriminator.hidden, heads: [{ name: 'logit', size: 1 }],
    activation: adversarial.discriminator.activation, seed: deriveSeed(seed, 3), init: adversarial.discriminator.init,
  });
  return { encoder, decoder, discriminator };
}

export function createAae(config: ConfigOf<'aae'>, shape: readonly number[], nets: Record<string, tfl.LayersModel>, resources: PriorResources = {}): AdversarialAutoencoder {
  const { encoder, decoder, discriminator } = nets;
  const dataShape = checkDataShape(shape);
  const prior = createPrior(config.prior, config.latentDim, resources);
  const inputs = labelInputs(config);
  if (config.labels.use === 'prior' && (!isComponentPrior(prior) || prior.components !== config.labels.classes)) {
    throw new ConfigError('labels', [
      `label-guided training gives each of the ${config.labels.classes} classes its own part of the prior: use a gaussian-mixture or swiss-roll prior with ${config.labels.classes} components (the prior is ${prior.kind}${isComponentPrior(prior) ? ` with ${prior.components}` : ''})`,
    ]);
  }
  const groups = {
    encoder: trainableVariables(encoder), decoder: trainableVariables(decoder), discriminator: trainableVariables(discriminator),
  };
  return {
    kind: 'aae',
    config,
    dataShape,
    dataDim: exampleSize(dataShape),
    latentDim: config.latentDim,
    prior,
    nets: { encoder, decoder, discriminator },
    groups,
    encode: (x, { training = false } = {}) => codeDistribution(applyNet(encoder, flatExamples(x, dataShape), training), config.adversarial.encoder),
    decode: (z, { training = false, labels } = {}) =>
      likelihoodFromOutputs(config.likelihood, applyNet(decoder, withLabels(z, labels, inputs.decoder, 'decoder'), training), dataShape),
    discriminate: (z, { training = false, labels } = {}) => {
      const input = inputs.discriminator === 0 ? z : appendColumns(z, guidanceColumns(requireLabels(labels, 'discriminator'), config.labels.classes));
      const [logit] = applyMlp(discriminator, input, training);
      return tf.reshape(logit, logit.shape.slice(0, -1));
    },
    variables: () => [...groups.encoder, ...groups.decoder, ...groups.discriminator],
    dispose() {
      encoder.dispose();
      decoder.dispose();
      discriminator.dispose();
    },
  };
}
