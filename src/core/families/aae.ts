/**
 * The adversarial autoencoder family (models/aae.ts): per batch a
 * reconstruction phase (encoder + decoder, train.optimizer), then
 * `discriminatorSteps` discriminator phases and a generator phase (the
 * encoder learns to fool D), each with its own optimizer.
 */
import { adversarialTerms, discriminatorLoss, generatorLoss, reconstructionLoss } from '../objectives/adversarial.js';
import { createOptimizer } from '../training/optimizers.js';
import type { Phase } from '../training/trainer.js';
import { buildAaeNets, createAae, type AdversarialAutoencoder } from '../models/aae.js';
import type { ModelFamily } from './types.js';

export const aaeFamily: ModelFamily = {
  netNames: ['encoder', 'decoder', 'discriminator'],
  buildNets: buildAaeNets,
  create: createAae,
  phases(model) {
    const m = model as AdversarialAutoencoder;
    const { train, adversarial } = m.config;
    const reconstruction: Phase = {
      name: 'reconstruction',
      optimizer: createOptimizer(train.optimizer, [...m.groups.encoder, ...m.groups.decoder]),
      loss: (x, { seed, labels }) => reconstructionLoss(m, x, { seed, training: true, labels }),
    };
    // Every discriminator step shares one optimizer (and one name: its terms are averaged).
    const discriminator: Phase = {
      name: 'discriminator',
      optimizer: createOptimizer(adversarial.discriminatorOptimizer, m.groups.discriminator),
      loss: (x, { seed, labels }) => discriminatorLoss(m, x, { seed, training: true, labels }),
    };
    const generator: Phase = {
      name: 'generator',
      optimizer: createOptimizer(adversarial.generatorOptimizer, m.groups.encoder),
      loss: (x, { seed, labels }) => generatorLoss(m, x, { seed, training: true, labels }),
    };
    return [reconstruction, ...Array<Phase>(adversarial.discriminatorSteps).fill(discriminator), generator];
  },
  evaluate: (model, x, seed, labels) => adversarialTerms(model as AdversarialAutoencoder, x, seed, labels),
  terms: {
    headline: 'reconstruction',
    info: {
      reconstruction: { label: 'reconstruction', unit: 'nats' },
      discriminator: { label: 'discriminator', unit: 'cross-entropy' },
      generator: { label: 'generator', unit: 'cross-entropy' },
    },
  },
  hasPosteriorDensity: (config) => config.adversarial.encoder === 'gaussian',
  needsLabels: (config) => config.labels.use !== 'none',
};
