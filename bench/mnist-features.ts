/**
 * The MNIST classifier the sampler benchmark measures images with
 * (bench/mnist-classifier/, trained by bench/mnist-classifier.ts), and the
 * Fréchet distance between two image sets on its penultimate layer's
 * features (128 ReLU units).
 *
 * This "FD" is not the FID of the literature and is not comparable to
 * published numbers: another network (a small MLP, not Inception-v3),
 * other features (128, not 2,048), other data (28×28 MNIST digits). It
 * ranks samplers of the same model against the same reference images.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layersModelFromFiles } from '../src/core/io/layers-io.js';
import { featureStats, frechetDistance, type FeatureStats } from '../src/core/metrics/frechet.js';

export const CLASSIFIER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mnist-classifier');
/** The layer whose outputs are the features: the second hidden layer (784-256-128-10). */
export const FEATURE_LAYER = 'classifier_dense1';

/** The shipped classifier's net. */
export async function loadClassifier(dir = CLASSIFIER_DIR): Promise<tfl.LayersModel> {
  return layersModelFromFiles(readFileSync(path.join(dir, 'model.json'), 'utf8'), readFileSync(path.join(dir, 'weights.bin')));
}

/** A net from the classifier's input to its feature layer. */
export function featureNet(classifier: tfl.LayersModel): tfl.LayersModel {
  return tfl.model({ inputs: classifier.inputs, outputs: classifier.getLayer(FEATURE_LAYER).output as tfl.SymbolicTensor });
}

/** Applies `net` to n images [n, 784] (values in [0, 1]) in batches: its outputs [n, width]. */
export function applyInBatches(net: tfl.LayersModel, images: Float32Array, n: number, batch = 1000): Float32Array {
  const dim = images.length / n;
  let out: Float32Array | null = null;
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const y = tf.tidy(() => net.apply(tf.tensor2d(images.subarray(start * dim, (start + rows) * dim), [rows, dim])) as tf.Tensor2D);
    const width = y.shape[1];
    out ??= new Float32Array(n * width);
    out.set(y.dataSync(), start * width);
    y.dispose();
  }
  return out!;
}

/** Feature statistics of n images [n, 784]. */
export function imageStats(features: tfl.LayersModel, images: Float32Array, n: number): FeatureStats {
  return featureStats(applyInBatches(features, images, n), features.outputs[0].shape[1] as number);
}

export { frechetDistance };
