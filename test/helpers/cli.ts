/**
 * Helpers for end-to-end tests of the `latentlab` command line: temporary
 * folders, spawning the real CLI, reading run-folder files, and writing small
 * synthetic IDX data sets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx } from '../../src/core/data/idx.js';

/** The repository root (where bin/latentlab.js lives). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface RunCliOptions {
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Extra environment variables, laid over the parent's. */
  readonly env?: Record<string, string>;
}

/**
 * Runs `node bin/latentlab.js ...args` (from the repository root unless `cwd`
 * says otherwise) and waits for it. The environment is the parent's (CI and
 * PATH preserved); colors are turned off so messages match as plain text.
 */
export function runCli(args: readonly string[], { cwd = REPO_ROOT, timeoutMs = 120_000, env = {} }: RunCliOptions = {}): CliResult {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return {
    status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** A description of a CLI run for assertion messages. */
export function describeRun(r: CliResult): string {
  return `exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

/** Creates a fresh temporary folder; call the returned `remove` in after(). */
export function makeTempDir(prefix = 'latentlab-cli-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The records of a JSON Lines file (blank lines skipped). */
export function readJsonl<T = any>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/** Entries of a folder, or [] if it does not exist. */
export function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** True when the text contains a JavaScript stack-trace line ("    at ..."). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at\s/m.test(text);
}

export interface IdxFolderOptions {
  readonly train: number;
  readonly test: number;
  readonly rows?: number;
  readonly cols?: number;
  readonly classes?: number;
  readonly labels?: boolean;
  readonly seed?: number;
}

/**
 * Synthetic images: class c is a bright horizontal bar at a class-dependent
 * row plus a little noise, so a VAE has structure to learn. Deterministic.
 */
export function syntheticImages(n: number, rows: number, cols: number, classes: number, seed = 1): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  const images = new Uint8Array(n * rows * cols);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    const bar = Math.floor(((c + 0.5) * rows) / classes);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const on = Math.abs(r - bar) <= 0 ? 230 : 10;
        images[(i * rows + r) * cols + q] = Math.max(0, Math.min(255, Math.round(on + (rand() - 0.5) * 40)));
      }
    }
  }
  return { images, labels };
}

export interface IdxFiles {
  trainImages: Uint8Array;
  trainLabels?: Uint8Array;
  testImages: Uint8Array;
  testLabels?: Uint8Array;
}

/** IDX bytes for a small synthetic data set (ubyte images [n, rows, cols], ubyte labels [n]). */
export function syntheticIdxFiles({ train, test, rows = 8, cols = 8, classes = 4, labels = true, seed = 1 }: IdxFolderOptions): IdxFiles {
  const tr = syntheticImages(train, rows, cols, classes, seed);
  const te = syntheticImages(test, rows, cols, classes, seed + 1);
  return {
    trainImages: encodeIdx({ dtype: 'ubyte', shape: [train, rows, cols], data: tr.images }),
    testImages: encodeIdx({ dtype: 'ubyte', shape: [test, rows, cols], data: te.images }),
    ...(labels
      ? {
        trainLabels: encodeIdx({ dtype: 'ubyte', shape: [train], data: tr.labels }),
        testLabels: encodeIdx({ dtype: 'ubyte', shape: [test], data: te.labels }),
      }
      : {}),
  };
}

/** Writes IDX files in the layout `--data DIR` expects. Returns `dir`. */
export function writeIdxFolder(dir: string, files: IdxFiles): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), files.trainImages);
  writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), files.testImages);
  if (files.trainLabels) writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), files.trainLabels);
  if (files.testLabels) writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), files.testLabels);
  return dir;
}
