/**
 * `randomNormal`: tf.randomNormal's values, bit for bit, drawn by
 * `normalValues` (util/random.ts) at about half its cost. Training draws one
 * normal per latent value per step (an importance-weighted step with K = 50:
 * 50,000; `eval --iw 5000`: 250,000 per image), so the generator is on the
 * hot path. Without a seed (or seed 0, which TF.js reads as none) it is
 * tf.randomNormal itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normalValues } from './random.js';

export function randomNormal<R extends tf.Rank>(shape: tf.ShapeMap[R], mean = 0, std = 1, seed?: number): tf.Tensor<R> {
  if (!seed) return tf.randomNormal(shape, mean, std, 'float32', seed);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  return tf.tensor(normalValues(size, mean, std, seed), shape, 'float32') as tf.Tensor<R>;
}
