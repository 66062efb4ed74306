/**
 * Chooses the TF.js backend in Node.
 *
 * - `auto` (default): `tensorflow` when the optional @tensorflow/tfjs-node is
 *   installed (native libtensorflow), otherwise `native` when LatentLab's
 *   native engine was built at install, otherwise `wasm` (with a one-line
 *   notice saying why).
 * - `native`: the wasm backend with LatentLab's native kernels (native/*.cc,
 *   src/node/native.ts) for the products, convolutions, Adam and the
 *   Bernoulli likelihood, on every core.
 * - `wasm`: XNNPACK kernels plus LatentLab's SIMD kernels (engine/kernels),
 *   single thread; needs no compiler. LatentLab routes its transposed matrix
 *   products through the fast kernel.
 * - `cpu`: the plain JavaScript backend (slow; a reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../core/engine/gradients.js';
import { setByteRowReader } from '../core/data/dataset.js';
import { installTransposeFreeMatMul } from '../core/engine/transpose-free-matmul.js';
import { installWasmKernels } from '../core/engine/wasm-kernels.js';
import { UserError } from './errors.js';
import { describeNative, loadNative } from './native.js';

export const BACKENDS = ['auto', 'native', 'wasm', 'cpu', 'tensorflow'] as const;
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

let noticeShown = false;

/**
 * Initialises the requested backend and returns its name: 'native' is TF.js's
 * wasm backend running LatentLab's native kernels.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  return withoutAddedProcessListeners(() => initBackendInner(choice));
}

async function initBackendInner(choice: BackendChoice): Promise<string> {
  if (!BACKENDS.includes(choice)) throw new UserError(`--backend: unknown backend "${choice}" (choose ${BACKENDS.join(', ')})`);
  let name: string = choice;
  let native = choice === 'native' || choice === 'auto' ? loadNative() : undefined;
  if (choice === 'native' && !native?.addon) throw new UserError(`--backend native: the native engine is ${native?.reason}`);
  if (choice === 'auto') {
    if (await tryTfjsNode()) (name = 'tensorflow'), (native = undefined);
    else if (native?.addon) name = 'native';
    else {
      name = 'wasm';
      if (!noticeShown && process.env.LATENTLAB_NATIVE !== '0') process.stderr.write(`latentlab: the native engine is ${native?.reason}; LatentLab runs on the slower wasm engine\n`);
      noticeShown = true;
    }
  } else if (choice === 'tensorflow' && !(await tryTfjsNode())) {
    throw new UserError('--backend tensorflow: @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node@4.22.0), or it failed to load');
  }
  const tfName = name === 'native' ? 'wasm' : name;
  if (tfName === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (tfName === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (tf.getBackend() !== tfName) {
    const ok = await tf.setBackend(tfName);
    if (!ok) throw new UserError(`backend "${tfName}" failed to initialise`);
  }
  await tf.ready();
  setByteRowReader(name === 'native' ? native!.addon!.byteRows : undefined);
  if (tfName === 'wasm') {
    installTransposeFreeMatMul('wasm');
    installWasmKernels('wasm', name === 'native' ? native!.addon : undefined);
  }
  return name;
}

/** The engine behind a backend name, for logs: `native (avx512, 2 threads)`, or the name itself. */
export function describeBackend(name: string): string {
  const native = name === 'native' ? loadNative().addon : undefined;
  return native ? describeNative(native) : name;
}
