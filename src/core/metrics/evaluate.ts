/**
 * Evaluation of an objective over a whole dataset, forward only.
 * Returns each term's mean over the examples (nats per example). The
 * objective gets each batch's labels when the data set has them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, evaluationBatchSize, type DataSource } from '../data/dataset.js';
import type { ObjectiveValue } from '../objectives/types.js';
import { deriveSeed } from '../util/random.js';
import { yieldToEventLoop } from '../util/yield.js';

export interface EvaluateOptions {
  readonly batchSize?: number;
  /** Seed for the sampled terms; a fixed seed makes evaluations comparable. */
  readonly seed: number;
}

export async function evaluateObjective(
  objective: (x: tf.Tensor2D, seed: number, labels?: tf.Tensor1D) => ObjectiveValue,
  data: DataSource,
  { batchSize = evaluationBatchSize(data.dim), seed }: EvaluateOptions,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  let b = 0;
  for (const batch of batches(data, { batchSize })) {
    const values = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.count, data.dim]);
      const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
      const { terms } = objective(x, deriveSeed(seed, b++), labels);
      return Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, tf.mul(v, batch.count)]));
    });
    for (const [k, v] of Object.entries(values)) {
      sums[k] = (sums[k] ?? 0) + (await v.data())[0];
      v.dispose();
    }
    await yieldToEventLoop();
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / data.size]));
}
