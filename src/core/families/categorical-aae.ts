/**
 * The semi-supervised and the clustering adversarial autoencoders
 * (Makhzani et al. 2015, §5 and §6; models/categorical-aae.ts). Per batch:
 * reconstruction (encoder + decoder, train.optimizer); the two
 * discriminators, D_z and D_y (`discriminatorSteps` times, one optimizer
 * over both); the generator (the encoder fools both); and, semi-supervised
 * only, a classification phase — cross-entropy of q(y|x) on a batch drawn
 * from the labelled examples (a fixed, seeded, class-balanced subset of
 * `categorical.labelled` training examples).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readRows, type DataSource } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import {
  categoricalDiscriminators, categoricalGenerator, categoricalJoint, categoricalReconstruction, categoricalTerms, classificationLoss,
} from '../objectives/categorical-adversarial.js';
import { createOptimizer } from '../training/optimizers.js';
import type { Phase } from '../training/trainer.js';
import { deriveSeed, permutation, uniformGenerator } from '../util/random.js';
import { buildCategoricalNets, CATEGORICAL_NETS, createCategoricalAae, type CategoricalAutoencoder } from '../models/categorical-aae.js';
import type { FamilyTerms } from '../models/terms.js';
import type { ConfigOf } from '../config/schema.js';
import type { ModelFamily } from './types.js';

/**
 * Indices of `count` training examples, as even across the classes as the
 * data allow (⌊count/K⌋ or one more per class), each class's drawn in a
 * seeded random order. Throws a DataError when the data lack labels or a class.
 */
export function labelledSubset(data: DataSource, count: number, classes: number, seed: number): Int32Array {
  if (!data.labels) throw new DataError(data.name, 'a semi-supervised model needs class labels for its labelled examples, and this data set has none');
  if (count > data.size) throw new DataError(data.name, `categorical.labelled is ${count}, the training set has ${data.size} examples`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of permutation(data.size, seed)) {
    const label = data.labels[i];
    if (label >= classes) throw new DataError(data.name, `label ${label} is not below categorical.classes (${classes})`);
    byClass[label].push(i);
  }
  const picked: number[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const members of byClass) if (round < members.length && picked.length < count) picked.push(members[round]);
    if (picked.length === before) break;
  }
  return Int32Array.from(picked).sort();
}

/** The classification phase: each step a batch drawn (with replacement) from the labelled examples. */
function classificationPhase(model: CategoricalAutoencoder, config: ConfigOf<'semi-supervised-aae'>, train: DataSource | undefined): Phase {
  const { categorical, seed } = config;
  if (!train) throw new Error('the semi-supervised model needs the training data to draw its labelled batches (TrainingSchedule.train)');
  const subset = labelledSubset(train, categorical.labelled, categorical.classes, deriveSeed(seed, 17));
  const size = Math.min(categorical.labelledBatchSize, subset.length);
  return {
    name: 'classification',
    optimizer: createOptimizer(categorical.classifierOptimizer, model.groups.encoder),
    loss: (_x, { seed: stepSeed }) => {
      const rand = uniformGenerator(deriveSeed(stepSeed, 23));
      const rows = Array.from({ length: size }, () => subset[Math.floor(rand() * subset.length)]);
      const x = readRows(train, rows);
      const labels = tf.tensor1d(rows.map((r) => train.labels![r]), 'int32');
      return classificationLoss(model, tf.tensor2d(x, [size, train.dim]), labels, { seed: stepSeed, training: true });
    },
  };
}

const terms = (semiSupervised: boolean): FamilyTerms => ({
  headline: 'reconstruction',
  info: {
    reconstruction: { label: 'reconstruction', unit: 'nats' },
    discriminator: { label: 'style discriminator', unit: 'cross-entropy' },
    categoryDiscriminator: { label: 'category discriminator', unit: 'cross-entropy' },
    generator: { label: 'style generator', unit: 'cross-entropy' },
    categoryGenerator: { label: 'category generator', unit: 'cross-entropy' },
    balance: { label: 'category balance KL', unit: 'nats' },
    ...(semiSupervised ? { classification: { label: 'classification', unit: 'cross-entropy' }, error: { label: 'test error', unit: 'fraction' } } : {}),
  },
});

function categoricalFamily<K extends 'semi-supervised-aae' | 'clustering-aae'>(kind: K): ModelFamily<ConfigOf<K>> {
  const semiSupervised = kind === 'semi-supervised-aae';
  return {
    netNames: () => CATEGORICAL_NETS,
    possibleNetNames: CATEGORICAL_NETS,
    buildNets: buildCategoricalNets,
    create: createCategoricalAae,
    phases(model, { train }) {
      const m = model as CategoricalAutoencoder;
      const { train: trainConfig, adversarial } = m.config;
      const joint = adversarial.generator === 'joint';
      const reconstruction: Phase = {
        name: 'reconstruction',
        optimizer: createOptimizer(trainConfig.optimizer, [...m.groups.encoder, ...m.groups.decoder]),
        loss: joint
          ? (x, { seed }) => categoricalJoint(m, x, { seed, training: true }, {
            style: m.config.categorical.styleWeight, category: m.config.categorical.categoryWeight, balance: m.config.categorical.balanceWeight,
          })
          : (x, { seed }) => categoricalReconstruction(m, x, { seed, training: true }),
      };
      const discriminators: Phase = {
        name: 'discriminator',
        optimizer: createOptimizer(adversarial.discriminatorOptimizer, [...m.groups.discriminator, ...m.groups.categoryDiscriminator]),
        loss: (x, { seed }) => categoricalDiscriminators(m, x, { seed, training: true }),
      };
      const generator: Phase[] = joint ? [] : [{
        name: 'generator',
        optimizer: createOptimizer(adversarial.generatorOptimizer, m.groups.encoder),
        loss: (x, { seed }) => categoricalGenerator(m, x, { seed, training: true }, m.config.categorical.balanceWeight),
      }];
      return [
        reconstruction, ...Array<Phase>(adversarial.discriminatorSteps).fill(discriminators), ...generator,
        ...(m.config.model === 'semi-supervised-aae' ? [classificationPhase(m, m.config, train)] : []),
      ];
    },
    evaluate: (model, x, seed, labels) => categoricalTerms(model as CategoricalAutoencoder, x, seed, labels),
    terms: terms(semiSupervised),
    hasPosteriorDensity: () => false,
  };
}

export const semiSupervisedAaeFamily = categoricalFamily('semi-supervised-aae');
export const clusteringAaeFamily = categoricalFamily('clustering-aae');

