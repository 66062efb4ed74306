/**
 * The epoch loop shared by the CLI and the browser: train every phase for an
 * epoch, evaluate on held-out data, hand a metrics record to the caller
 * (which saves checkpoints, draws curves, streams to a page). A loss or a
 * weight that stops being finite throws a DivergenceError before the record
 * is handed on, so nothing diverged is ever saved.
 */
import type { DataSource } from '../data/dataset.js';
import { evaluateObjective } from '../metrics/evaluate.js';
import type { ModelFamily } from '../models/registry.js';
import type { Autoencoder } from '../models/types.js';
import { checkLabels, hideLabels } from '../models/conditioning.js';
import { deriveSeed } from '../util/random.js';
import { nowMs } from '../util/clock.js';
import { trainEpoch, type EpochProgress, type Phase } from './trainer.js';
import { allFinite, DivergenceError, nonFiniteTerms } from './divergence.js';

/** One line of metrics.jsonl. */
export interface EpochRecord {
  readonly epoch: number;
  /** Global optimiser step at the end of the epoch. */
  readonly step: number;
  /** Training seconds (excluding evaluation). */
  readonly seconds: number;
  readonly evalSeconds: number;
  readonly imagesPerSecond: number;
  /** Mean training terms over the epoch, nats per example. */
  readonly train: Readonly<Record<string, number>>;
  /** Held-out terms after the epoch, nats per example. */
  readonly test: Readonly<Record<string, number>>;
}

export interface FitOptions {
  readonly model: Autoencoder;
  readonly family: ModelFamily;
  readonly phases: readonly Phase[];
  readonly train: DataSource;
  readonly test: DataSource;
  /** Last epoch to run (1-based, inclusive). */
  readonly epochs: number;
  /** Epochs already done (resume), default 0. */
  readonly completedEpochs?: number;
  /** Global step at the start, default 0. */
  readonly startStep?: number;
  readonly onEpochStart?: (epoch: number, batches: number) => void;
  readonly onProgress?: (epoch: number, progress: EpochProgress) => void;
  /** Awaited before the next epoch starts (save a checkpoint here). */
  readonly onEpochEnd?: (record: EpochRecord) => Promise<void> | void;
}

/** Seed for held-out evaluation: fixed per run, so epochs are comparable. */
export function evaluationSeed(seed: number): number {
  return deriveSeed(seed, 101);
}

export async function fit(options: FitOptions): Promise<EpochRecord[]> {
  const { model, family, phases, train, test, epochs, onEpochStart, onProgress, onEpochEnd } = options;
  const { seed, train: trainConfig } = model.config;
  checkLabels(model.config, train);
  checkLabels(model.config, test);
  // Label-guided training sees only a fixed fraction of the training labels.
  const trainData = hideLabels(train, model.config.labels.fraction, deriveSeed(seed, 17));
  const records: EpochRecord[] = [];
  let step = options.startStep ?? 0;
  const start: { size?: number } = {};
  for (let epoch = (options.completedEpochs ?? 0) + 1; epoch <= epochs; epoch++) {
    onEpochStart?.(epoch, Math.ceil(train.size / trainConfig.batchSize));
    const result = await trainEpoch({
      phases, data: trainData, batchSize: trainConfig.batchSize, epoch, seed, startStep: step,
      binarize: model.config.data.binarize === 'dynamic', clipGradNorm: trainConfig.clipGradNorm, start,
      onProgress: onProgress && ((p) => onProgress(epoch, p)),
    });
    step += result.steps;
    const evalStart = nowMs();
    const testTerms = await evaluateObjective((x, s, labels) => family.evaluate(model, x, s, labels), test, { seed: evaluationSeed(seed) });
    // A diverged model is never handed on to be saved (training terms are checked by the trainer as it reads them).
    if (nonFiniteTerms(testTerms).length) throw new DivergenceError(epoch, step, 'the test loss', testTerms);
    if (!(await allFinite(model.variables()))) throw new DivergenceError(epoch, step, 'the weights', {});
    const record: EpochRecord = {
      epoch, step, seconds: result.seconds, evalSeconds: (nowMs() - evalStart) / 1000,
      imagesPerSecond: result.examples / result.seconds, train: result.terms, test: testTerms,
    };
    records.push(record);
    await onEpochEnd?.(record);
  }
  return records;
}
