/** The variational autoencoder family: one phase, the negative ELBO (objectives/elbo.ts). */
import { negativeElbo } from '../objectives/elbo.js';
import { createOptimizer } from '../training/optimizers.js';
import { linearWarmup } from '../training/schedules.js';
import { buildVaeNets, createVae, type VaeNets } from '../models/vae.js';
import type { ModelFamily } from './types.js';

export const vaeFamily: ModelFamily = {
  netNames: ['encoder', 'decoder'],
  buildNets: (config, dataShape) => ({ ...buildVaeNets(config, dataShape) }),
  create: (config, dataShape, nets, resources) => createVae(config, dataShape, nets as unknown as VaeNets, resources),
  phases(model, { stepsPerEpoch }) {
    const { train } = model.config;
    const beta = linearWarmup(train.beta, Math.round(train.klWarmupEpochs * stepsPerEpoch));
    return [{
      name: 'elbo',
      optimizer: createOptimizer(train.optimizer, model.variables()),
      loss: (x, { seed, step, labels }) => negativeElbo(model, x, { seed, beta: beta(step), training: true, labels }),
    }];
  },
  evaluate: (model, x, seed, labels) => negativeElbo(model, x, { seed, labels }),
  terms: {
    headline: 'loss',
    info: {
      loss: { label: '−ELBO', unit: 'nats' },
      reconstruction: { label: 'reconstruction', unit: 'nats' },
      kl: { label: 'KL', unit: 'nats' },
    },
  },
  hasPosteriorDensity: () => true,
};
