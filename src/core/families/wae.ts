/**
 * The Wasserstein autoencoder family, WAE-MMD (models/wae.ts): one phase
 * per batch, the encoder and decoder minimising
 * E[−log p(x|z)] + λ·MMD²(q(z), p(z)) under train.optimizer
 * (objectives/wae.ts). Held out, the same two terms.
 */
import type { ConfigOf } from '../config/schema.js';
import { waeLoss } from '../objectives/wae.js';
import { createOptimizer } from '../training/optimizers.js';
import { buildWaeNets, createWae, type WassersteinAutoencoder } from '../models/wae.js';
import type { ModelFamily } from './types.js';

export const waeFamily: ModelFamily<ConfigOf<'wae'>> = {
  netNames: () => ['encoder', 'decoder'],
  possibleNetNames: ['encoder', 'decoder'],
  buildNets: buildWaeNets,
  create: createWae,
  phases(model) {
    const m = model as WassersteinAutoencoder;
    return [{
      name: 'wae',
      optimizer: createOptimizer(m.config.train.optimizer, m.variables()),
      loss: (x, { seed, labels }) => waeLoss(m, x, { seed, training: true, labels }),
    }];
  },
  evaluate: (model, x, seed, labels) => waeLoss(model as WassersteinAutoencoder, x, { seed, labels }),
  terms: {
    headline: 'reconstruction',
    info: {
      reconstruction: { label: 'reconstruction', unit: 'nats' },
      mmd: { label: 'MMD² to the prior', unit: 'mmd', digits: 4 },
    },
  },
  hasPosteriorDensity: (config) => config.wae.encoder === 'gaussian',
};
