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
import { buildMlp, trainableVariables } from '../nets/mlp.js';
import { applyNet, buildDecoderNet, buildEncoderNet } from '../nets/build.js';
import { buildPseudoInputs, createPrior, PSEUDO_INPUTS_NET, type PriorResources } from '../priors/index.js';
import { deriveSeed } from '../util/random.js';
import { likelihoodFromOutputs, likelihoodHeads } from './likelihood.js';
import type { Autoencoder, JointOptions } from './types.js';
import { appendColumns, labelInputs, oneHot, requireLabels } from './conditioning.js';
import { checkDataShape, exampleSize, flatExamples } from './data-shape.js';

export interface VaeNets {
  readonly encoder: tfl.LayersModel;
  readonly decoder: tfl.LayersModel;
  /** The VampPrior's pseudo-inputs (prior.kind 'vamp' only). */
  readonly pseudoInputs?: tfl.LayersModel;
  /** With latentLayers: `encoder1`, `decoder1`, … (see layerNetNames). */
  readonly [layerNet: string]: tfl.LayersModel | undefined;
}

/** The decoder net z → likelihood parameters, for examples of `dataShape` (shared by every model family). */
export function buildDecoder(config: Config, dataShape: readonly number[], inputSize = config.latentDim + labelInputs(config).decoder): tfl.LayersModel {
  return buildDecoderNet(config.decoder, {
    name: 'decoder', inputSize, dataShape, heads: likelihoodHeads(config.likelihood, exampleSize(dataShape)), seed: deriveSeed(config.seed, 2),
  });
}

/** A Gaussian encoder net x → [μ, log σ²] (two heads); x is followed by the one-hot label in a conditional VAE. */
export function buildGaussianEncoder(config: Config, dataShape: readonly number[], size = config.latentDim): tfl.LayersModel {
  return buildEncoderNet(config.encoder, {
    name: 'encoder', dataShape, extraInputs: labelInputs(config).encoder,
    heads: [{ name: 'loc', size }, { name: 'logvar', size }], seed: deriveSeed(config.seed, 1),
  });
}

/** The sizes of a VAE's stochastic layers from the data up, the last of latentDim (one entry without latentLayers). */
export function stochasticSizes(config: Config): number[] {
  return [...(config.model === 'vae' ? config.latentLayers.map((l) => l.size) : []), config.latentDim];
}

/** The nets between stochastic layers l and l + 1 (1-based): q(z_{l+1}|z_l) is `encoder${l}`, p(z_l|z_{l+1}) is `decoder${l}`. */
export const layerNetNames = (config: Config): string[] =>
  (config.model === 'vae' ? config.latentLayers : []).flatMap((_, i) => [`encoder${i + 1}`, `decoder${i + 1}`]);

function buildLayerNets(config: Config): Record<string, tfl.LayersModel> {
  if (config.model !== 'vae') return {};
  const sizes = stochasticSizes(config);
  const activation = (net: Config['encoder']) => net.activation;
  const nets: Record<string, tfl.LayersModel> = {};
  config.latentLayers.forEach(({ hidden }, i) => {
    const [below, above] = [sizes[i], sizes[i + 1]];
    const gaussian = (size: number) => [{ name: 'loc', size }, { name: 'logvar', size }];
    nets[`encoder${i + 1}`] = buildMlp({ name: `encoder${i + 1}`, inputSize: below, hidden, heads: gaussian(above), activation: activation(config.encoder), seed: deriveSeed(config.seed, 10 + 2 * i), init: config.encoder.init });
    nets[`decoder${i + 1}`] = buildMlp({ name: `decoder${i + 1}`, inputSize: above, hidden, heads: gaussian(below), activation: activation(config.decoder), seed: deriveSeed(config.seed, 11 + 2 * i), init: config.decoder.init });
  });
  return nets;
}

/** `input` followed by the one-hot labels when the net takes `classes` label inputs (else `input` itself). */
export function withLabels(input: tf.Tensor, labels: tf.Tensor1D | undefined, classes: number, net: string): tf.Tensor {
  return classes === 0 ? input : appendColumns(input, oneHot(requireLabels(labels, net), classes));
}

