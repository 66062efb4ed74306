/**
 * Chooses the TF.js backend in Node.
 *
 * - `auto` (default): `tensorflow` when the optional @tensorflow/tfjs-node is
 *   installed (native libtensorflow), otherwise `wasm`.
 * - `wasm`: XNNPACK kernels, SIMD, single thread; installs offline. LatentLab
 *   routes its transposed matrix products through the fast kernel.
 * - `cpu`: the plain JavaScript backend (slow; a reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../core/engine/gradients.js';
import { installTransposeFreeMatMul } from '../core/engine/transpose-free-matmul.js';
import { installWasmKernels } from '../core/engine/wasm-kernels.js';
import { UserError } from './errors.js';

export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

async function tryTfjsNode(): Promise<boolean> {
  try {
    // Optional accelerator: present only if the user installed it.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return tf.findBackend('tensorflow') !== null;
  } catch {
    return false;
  }
}

/** Initialises the requested backend and returns its name. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (!BACKENDS.includes(choice)) throw new UserError(`--backend: unknown backend "${choice}" (choose ${BACKENDS.join(', ')})`);
  let name: string = choice;
  if (choice === 'auto') name = (await tryTfjsNode()) ? 'tensorflow' : 'wasm';
  else if (choice === 'tensorflow' && !(await tryTfjsNode())) {
    throw new UserError('--backend tensorflow: @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node@4.22.0), or it failed to load');
  }
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new UserError(`backend "${name}" failed to initialise`);
  }
  await tf.ready();
  if (name === 'wasm') {
    installTransposeFreeMatMul('wasm');
    installWasmKernels('wasm');
  }
  return name;
}
