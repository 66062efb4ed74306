/**
 * The variational autoencoder family: one phase, the negative ELBO
 * (objectives/elbo.ts) or, with objective.kind 'iwae', the negative
 * importance-weighted bound (objectives/iwae.ts), which is then also its
 * held-out objective.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { configOf } from '../config/schema.js';
import type { Autoencoder } from '../models/types.js';
import { negativeElbo } from '../objectives/elbo.js';
import { negativeIwBound } from '../objectives/iwae.js';
import type { ObjectiveValue } from '../objectives/types.js';
import { createOptimizer } from '../training/optimizers.js';
import { linearWarmup } from '../training/schedules.js';
import { buildVaeNets, createVae, layerNetNames, type VaeNets } from '../models/vae.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelFamily } from './types.js';

/** The configured objective: −ELBO (β-weighted in training), or −L_K. */
function objective(model: Autoencoder, x: tf.Tensor, seed: number, options: { beta?: number; training?: boolean; labels?: tf.Tensor1D }): ObjectiveValue {
  const spec = configOf(model.config, 'vae').objective;
  return spec.kind === 'iwae' ? negativeIwBound(model, x, { seed, k: spec.k, gradient: spec.gradient, training: options.training, labels: options.labels }) : negativeElbo(model, x, { seed, ...options });
}

export const vaeFamily: ModelFamily = {
  netNames: (config) => ['encoder', 'decoder', ...(config.prior.kind === 'vamp' ? ['pseudoInputs'] : []), ...layerNetNames(config)],
  possibleNetNames: ['encoder', 'decoder', 'pseudoInputs', ...Array.from({ length: 8 }, (_, i) => [`encoder${i + 1}`, `decoder${i + 1}`]).flat()],
  buildNets: (config, dataShape) => Object.fromEntries(Object.entries(buildVaeNets(config, dataShape)).filter((e): e is [string, tfl.LayersModel] => e[1] !== undefined)),
  create: (config, dataShape, nets, resources) => createVae(config, dataShape, nets as unknown as VaeNets, resources),
  phases(model, { stepsPerEpoch }) {
    const { train } = model.config;
    const beta = linearWarmup(train.beta, Math.round(train.klWarmupEpochs * stepsPerEpoch));
    return [{
      name: 'elbo',
      optimizer: createOptimizer(train.optimizer, model.variables()),
      loss: (x, { seed, step, labels }) => objective(model, x, seed, { beta: beta(step), training: true, labels }),
    }];
  },
  evaluate: (model, x, seed, labels) => objective(model, x, seed, { labels }),
  terms: {
    headline: 'loss',
    alternates: ['iwLoss'],
    info: {
      loss: { label: '−ELBO', unit: 'nats' },
      iwLoss: { label: '−L_K (IWAE bound)', unit: 'nats' },
      reconstruction: { label: 'reconstruction', unit: 'nats' },
      kl: { label: 'KL', unit: 'nats' },
    },
  },
  hasPosteriorDensity: () => true,
};
