/**
 * Loads LatentLab's native engine (native/*.cc, built into
 * native/build/latentlab.node at install by native/build.mjs).
 *
 * The engine runs inside TF.js's wasm backend: its kernels (the matrix
 * product, convolutions through it, Adam, column sums, the Bernoulli
 * log-likelihood, exp) replace the wasm kernels of the same names and work on the
 * backend's memory in place, on a pool of threads over the machine's cores.
 * Everything else (most element-wise ops, the gradient tape) stays on wasm. It
 * also reads the batches of 8-bit data sets (MNIST) into float32 (`byteRows`).
 *
 * LATENTLAB_NATIVE=0 turns it off (the wasm engine runs, as where it was not
 * built); LATENTLAB_THREADS=N sets the pool's size (default: the CPUs this
 * process may run on); LATENTLAB_NATIVE_ISA=avx2|generic picks narrower
 * kernels than the CPU allows (the tests run each).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { NativeKernels } from '../core/engine/wasm-kernels.js';
import { packagePath } from './package-root.js';

export interface NativeInfo {
  /** The kernels chosen for this CPU: 'avx512', 'avx2', 'sse2' or 'neon'. */
  isa: string;
  /** Threads in the pool (the calling thread included). */
  threads: number;
  /** CPUs this process may run on. */
  cpus: number;
}

export interface NativeAddon extends NativeKernels {
  info(): NativeInfo & { mr: number; nr: number };
  setThreads(n: number): void;
  /** GFLOP/s of one core's fused multiply-adds on the kernels' vectors (the limit a product could reach). */
  fmaPeak(): number;
  /**
   * out's row r = bytes' row indices[r] (rows of dim values) read as k/255 in
   * float32, on the pool; a RangeError for an index outside the rows or an
   * output too short.
   */
  byteRows(bytes: Uint8Array, indices: Int32Array, dim: number, out: Float32Array): void;
}

export const NATIVE_MODULE = packagePath('native', 'build', 'latentlab.node');

let loaded: { addon?: NativeAddon; reason?: string } | undefined;

/** The native engine, or why it is not available (not built, turned off, failed to load). */
export function loadNative(): { addon?: NativeAddon; reason?: string } {
  if (loaded) return loaded;
  if (process.env.LATENTLAB_NATIVE === '0') return (loaded = { reason: 'turned off by LATENTLAB_NATIVE=0' });
  if (!existsSync(NATIVE_MODULE)) {
    return (loaded = { reason: `not built (no C++ compiler at install, or the package's install script did not run); build it with \`node ${packagePath('native', 'build.mjs')}\`` });
  }
  try {
    const addon = createRequire(import.meta.url)(NATIVE_MODULE) as NativeAddon;
    // Digits only: the engine reads the variable as a decimal integer, so "0x2" or "2e0" would not mean 2 there.
    const setting = process.env.LATENTLAB_THREADS;
    if (setting !== undefined && !(/^[0-9]+$/.test(setting) && Number(setting) >= 1 && Number(setting) <= 256)) {
      return (loaded = { reason: `not usable: LATENTLAB_THREADS must be a whole number from 1 to 256 (got "${process.env.LATENTLAB_THREADS}")` });
    }
    return (loaded = { addon });
  } catch (err) {
    return (loaded = { reason: `not loadable (${NATIVE_MODULE}): ${(err as Error).message.split('\n')[0]}` });
  }
}

/** A one-line description of the engine for logs: `native (avx512, 2 threads)`. */
export function describeNative(addon: NativeAddon): string {
  const { isa, threads } = addon.info();
  return `native (${isa}, ${threads} thread${threads === 1 ? '' : 's'})`;
}
