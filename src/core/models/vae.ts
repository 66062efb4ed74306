/**
 * Variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014).
 *
 *   q(z|x) = N(μ(x), diag σ²(x))   encoder MLP: x → hidden → two linear heads, μ and log σ²
 *   p(x|z) = decoder MLP: z → likelihood parameters (see likelihood.ts)
 *   p(z)   = the configured prior
 *
 * A model is composition (nets + prior + likelihood), not inheritance.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { DiagNormal } from '../distributions/normal.js';
import { buildMlp, trainableVariables } from '../nets/mlp.js';
import { createPrior } from '../priors/index.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs, likelihoodHeads } from './likelihood.js';
import type { Autoencoder } from './types.js';

export interface VaeNets {
  readonly encoder: tfl.LayersModel;
  readonly decoder: tfl.LayersModel;
}

/** Builds fresh encoder and decoder nets for `config`, initialised from its seed. */
export function buildVaeNets(config: Config, dataDim: number): VaeNets {
  const { latentDim, encoder, decoder, seed } = config;
  return {
    encoder: buildMlp({
      name: 'encoder', inputSize: dataDim, hidden: encoder.hidden,
      heads: [{ name: 'loc', size: latentDim }, { name: 'logvar', size: latentDim }],
      activation: encoder.activation, seed: deriveSeed(seed, 1),
    }),
    decoder: buildMlp({
      name: 'decoder', inputSize: latentDim, hidden: decoder.hidden,
      heads: likelihoodHeads(config.likelihood, dataDim), activation: decoder.activation, seed: deriveSeed(seed, 2),
    }),
  };
}

/** Applies a net to a tensor of any rank ≥ 2 (leading axes are flattened); one tensor per head. */
function applyNet(net: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
  const out = net.apply(flat, { training }) as tf.Tensor | tf.Tensor[];
  const heads = Array.isArray(out) ? out : [out];
  return x.rank === 2 ? heads : heads.map((h) => tf.reshape(h, [...lead, h.shape[1]!]));
}

/** A VAE over data of `dataDim` values; pass `nets` to wrap loaded networks. */
export function createVae(config: Config, dataDim: number, nets: VaeNets = buildVaeNets(config, dataDim)): Autoencoder {
  const { encoder, decoder } = nets;
  const prior = createPrior(config.prior, config.latentDim);
  if (!prior.hasDensity || !prior.fullSupport) {
    throw new ConfigError('prior', [
      `a VAE needs a prior with a density that is positive everywhere (its KL term is E_q[log q − log p]); ${prior.kind} ${prior.hasDensity ? 'is zero outside its support' : 'has no density'}: train it with an adversarial autoencoder instead`,
    ]);
  }
  return {
    kind: 'vae',
    config,
    dataDim,
    latentDim: config.latentDim,
    prior,
    nets: { encoder, decoder },
    encode(x, training = false) {
      const [loc, logVar] = applyNet(encoder, x, training);
      return new DiagNormal(loc, logVar);
    },
    decode(z, training = false) {
      return likelihoodFromOutputs(config.likelihood, applyNet(decoder, z, training));
    },
    variables: () => [...trainableVariables(encoder), ...trainableVariables(decoder)],
    dispose() {
      encoder.dispose();
      decoder.dispose();
    },
  };
}
