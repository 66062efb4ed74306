/**
 * A model family is a plugin: everything LatentLab needs to know about one
 * kind of model (`config.model`) lives in its file under families/ — how to
 * build its nets and wrap them into a model, its training phases (each with
 * its optimizer over the variables it may change), its held-out objective,
 * and what its terms mean. The registry (models/registry.ts) is a typed
 * table of them; the trainer, the CLI, the figures and the page ask the
 * family, never the model's name.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../config/schema.js';
import type { DataSource } from '../data/dataset.js';
import type { FamilyTerms } from '../models/terms.js';
import type { Autoencoder } from '../models/types.js';
import type { ObjectiveValue } from '../objectives/types.js';
import type { PriorResources } from '../priors/index.js';
import type { Phase } from '../training/trainer.js';

export interface TrainingSchedule {
  /** Optimiser steps in one epoch (for warm-ups given in epochs). */
  readonly stepsPerEpoch: number;
  /** The training data, for phases that draw batches of their own (the semi-supervised classification phase). */
  readonly train?: DataSource;
}

/**
 * `C` is the family's own config (its `model` and slices): the functions
 * that take a config see only configs of their model (the registry hands
 * each family its own; methods keep the table assignable to ModelFamily).
 */
export interface ModelFamily<C extends Config = Config> {
  /** Names of the networks a model of `config` has, as saved in checkpoints (a VAE with a VampPrior adds its pseudo-inputs). */
  netNames(config: C): readonly string[];
  /** Every name `netNames` may give for some config (what an uploaded run of the family may hold). */
  readonly possibleNetNames: readonly string[];
  /** Fresh nets for examples of `dataShape` ([H, W], [H, W, C] or [D]; a run's manifest.json records it as data.shape). */
  buildNets(config: C, dataShape: readonly number[]): Record<string, tfl.LayersModel>;
  /** Wraps nets into the model; `resources` carries what the prior needs beyond its spec (see PriorResources). */
  create(config: C, dataShape: readonly number[], nets: Record<string, tfl.LayersModel>, resources?: PriorResources): Autoencoder;
  phases(model: Autoencoder, schedule: TrainingSchedule): Phase[];
  /** The held-out objective, terms per example; `labels` [batch] for the label-aware variants. */
  evaluate(model: Autoencoder, x: tf.Tensor2D, seed: number, labels?: tf.Tensor1D): ObjectiveValue;
  /** Labels and units of the terms `evaluate` and the phases report, and which one to headline. */
  readonly terms: FamilyTerms;
  /** True when q(z|x) has a density, so the importance-weighted bound applies. */
  hasPosteriorDensity(config: C): boolean;
}
