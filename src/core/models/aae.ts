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
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../config/schema.js';
import { DiagNormal } from '../distributions/normal.js';
import { PointMass } from '../distributions/point-mass.js';
import { applyMlp, buildMlp, trainableVariables } from '../nets/mlp.js';
import { createPrior, type PriorResources } from '../priors/index.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs } from './likelihood.js';
import type { Autoencoder } from './types.js';
import { buildDecoder, buildGaussianEncoder } from './vae.js';

export interface AdversarialAutoencoder extends Autoencoder {
  /** D(z): logits [batch] that z came from the prior. */
  discriminate(z: tf.Tensor, training?: boolean): tf.Tensor;
  /** The variables each phase may change. */
  readonly groups: { readonly encoder: tf.Variable[]; readonly decoder: tf.Variable[]; readonly discriminator: tf.Variable[] };
}

/** Fresh encoder, decoder and discriminator nets for `config`. */
export function buildAaeNets(config: Config, dataDim: number): Record<string, tfl.LayersModel> {
  const { latentDim, encoder, adversarial, seed } = config;
  const enc = adversarial.encoder === 'gaussian'
    ? buildGaussianEncoder(config, dataDim)
    : buildMlp({
      name: 'encoder', inputSize: dataDim, hidden: encoder.hidden, heads: [{ name: 'code', size: latentDim }],
      activation: encoder.activation, seed: deriveSeed(seed, 1),
    });
  const discriminator = buildMlp({
    name: 'discriminator', inputSize: latentDim, hidden: adversarial.discriminator.hidden, heads: [{ name: 'logit', size: 1 }],
    activation: adversarial.discriminator.activation, seed: deriveSeed(seed, 3),
  });
  return { encoder: enc, decoder: buildDecoder(config, dataDim), discriminator };
}

export function createAae(config: Config, dataDim: number, nets: Record<string, tfl.LayersModel>, resources: PriorResources = {}): AdversarialAutoencoder {
  const { encoder, decoder, discriminator } = nets;
  const prior = createPrior(config.prior, config.latentDim, resources);
  const gaussian = config.adversarial.encoder === 'gaussian';
  const groups = {
    encoder: trainableVariables(encoder), decoder: trainableVariables(decoder), discriminator: trainableVariables(discriminator),
  };
  return {
    kind: 'aae',
    config,
    dataDim,
    latentDim: config.latentDim,
    prior,
    nets: { encoder, decoder, discriminator },
    groups,
    encode(x, training = false) {
      const heads = applyMlp(encoder, x, training);
      return gaussian ? new DiagNormal(heads[0], heads[1]) : new PointMass(heads[0]);
    },
    decode: (z, training = false) => likelihoodFromOutputs(config.likelihood, applyMlp(decoder, z, training)),
    discriminate: (z, training = false) => {
      const [logit] = applyMlp(discriminator, z, training);
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
