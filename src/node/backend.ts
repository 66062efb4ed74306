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

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `init` and removes the process-wide `uncaughtException` and
 * `unhandledRejection` listeners it added. The wasm backend's Emscripten
 * module installs listeners that rethrow any uncaught error from inside its
 * minified bundle, so that every error in the process (the caller's own
 * included) printed the bundle's source (about 40 KB) and exited with code 7.
 * Without them Node reports errors as it normally does.
 */
async function withoutAddedProcessListeners<T>(init: () => Promise<T>): Promise<T> {
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await init();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/** Initialises the requested backend and returns its name. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  return withoutAddedProcessListeners(() => initBackendInner(choice));
}

async function initBackendInner(choice: BackendChoice): Promise<string> {
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
