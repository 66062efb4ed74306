/**
 * Model families by `config.model`: how to build the model from its config
 * (or around loaded networks), which training phases it has, and what its
 * evaluation objective is. Chosen from a typed table, never by name checks.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../config/schema.js';
import { negativeElbo } from '../objectives/elbo.js';
import type { ObjectiveValue } from '../objectives/types.js';
import { createOptimizer } from '../training/optimizers.js';
import { linearWarmup } from '../training/schedules.js';
import type { Phase } from '../training/trainer.js';
import type { Autoencoder } from './types.js';
import type { PriorResources } from '../priors/index.js';
import { buildVaeNets, createVae, type VaeNets } from './vae.js';
import { buildAaeNets, createAae, type AdversarialAutoencoder } from './aae.js';
import { adversarialTerms, discriminatorLoss, generatorLoss, reconstructionLoss } from '../objectives/adversarial.js';

export interface TrainingSchedule {
  /** Optimiser steps in one epoch (for warm-ups given in epochs). */
  readonly stepsPerEpoch: number;
}

export interface ModelFamily {
  /** Names of the networks, as saved in checkpoints. */
  readonly netNames: readonly string[];
  buildNets(config: Config, dataDim: number): Record<string, tfl.LayersModel>;
  /** Wraps nets into the model; `resources` carries what the prior needs beyond its spec (see PriorResources). */
  create(config: Config, dataDim: number, nets: Record<string, tfl.LayersModel>, resources?: PriorResources): Autoencoder;
  phases(model: Autoencoder, schedule: TrainingSchedule): Phase[];
  /** The held-out objective, terms in nats per example; `labels` [batch] for the label-aware variants. */
  evaluate(model: Autoencoder, x: tf.Tensor2D, seed: number, labels?: tf.Tensor1D): ObjectiveValue;
}

const vae: ModelFamily = {
  netNames: ['encoder', 'decoder'],
  buildNets: (config, dataDim) => ({ ...buildVaeNets(config, dataDim) }),
  create: (config, dataDim, nets, resources) => createVae(config, dataDim, nets as unknown as VaeNets, resources),
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
};

const aae: ModelFamily = {
  netNames: ['encoder', 'decoder', 'discriminator'],
  buildNets: buildAaeNets,
  create: createAae,
  phases(model) {
    const m = model as AdversarialAutoencoder;
    const { train, adversarial } = m.config;
    const regularise = (learningRate: number) => ({ ...train.optimizer, learningRate, beta1: adversarial.beta1 });
    const reconstruction: Phase = {
      name: 'reconstruction',
      optimizer: createOptimizer(train.optimizer, [...m.groups.encoder, ...m.groups.decoder]),
      loss: (x, { seed, labels }) => reconstructionLoss(m, x, { seed, training: true, labels }),
    };
    // Every discriminator step shares one optimizer (and one name: its terms are averaged).
    const discriminatorOptimizer = createOptimizer(regularise(adversarial.discriminatorLearningRate), m.groups.discriminator);
    const discriminator: Phase = {
      name: 'discriminator', optimizer: discriminatorOptimizer, loss: (x, { seed, labels }) => discriminatorLoss(m, x, { seed, training: true, labels }),
    };
    const generator: Phase = {
      name: 'generator',
      optimizer: createOptimizer(regularise(adversarial.generatorLearningRate), m.groups.encoder),
      loss: (x, { seed, labels }) => generatorLoss(m, x, { seed, training: true, labels }),
    };
    return [reconstruction, ...Array<Phase>(adversarial.discriminatorSteps).fill(discriminator), generator];
  },
  evaluate: (model, x, seed, labels) => adversarialTerms(model as AdversarialAutoencoder, x, seed, labels),
};

export const modelFamilies = { vae, aae } satisfies Record<Config['model'], ModelFamily>;

/** The family for a config's model kind. */
export function modelFamily(config: Config): ModelFamily {
  return modelFamilies[config.model];
}

/** Builds a fresh model for a config, initialised from its seed. */
export function buildModel(config: Config, dataDim: number, resources?: PriorResources): Autoencoder {
  const family = modelFamily(config);
  return family.create(config, dataDim, family.buildNets(config, dataDim), resources);
}
