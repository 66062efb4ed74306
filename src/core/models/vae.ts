/**
 * Variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014).
 *
 *   q(z|x) = N(μ(x), diag σ²(x))   encoder net (MLP or conv): x → hidden → two linear heads, μ and log σ²
 *   p(x|z) = decoder net: z → likelihood parameters (see likelihood.ts)
 *   p(z)   = the configured prior
 *
 * A model is composition (nets + prior + likelihood), not inheritance. With
 * config.labels.use 'conditional' it is a conditional VAE (Sohn et al. 2015):
 * q(z|x, y) and p(x|z, y), the label y given to both nets as a one-hot vector.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { DiagNormal } from '../distributions/normal.js';
import { trainableVariables } from '../nets/mlp.js';
import { applyNet, buildDecoderNet, buildEncoderNet } from '../nets/build.js';
import { buildPseudoInputs, createPrior, PSEUDO_INPUTS_NET, type PriorResources } from '../priors/index.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs, likelihoodHeads } from './likelihood.js';
import type { Autoencoder } from './types.js';
import { appendColumns, labelInputs, oneHot, requireLabels } from './conditioning.js';
import { checkDataShape, exampleSize, flatExamples } from './data-shape.js';

export interface VaeNets {
  readonly encoder: tfl.LayersModel;
  readonly decoder: tfl.LayersModel;
  /** The VampPrior's pseudo-inputs (prior.kind 'vamp' only). */
  readonly pseudoInputs?: tfl.LayersModel;
}

/** The decoder net z → likelihood parameters, for examples of `dataShape` (shared by every model family). */
export function buildDecoder(config: Config, dataShape: readonly number[], inputSize = config.latentDim + labelInputs(config).decoder): tfl.LayersModel {
  return buildDecoderNet(config.decoder, {
    name: 'decoder', inputSize, dataShape, heads: likelihoodHeads(config.likelihood, exampleSize(dataShape)), seed: deriveSeed(config.seed, 2),
  });
}

/** A Gaussian encoder net x → [μ, log σ²] (two heads); x is followed by the one-hot label in a conditional VAE. */
export function buildGaussianEncoder(config: Config, dataShape: readonly number[]): tfl.LayersModel {
  const { latentDim } = config;
  return buildEncoderNet(config.encoder, {
    name: 'encoder', dataShape, extraInputs: labelInputs(config).encoder,
    heads: [{ name: 'loc', size: latentDim }, { name: 'logvar', size: latentDim }], seed: deriveSeed(config.seed, 1),
  });
}

/** `input` followed by the one-hot labels when the net takes `classes` label inputs (else `input` itself). */
export function withLabels(input: tf.Tensor, labels: tf.Tensor1D | undefined, classes: number, net: string): tf.Tensor {
  return classes === 0 ? input : appendColumns(input, oneHot(requireLabels(labels, net), classes));
}

/** Builds fresh encoder and decoder nets for `config` and examples of `dataShape`, initialised from its seed. */
export function buildVaeNets(config: Config, dataShape: readonly number[]): VaeNets {
  const encoder = buildGaussianEncoder(config, dataShape);
  try {
    const decoder = buildDecoder(config, dataShape);
    if (config.prior.kind !== 'vamp') return { encoder, decoder };
    return { encoder, decoder, pseudoInputs: buildPseudoInputs(config.prior.components, exampleSize(dataShape), deriveSeed(config.seed, 3)) };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}

/** A VAE over examples of `dataShape` (e.g. [28, 28]); pass `nets` to wrap loaded networks. */
export function createVae(config: Config, shape: readonly number[], nets: VaeNets = buildVaeNets(config, shape), resources: PriorResources = {}): Autoencoder {
  const { encoder, decoder, pseudoInputs } = nets;
  const dataShape = checkDataShape(shape);
  const inputs = labelInputs(config);
  if (config.prior.kind === 'vamp' && !pseudoInputs) throw new ConfigError('prior', ['vamp: the model has no pseudo-inputs net']);
  const gaussian = (x: tf.Tensor, training: boolean, labels?: tf.Tensor1D) => {
    const [loc, logVar] = applyNet(encoder, withLabels(flatExamples(x, dataShape), labels, inputs.encoder, 'encoder'), training);
    return { loc, logVar };
  };
  const prior = createPrior(config.prior, config.latentDim, pseudoInputs
    ? { ...resources, vamp: { pseudoInputs, encode: (u) => gaussian(u, false) as { loc: tf.Tensor2D; logVar: tf.Tensor2D } } }
    : resources);
  if (!prior.hasDensity || !prior.fullSupport) {
    throw new ConfigError('prior', [
      `a VAE needs a prior with a density that is positive everywhere (its KL term is E_q[log q − log p]); ${prior.kind} ${prior.hasDensity ? 'is zero outside its support' : 'has no density'}: train it with an adversarial autoencoder instead`,
    ]);
  }
  return {
    kind: 'vae',
    config,
    dataShape,
    dataDim: exampleSize(dataShape),
    latentDim: config.latentDim,
    prior,
    nets: pseudoInputs ? { encoder, decoder, [PSEUDO_INPUTS_NET]: pseudoInputs } : { encoder, decoder },
    encode(x, { training = false, labels } = {}) {
      const { loc, logVar } = gaussian(x, training, labels);
      return new DiagNormal(loc, logVar);
    },
    decode(z, { training = false, labels } = {}) {
      return likelihoodFromOutputs(config.likelihood, applyNet(decoder, withLabels(z, labels, inputs.decoder, 'decoder'), training), dataShape);
    },
    variables: () => [...trainableVariables(encoder), ...trainableVariables(decoder), ...(pseudoInputs ? trainableVariables(pseudoInputs) : [])],
    dispose() {
      encoder.dispose();
      decoder.dispose();
      pseudoInputs?.dispose();
    },
  };
}
