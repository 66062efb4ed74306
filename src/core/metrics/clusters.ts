/**
 * Unsupervised clustering error (Makhzani et al. 2015, §6): each cluster k
 * takes the label most frequent among the training examples assigned to it
 * (argmax q(y|x)); the error is the share of test examples whose cluster's
 * label is not their own. A cluster no training example falls into labels
 * its test examples wrongly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, evaluationBatchSize, type DataSource } from '../data/dataset.js';
import type { CategoricalAutoencoder } from '../models/categorical-aae.js';

/** The most probable class (cluster) of every example, int32 [size]. */
export function assignClusters(model: CategoricalAutoencoder, data: DataSource, batchSize = evaluationBatchSize(data.dim)): Int32Array {
  const out = new Int32Array(data.size);
  let start = 0;
  for (const batch of batches(data, { batchSize })) {
    const ks = tf.tidy(() => model.classify(tf.tensor2d(batch.x, [batch.count, data.dim])).mode().dataSync());
    out.set(ks, start);
    start += batch.count;
  }
  return out;
}

export interface ClusterError {
  /** Test error with each cluster labelled by its training majority, in [0, 1]. */
  readonly error: number;
  /** The label given to each cluster (−1: no training example in it). */
  readonly clusterLabels: Int32Array;
  /** Training examples per cluster. */
  readonly sizes: Int32Array;
}

/** The clustering error from cluster assignments and labels of a training and a test set. */
export function clusterError(
  clusters: number, train: { assigned: Int32Array; labels: Int32Array }, test: { assigned: Int32Array; labels: Int32Array },
): ClusterError {
  const classes = Math.max(...train.labels, ...test.labels) + 1;
  const counts = Array.from({ length: clusters }, () => new Int32Array(classes));
  train.assigned.forEach((k, i) => counts[k][train.labels[i]]++);
  const clusterLabels = Int32Array.from(counts, (c) => (c.some((n) => n > 0) ? c.indexOf(Math.max(...c)) : -1));
  const sizes = Int32Array.from(counts, (c) => c.reduce((a, b) => a + b, 0));
  let wrong = 0;
  test.assigned.forEach((k, i) => { if (clusterLabels[k] !== test.labels[i]) wrong++; });
  return { error: wrong / Math.max(1, test.assigned.length), clusterLabels, sizes };
}