/** Builds fresh encoder and decoder nets for `config` and examples of `dataShape`, initialised from its seed. */
export function buildVaeNets(config: Config, dataShape: readonly number[]): VaeNets {
  const [first] = stochasticSizes(config);
  const encoder = buildGaussianEncoder(config, dataShape, first);
  try {
    const decoder = buildDecoder(config, dataShape, first + labelInputs(config).decoder);
    if (config.model === 'vae' && config.latentLayers.length) return { encoder, decoder, ...buildLayerNets(config) };
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
    ? { ...resources, vamp: { pseudoInputs, encode: (u) => gaussian(u, false) as { loc: tf.Tensor2D; logVar: tf.Tensor2D }, variables: () => [...trainableVariables(encoder), ...trainableVariables(pseudoInputs)] } }
    : resources);
  if (!prior.hasDensity || !prior.fullSupport) {
    throw new ConfigError('prior', [
      `a VAE needs a prior with a density that is positive everywhere (its KL term is E_q[log q − log p]); ${prior.kind} ${prior.hasDensity ? 'is zero outside its support' : 'has no density'}: train it with an adversarial autoencoder instead`,
    ]);
  }
  // Stacked stochastic layers (latentLayers): q(z_{l+1}|z_l) and p(z_l|z_{l+1}) as Gaussians from their nets.
  const layers = layerNetNames(config).length / 2;
  const up = Array.from({ length: layers }, (_, l) => requiredNet(nets, `encoder${l + 1}`));
  const down = Array.from({ length: layers }, (_, l) => requiredNet(nets, `decoder${l + 1}`));
  const layerGaussian = (net: tfl.LayersModel, z: tf.Tensor, training: boolean) => {
    const [loc, logVar] = applyNet(net, z, training);
    return new DiagNormal(loc, logVar);
  };
  const decodeBottom = (z1: tf.Tensor, training: boolean, labels?: tf.Tensor1D) =>
    likelihoodFromOutputs(config.likelihood, applyNet(decoder, withLabels(z1, labels, inputs.decoder, 'decoder'), training), dataShape);
  const all = [encoder, decoder, ...(pseudoInputs ? [pseudoInputs] : []), ...up.flatMap((u, l) => [u, down[l]])];
  return {
    kind: 'vae',
    config,
    dataShape,
    dataDim: exampleSize(dataShape),
    latentDim: config.latentDim,
    prior,
    nets: Object.fromEntries([['encoder', encoder], ['decoder', decoder], ...(pseudoInputs ? [[PSEUDO_INPUTS_NET, pseudoInputs]] : []), ...up.flatMap((u, l) => [[`encoder${l + 1}`, u], [`decoder${l + 1}`, down[l]]])]),
    encode(x, { training = false, labels } = {}) {
      const { loc, logVar } = gaussian(x, training, labels);
      let q = new DiagNormal(loc, logVar);
      // The top layer's posterior given the means of the layers below it.
      for (const net of up) q = layerGaussian(net, q.loc, training);
      return q;
    },
    decode(z, { training = false, labels } = {}) {
      let h = z;
      for (let l = layers - 1; l >= 0; l--) h = layerGaussian(down[l], h, training).loc;
      return decodeBottom(h, training, labels);
    },
    ...(layers > 0 ? {
      sampleJoint(x: tf.Tensor, { k, seed, training = false }: JointOptions) {
        const { loc, logVar } = gaussian(x, training);
        const q1 = new DiagNormal(loc, logVar);
        const zs = [q1.sample({ seed, n: k })];
        let logRatio = q1.logProb(zs[0]);
        up.forEach((net, l) => {
          const q = layerGaussian(net, zs[l], training);
          zs.push(q.sample({ seed: deriveSeed(seed, l + 1) }));
          logRatio = tf.add(logRatio, q.logProb(zs[l + 1]));
        });
        logRatio = tf.sub(logRatio, prior.logProb(zs[layers]));
        down.forEach((net, l) => {
          logRatio = tf.sub(logRatio, layerGaussian(net, zs[l + 1], training).logProb(zs[l]));
        });
        return { likelihood: decodeBottom(zs[0], training), logRatio };
      },
    } : {}),
    variables: () => all.flatMap((net) => trainableVariables(net)),
    dispose() {
      for (const net of all) net.dispose();
      (prior as { dispose?: () => void }).dispose?.();
    },
  };
}

function requiredNet(nets: VaeNets, name: string): tfl.LayersModel {
  const net = nets[name];
  if (!net) throw new ConfigError('latentLayers', [`the model has no ${name} net`]);
  return net;
}
