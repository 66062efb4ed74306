/**
 * Wasserstein autoencoder, WAE-MMD (Tolstikhin, Bousquet, Gelly & Schölkopf 2018).
 *
 *   encoder  E: x → z (deterministic), or q(z|x) = N(μ(x), σ²(x)) (Gaussian)
 *   decoder  p(x|z), as in the VAE and the AAE
 *   kernel   the IMQ kernel of metrics/mmd.ts, C_s = 2·d·σ²_p·s
 *
 * The AAE's sibling: its aggregated posterior q(z) = E_x q(z|x) is pulled to
 * the prior by an MMD penalty on each batch of codes (objectives/wae.ts)
 * instead of a discriminator, so there is no third net and one phase. Only
 * samples of p(z) are needed, so any prior that can be sampled works. With
 * config.labels.use 'conditional' the decoder also sees the one-hot label.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ConfigOf } from '../config/schema.js';
import { imqKernel, type ImqKernel } from '../metrics/mmd.js';
import { trainableVariables } from '../nets/mlp.js';
import { applyNet } from '../nets/build.js';
import { createPrior, type Prior, type PriorResources } from '../priors/index.js';
import { buildCodeEncoder, codeDistribution } from './aae.js';
import { labelInputs } from './conditioning.js';
import { checkDataShape, exampleSize, flatExamples } from './data-shape.js';
import { likelihoodFromOutputs } from './likelihood.js';
import type { Autoencoder } from './types.js';
import { buildDecoder, withLabels } from './vae.js';

export interface WassersteinAutoencoder extends Autoencoder {
  readonly config: ConfigOf<'wae'>;
  /** The kernel of the MMD penalty (its base C = 2·d·σ²_p and scales). */
  readonly kernel: ImqKernel;
}

/** Prior samples the default σ²_p is measured on, and their fixed seed (the kernel depends on the prior alone). */
const VARIANCE_SAMPLES = 10_000;
const VARIANCE_SEED = 7919;

/** The mean variance of the prior's coordinates, from VARIANCE_SAMPLES of its samples. */
export function priorVariance(prior: Prior): number {
  return tf.tidy(() => {
    const { variance } = tf.moments(prior.sample({ seed: VARIANCE_SEED, n: VARIANCE_SAMPLES }), 0);
    return tf.mean(variance).dataSync()[0];
  });
}

/** Fresh encoder and decoder nets for `config` and examples of `dataShape`. */
export function buildWaeNets(config: ConfigOf<'wae'>, dataShape: readonly number[]): Record<string, tfl.LayersModel> {
  const encoder = buildCodeEncoder(config, dataShape, config.wae.encoder);
  try {
    return { encoder, decoder: buildDecoder(config, dataShape) };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}

/** A WAE over examples of `shape`, around `nets` (fresh from buildWaeNets, or loaded). */
export function createWae(config: ConfigOf<'wae'>, shape: readonly number[], nets: Record<string, tfl.LayersModel>, resources: PriorResources = {}): WassersteinAutoencoder {
  const { encoder, decoder } = nets;
  const dataShape = checkDataShape(shape);
  const prior = createPrior(config.prior, config.latentDim, resources);
  const kernel = imqKernel(config.latentDim, config.wae.priorVariance ?? priorVariance(prior), config.wae.scales);
  const decoderLabels = labelInputs(config).decoder;
  return {
    kind: 'wae',
    config,
    dataShape,
    dataDim: exampleSize(dataShape),
    latentDim: config.latentDim,
    prior,
    kernel,
    nets: { encoder, decoder },
    encode: (x, { training = false } = {}) => codeDistribution(applyNet(encoder, flatExamples(x, dataShape), training), config.wae.encoder),
    decode: (z, { training = false, labels } = {}) =>
      likelihoodFromOutputs(config.likelihood, applyNet(decoder, withLabels(z, labels, decoderLabels, 'decoder'), training), dataShape),
    variables: () => [...trainableVariables(encoder), ...trainableVariables(decoder)],
    dispose() {
      encoder.dispose();
      decoder.dispose();
    },
  };
}
