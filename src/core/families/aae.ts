/**
 * The adversarial autoencoder family (models/aae.ts). Per batch:
 *  - generator 'joint' (default): a reconstruction phase whose objective
 *    also holds λ × the generator's loss (encoder + decoder,
 *    train.optimizer), then `discriminatorSteps` discriminator phases;
 *  - generator 'separate': reconstruction, the discriminator phases, then a
 *    generator phase (the encoder alone, generatorOptimizer).
 * Each phase has its own optimizer over the variables it may change.
 */
import { adversarialTerms, discriminatorLoss, generatorLoss, jointLoss, reconstructionLoss } from '../objectives/adversarial.js';
import { createOptimizer } from '../training/optimizers.js';
import type { Phase } from '../training/trainer.js';
import { buildAaeNets, createAae, type AdversarialAutoencoder } from '../models/aae.js';
import type { ConfigOf } from '../config/schema.js';
import type { ModelFamily } from './types.js';

export const aaeFamily: ModelFamily<ConfigOf<'aae'>> = {
  netNames: () => ['encoder', 'decoder', 'discriminator'],
  possibleNetNames: ['encoder', 'decoder', 'discriminator'],
  buildNets: buildAaeNets,
  create: createAae,
  phases(model) {
    const m = model as AdversarialAutoencoder;
    const { train, adversarial } = m.config;
    const joint = adversarial.generator === 'joint';
    const reconstruction: Phase = {
      name: 'reconstruction',
      optimizer: createOptimizer(train.optimizer, [...m.groups.encoder, ...m.groups.decoder]),
      loss: joint
        ? (x, { seed, labels }) => jointLoss(m, x, { seed, training: true, labels }, adversarial.generatorWeight)
        : (x, { seed, labels }) => reconstructionLoss(m, x, { seed, training: true, labels }),
    };
    // Every discriminator step shares one optimizer (and one name: its terms are averaged).
    const discriminator: Phase = {
      name: 'discriminator',
      optimizer: createOptimizer(adversarial.discriminatorOptimizer, m.groups.discriminator),
      loss: (x, { seed, labels }) => discriminatorLoss(m, x, { seed, training: true, labels }),
    };
    const discriminatorSteps = Array<Phase>(adversarial.discriminatorSteps).fill(discriminator);
    if (joint) return [reconstruction, ...discriminatorSteps];
    const generator: Phase = {
      name: 'generator',
      optimizer: createOptimizer(adversarial.generatorOptimizer, m.groups.encoder),
      loss: (x, { seed, labels }) => generatorLoss(m, x, { seed, training: true, labels }),
    };
    return [reconstruction, ...discriminatorSteps, generator];
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
};
