/** Test set-up: the backend the suite runs on (wasm by default, LATENTLAB_TEST_BACKEND to change). */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '../../src/node/backend.js';

export async function setupBackend(): Promise<string> {
  return initBackend((process.env.LATENTLAB_TEST_BACKEND as BackendChoice | undefined) ?? 'wasm');
}

/** Reads a tensor's values as a plain array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

export function variance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
}
