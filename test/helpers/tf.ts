/**
 * Test set-up: the backend the suite runs on: `auto` by default (the native
 * engine where it was built, else wasm; LATENTLAB_NATIVE=0 forces wasm), or
 * LATENTLAB_TEST_BACKEND.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '../../src/node/backend.js';

export async function setupBackend(): Promise<string> {
  return initBackend((process.env.LATENTLAB_TEST_BACKEND as BackendChoice | undefined) ?? 'auto');
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
