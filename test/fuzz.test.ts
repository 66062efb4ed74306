/**
 * Property-based fuzz suite: whatever a user hands LatentLab — a damaged
 * IDX data folder, a prior samples file, a config file, a run folder with one
 * file damaged, random command-line flags — it either succeeds or fails with
 * a clear user error, never anything else and never a hang.
 *
 * "A clear user error" is what the project's error boundary
 * (src/node/error-boundary.ts, `describeFailure`) says it is: not internal
 * (exit code 1, not 70); the message names the file, folder or flag
 * concerned, holds no stack frames and no control characters, and is one
 * line of at most 400 characters (a configuration error may list its issues
 * below that line, each indented "  - …", and a hint may follow indented).
 * Through `main` the exit code is 0, 1 or 2 (command-line syntax), and an
 * exit code of 1 prints such a message. A call on these small inputs that
 * takes over 5 s counts as a hang; after loading any run folder the TF.js
 * backend must still compute.
 *
 * Inputs start from small valid files (written with `encodeIdx`, two tiny
 * runs trained once in-process) and are damaged at random: truncation, byte
 * flips, changed headers, appended bytes, random JSON, values of the wrong
 * type or out of range, a missing file, a folder in place of a file. What
 * loads is checked against what the files hold (pixels, labels, shapes).
 *
 *   1. IDX: parseIdx, encodeIdx, expectIdx; loadDataSplits on a folder of the four MNIST-style files
 *   2. prior samples (.npy, .json, IDX): loadPriorResources
 *   3. JSON configs: resolveConfig, resolveStoredConfig, readConfigFile and configFromFlags (--config)
 *   4. train flags: parsed into a config and its data and prior read; and through `main`, one short epoch
 *   5. safetensors, as `export` writes them: decodeSafetensors
 *   6. run folders: readRun, openRunFolder, loadCheckpointNets, loadOptimizerState, loadRunModel;
 *      eval, sample, export and train --resume through `main`, and a few through the real CLI (spawned);
 *      runs from before the config digest and checksums (so damage gets past them) are included.
 *      Last, because a loader that builds a net too large for the wasm heap can break the backend
 *      for the rest of the process.
 *
 * Every property has a fixed seed, so a run is reproducible; fast-check
 * prints the seed and the path of a failing case. To try other inputs, shift
 * every seed and scale every number of runs:
 *
 *   FUZZ_SEED=7 FUZZ_RUNS=3 node --import tsx --test test/fuzz.test.ts
 *
 * Everything is written under one temporary folder, removed at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, resolveStoredConfig } from '../src/core/config/resolve.js';
import { encodeIdx, expectIdx, parseIdx, type IdxArray, type IdxDtype } from '../src/core/data/idx.js';
import { encodeNpy } from '../src/core/data/npy.js';
import { createCanvas } from '@napi-rs/canvas';
import { zipSync } from 'fflate';
import { decodeSafetensors } from '../src/core/io/safetensors.js';
import { readRun } from '../src/core/io/run-layout.js';
import { disposeOptimizerState } from '../src/core/training/optimizer-state.js';
import { main } from '../src/node/cli/main.js';
import { configFromFlags, trainCommand, type TrainFlags } from '../src/node/cli/train.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { describeFailure } from '../src/node/error-boundary.js';
import { loadRunModel } from '../src/node/load-run.js';
import { readConfigFile } from '../src/node/presets.js';
import { loadPriorResources } from '../src/node/prior-file.js';
import { diskStore, loadCheckpointNets, loadOptimizerState, openRunFolder } from '../src/node/run-folder.js';
import { REPO_ROOT, hasStackTrace, runCli, syntheticIdxFiles, writeIdxFolder } from './helpers/cli.js';
import { setupBackend } from './helpers/tf.js';

// ---------------------------------------------------------------------------
// Seeds, run counts, the temporary folder

const SEED_SHIFT = Number(process.env.FUZZ_SEED ?? 0);
const RUNS_FACTOR = Number(process.env.FUZZ_RUNS ?? 1);

/** fast-check parameters: a fixed seed (shifted by FUZZ_SEED), runs scaled by FUZZ_RUNS, a per-run time limit as a hang guard. */
function params(seed: number, numRuns: number, runTimeoutMs = 30_000): fc.Parameters<unknown> {
  return { seed: seed + SEED_SHIFT, numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)), timeout: runTimeoutMs, includeErrorInReport: true };
}

const TMP = mkdtempSync(path.join(os.tmpdir(), 'latentlab-fuzz-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

let caseCounter = 0;
/** A fresh, empty folder for one case. */
function caseDir(prefix: string): string {
  const dir = path.join(TMP, `${prefix}-${++caseCounter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------
// What a clear user error is

const MAX_LINE = 400;
const MAX_LINES = 30;

/** Checks a failure message: one short line (or an indented issue list below it), no stack frames or control characters, naming one of `names`. */
function checkMessage(message: string, names: readonly string[], what: string): void {
  const shown = `${what}\n--- message ---\n${message}`;
  assert.doesNotMatch(message, /\n\s+at /, `stack frames in the message: ${shown}`);
  assert.doesNotMatch(message, /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/, `control characters in the message: ${JSON.stringify(message)}`);
  const lines = message.split('\n');
  assert.ok(lines[0].trim().length > 0, `empty first line: ${shown}`);
  assert.ok(lines[0].length <= MAX_LINE, `first line of ${lines[0].length} characters: ${shown}`);
  assert.ok(lines.length <= MAX_LINES, `${lines.length} lines: ${shown}`);
  for (const line of lines.slice(1)) {
    assert.match(line, /^ {2}\S/, `a line that is not an indented issue or hint: ${JSON.stringify(line)}: ${shown}`);
    assert.ok(line.length <= MAX_LINE, `a line of ${line.length} characters: ${shown}`);
  }
  assert.ok(names.some((n) => n !== '' && message.includes(n)), `the message names none of ${JSON.stringify(names)}: ${shown}`);
}

/** Checks that `e` is a user error the boundary prints as a clear message naming one of `names`. */
function assertUserFailure(e: unknown, names: readonly string[], what: string): void {
  const failure = describeFailure(e);
  if (failure.internal) assert.fail(`${what}: an internal error, not a user error:\n${failure.message}`);
  assert.equal(failure.exitCode, 1, what);
  checkMessage(failure.message, names, what);
}

/** Longest one call on a small file may take: anything slower counts as a hang. */
const CALL_LIMIT_MS = 5_000;

function checkTime(started: number, what: string): void {
  const ms = performance.now() - started;
  assert.ok(ms < CALL_LIMIT_MS, `${what}: took ${Math.round(ms)} ms on a small input (a hang)`);
}

/** Runs `fn`: its result, or undefined after checking that it failed with a clear user error; either way within CALL_LIMIT_MS. */
function outcome<T>(fn: () => T, names: readonly string[], what: string): T | undefined {
  const started = performance.now();
  try {
    return fn();
  } catch (e) {
    assertUserFailure(e, names, what);
    return undefined;
  } finally {
    checkTime(started, what);
  }
}

async function outcomeAsync<T>(fn: () => Promise<T>, names: readonly string[], what: string): Promise<T | undefined> {
  const started = performance.now();
  try {
    return await fn();
  } catch (e) {
    assertUserFailure(e, names, what);
    return undefined;
  } finally {
    checkTime(started, what);
  }
}

/** Runs `main(argv)` in-process, collecting what it prints (text only; the test runner's own binary output passes through). */
async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { stdout: [] as string[], stderr: [] as string[] };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    const original = originals[name];
    process[name].write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string') return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      captured[name].push(chunk);
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    } as typeof process.stdout.write;
  }
  try {
    const code = await main(argv);
    return { code, stdout: captured.stdout.join(''), stderr: captured.stderr.join('') };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}

const ERROR_PREFIX = 'latentlab: error: ';
const stripColor = (text: string) => text.replace(/\u001b\[(?:31|39)m/g, '');

/** Checks main's outcome: 0, 1 with a clear message naming one of `names`, or 2 (syntax, named by the parser). */
function checkMainResult(r: { code: number; stderr: string }, names: readonly string[], what: string): void {
  const shown = `${what}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
  assert.ok([0, 1, 2].includes(r.code), `exit code ${r.code}: ${shown}`);
  assert.ok(!hasStackTrace(r.stderr), `stack trace on stderr: ${shown}`);
  if (r.code === 1) {
    const text = stripColor(r.stderr);
    const at = text.lastIndexOf(ERROR_PREFIX);
    assert.ok(at >= 0, `exit code 1 without "${ERROR_PREFIX}": ${shown}`);
    checkMessage(text.slice(at + ERROR_PREFIX.length).replace(/\n$/, ''), names, what);
  }
  if (r.code === 2) assert.match(r.stderr, /error: /, `exit code 2 without a message: ${shown}`);
}

// ---------------------------------------------------------------------------
// Generic damage: bytes and JSON

/** Awkward strings: an embedded line that looks like a stack frame, control characters, empty, long, special keys. */
const NASTY_STRINGS = ['', ' ', '\n    at evil (x.js:1:1)', 'a\r\nb', '\u0000', '\u001b[31mred', '\u2028', 'x'.repeat(5000), '__proto__', 'constructor', 'NaN', '-1', '1e309', '../../../etc', 'é☃𝄞'];
/** Awkward numbers, written into JSON as raw tokens (1e309 parses to Infinity). */
const NASTY_NUMBERS = ['0', '-0', '-1', '1', '0.5', '-1e-300', '1e-320', '1e300', '1e309', '-1e309', '2147483647', '2147483648', '4294967296', '9007199254740993', '1e15', '3.7'];

const RAW = '\u0000RAW:';
/** A value that JSON.stringify writes as the raw token `text` (see toJson). */
const raw = (text: string) => `${RAW}${text}\u0000`;
/** JSON text of `value`, with raw tokens (e.g. 1e309) in place. */
function toJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? '').replace(/"\\u0000RAW:([^"\\]*)\\u0000"/g, '$1');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A replacement value for a JSON field: random JSON, awkward numbers and strings, wrong types. */
const jsonReplacementArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...NASTY_NUMBERS).map(raw),
  fc.constantFrom(...NASTY_STRINGS),
  fc.constantFrom(null, true, false, [], {}, [1, 2], { kind: 'x' }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A change to a parsed JSON document: at a random path, replace, delete or add a key. */
type JsonEdit = { path: number[]; action: 'replace' | 'delete' | 'add'; key: string; value: unknown };
const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  action: fc.constantFrom('replace', 'replace', 'delete', 'add') as fc.Arbitrary<JsonEdit['action']>,
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'model', 'kind', 'shape', 'epoch')),
  value: jsonReplacementArb,
});

/** Applies `edit` to a copy of `doc`: walks down by the path's choices, then changes one child. */
function applyJsonEdit(doc: Json, edit: JsonEdit): unknown {
  const root: unknown = structuredClone(doc);
  let parent: unknown = root;
  let key: string | number | undefined;
  for (const choice of edit.path) {
    const current = key === undefined ? parent : (parent as Record<string | number, unknown>)[key];
    if (!current || typeof current !== 'object') break;
    const keys = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
    if (keys.length === 0) break;
    if (key !== undefined) parent = current;
    key = keys[choice % keys.length];
  }
  if (key === undefined) return edit.action === 'delete' ? undefined : edit.value;
  const container = parent as Record<string | number, unknown>;
  if (edit.action === 'delete') {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key];
  } else if (edit.action === 'add' && !Array.isArray(container)) {
    Object.defineProperty(container, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true });
  } else {
    container[key] = edit.value;
  }
  return root;
}

/** Damage to one file's bytes. */
type ByteDamage =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: [number, number][] }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'empty' }
  | { kind: 'random'; bytes: Uint8Array };

const byteDamageArb: fc.Arbitrary<ByteDamage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...NASTY_STRINGS, '"', '}', ']', ',', '\n') }),
  fc.record({ kind: fc.constant('empty' as const) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 128 }) }),
);

function damageBytes(bytes: Uint8Array, damage: ByteDamage): Uint8Array {
  switch (damage.kind) {
    case 'truncate': return bytes.slice(0, bytes.length === 0 ? 0 : damage.at % bytes.length);
    case 'flip': {
      const out = bytes.slice();
      if (out.length) for (const [at, value] of damage.flips) out[at % out.length] = value;
      return out;
    }
    case 'append': return Buffer.concat([bytes, damage.bytes]);
    case 'insert': {
      const at = damage.at % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(damage.text), bytes.subarray(at)]);
    }
    case 'empty': return new Uint8Array(0);
    case 'random': return damage.bytes;
  }
}

// ---------------------------------------------------------------------------
// 1. IDX files

const IDX_DTYPES: IdxDtype[] = ['ubyte', 'sbyte', 'int16', 'int32', 'float32', 'float64'];
const IDX_CODES = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e];
const TYPED_ARRAYS = { ubyte: Uint8Array, sbyte: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array } as const;

/** Values an IDX array of `dtype` can hold, with the awkward ones (NaN, ±∞, huge, negative) likely. */
function idxValueArb(dtype: IdxDtype): fc.Arbitrary<number> {
  switch (dtype) {
    case 'ubyte': return fc.integer({ min: 0, max: 255 });
    case 'sbyte': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'int32': return fc.oneof(fc.integer({ min: -3, max: 12 }), fc.integer());
    case 'float32': return fc.oneof(fc.constantFrom(0, 0.5, 1, -1, 2.5, 1e10, 2 ** 31, 2 ** 32 + 1, NaN, Infinity), fc.float());
    case 'float64': return fc.oneof(fc.constantFrom(0, 0.5, 1, -1, 2.5, 1e10, 2 ** 31, 2 ** 32 + 1, 2 ** 53 + 2, NaN, -Infinity), fc.double());
  }
}

/** A valid IDX array: any type, `ndims` dimensions of at most 6 (0 allowed), random values. */
function idxArrayArb(ndims: fc.Arbitrary<number>, maxDim = 6): fc.Arbitrary<IdxArray> {
  return fc.tuple(fc.constantFrom(...IDX_DTYPES), ndims.chain((n) => fc.array(fc.integer({ min: 0, max: maxDim }), { minLength: n, maxLength: n })))
    .chain(([dtype, shape]) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return fc.array(idxValueArb(dtype), { minLength: count, maxLength: count }).map((values) => {
        const data = TYPED_ARRAYS[dtype].from(values);
        return { dtype, shape, data } as IdxArray;
      });
    });
}

/** Damage specific to IDX: header fields, a re-encoded body, and the generic byte damage. */
type IdxDamage =
  | ByteDamage
  | { kind: 'dim'; index: number; value: number }
  | { kind: 'type'; code: number }
  | { kind: 'ndims'; value: number }
  | { kind: 'reencode'; array: IdxArray }
  | { kind: 'retype'; dtype: IdxDtype; values: number[] }
  | { kind: 'poke'; dtype: IdxDtype; at: number; value: number };

/** Awkward values for one element: a label or a pixel that is negative, fractional, huge, not a number, just past the range. */
const AWKWARD_VALUES = [-1, 0.5, 3, 200, 255, 256, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 1e10, 2 ** 53 + 2, NaN, Infinity, -0, 1.0000001];

const idxDamageArb: fc.Arbitrary<IdxDamage> = fc.oneof(
  byteDamageArb,
  fc.record({ kind: fc.constant('dim' as const), index: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000, 2 ** 24)) }),
  fc.record({ kind: fc.constant('type' as const), code: fc.oneof(fc.constantFrom(...IDX_CODES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('ndims' as const), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('reencode' as const), array: idxArrayArb(fc.integer({ min: 1, max: 4 })) }),
  // The same values in another type, one of them replaced by an awkward one.
  fc.record({ kind: fc.constant('poke' as const), dtype: fc.constantFrom<IdxDtype>('float64', 'float32', 'int32', 'int16', 'sbyte', 'ubyte'), at: fc.nat(), value: fc.constantFrom(...AWKWARD_VALUES) }),
  // The same shape in another type, with awkward values (float or negative labels, huge ones, pixels outside [0, 1]).
  fc.constantFrom(...IDX_DTYPES).chain((dtype) => fc.record({
    kind: fc.constant('retype' as const), dtype: fc.constant(dtype), values: fc.array(idxValueArb(dtype), { minLength: 1, maxLength: 6 }),
  })),
);


function damageIdx(bytes: Uint8Array, damage: IdxDamage): Uint8Array {
  switch (damage.kind) {
    case 'dim': {
      const out = bytes.slice();
      const ndims = out.length >= 4 ? out[3] : 0;
      if (ndims === 0 || out.length < 4 + 4 * ndims) return out;
      new DataView(out.buffer).setUint32(4 + 4 * (damage.index % ndims), damage.value);
      return out;
    }
    case 'type': {
      const out = bytes.slice();
      if (out.length > 2) out[2] = damage.code;
      return out;
    }
    case 'ndims': {
      const out = bytes.slice();
      if (out.length > 3) out[3] = damage.value;
      return out;
    }
    case 'reencode': return encodeIdx(damage.array);
    case 'poke': {
      let array: IdxArray;
      try {
        array = parseIdx(bytes);
      } catch {
        return bytes;
      }
      const values = Array.from(array.data as ArrayLike<number>);
      if (values.length) values[damage.at % values.length] = damage.value;
      return encodeIdx({ dtype: damage.dtype, shape: array.shape, data: TYPED_ARRAYS[damage.dtype].from(values) } as IdxArray);
    }
    case 'retype': {
      let shape: number[];
      try {
        shape = parseIdx(bytes).shape;
      } catch {
        return bytes;
      }
      const count = shape.reduce((a, b) => a * b, 1);
      const data = TYPED_ARRAYS[damage.dtype].from(Array.from({ length: count }, (_, i) => damage.values[i % damage.values.length]));
      return encodeIdx({ dtype: damage.dtype, shape, data } as IdxArray);
    }
    default: return damageBytes(bytes, damage);
  }
}

const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;
const SMALL_IDX = syntheticIdxFiles({ train: 12, test: 6, rows: 4, cols: 3, classes: 3 });
const SMALL_IDX_BYTES: Record<(typeof IDX_FILES)[number], Uint8Array> = {
  'train-images-idx3-ubyte': SMALL_IDX.trainImages, 'train-labels-idx1-ubyte': SMALL_IDX.trainLabels!,
  't10k-images-idx3-ubyte': SMALL_IDX.testImages, 't10k-labels-idx1-ubyte': SMALL_IDX.testLabels!,
};

/** What happens to one file of an IDX folder. */
type FileFate = { kind: 'damage'; damage: IdxDamage } | { kind: 'missing' } | { kind: 'folder' };
const fileFateArb: fc.Arbitrary<FileFate> = fc.oneof(
  { weight: 8, arbitrary: idxDamageArb.map((damage) => ({ kind: 'damage' as const, damage })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'missing' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'folder' as const }) },
);

/** Valid files of each format --data reads besides IDX, made once. */
function formatSamples(): Record<string, { name: string; bytes: Uint8Array }[]> {
  const png = (k: number) => {
    const c = createCanvas(6, 5);
    const ctx = c.getContext('2d');
    ctx.fillStyle = k % 2 ? '#c03020' : '#2030c0';
    ctx.fillRect(k % 4, 1, 2, 2);
    return new Uint8Array(c.toBuffer('image/png'));
  };
  const images = Float32Array.from({ length: 12 * 20 }, (_, i) => (i % 7) / 6);
  const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
  const csv = ['a,b,c,kind', ...Array.from({ length: 12 }, (_, i) => `${i},${(i * 0.37).toFixed(2)},-${i % 5},k${i % 2}`)].join('\n');
  return {
    npy: [{ name: 'x.npy', bytes: encodeNpy(images, [12, 4, 5]) }],
    npz: [{ name: 'x.npz', bytes: zipSync({ 'x.npy': encodeNpy(images, [12, 20]), 'y.npy': encodeNpy(labels, [12]) }) }],
    csv: [{ name: 'x.csv', bytes: new TextEncoder().encode(csv) }],
    images: Array.from({ length: 6 }, (_, k) => ({ name: `${k % 2 ? 'red' : 'blue'}/${k}.png`, bytes: png(k) })),
  };
}

describe('fuzz: .npy, .npz, CSV and image folders', { timeout: 120_000 }, () => {
  test('loadDataSplits on damaged files of every format: usable splits, or an error naming the file or folder', () => {
    const samples = formatSamples();
    const seen = { loaded: 0, refused: 0 };
    fc.assert(fc.property(fc.constantFrom(...Object.keys(samples)), fc.nat(5), byteDamageArb, fc.boolean(), (format, which, damage, labelColumn) => {
      const dir = caseDir(`format-${format}`);
      const files = samples[format];
      const target = files[which % files.length];
      for (const f of files) {
        mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
        writeFileSync(path.join(dir, f.name), f === target ? damageBytes(f.bytes, damage) : f.bytes);
      }
      const source = format === 'images' ? dir : path.join(dir, target.name);
      const options = format === 'csv' && labelColumn ? { labelColumn: 'kind' } : {};
      const what = `loadDataSplits(${format}, ${JSON.stringify(damage)}, ${target.name})`;
      const splits = outcome(() => loadDataSplits(source, options), [source, target.name, path.basename(source)], what);
      seen[splits ? 'loaded' : 'refused']++;
      if (!splits) return;
      for (const split of [splits.train, splits.test]) {
        assert.ok(split.size >= 1 && split.x.length === split.size * split.dim, `${what}: ${split.name} has ${split.size} examples, ${split.x.length} values`);
        assert.ok(split.x.every(Number.isFinite), `${what}: a value that is not finite`);
        if (split.values === 'unit') assert.ok(split.x.every((v) => v >= 0 && v <= 1), `${what}: 'unit' values outside [0, 1]`);
        if (split.labels) assert.ok(split.labels.every((l) => l >= 0 && l < split.numClasses!), `${what}: a label outside 0..${split.numClasses! - 1}`);
      }
    }), params(105, 400));
    assert.ok(seen.loaded > 0 && seen.refused > 0, `the files did not both load and fail: ${JSON.stringify(seen)}`);
  });
});

describe('fuzz: IDX files', { timeout: 60_000 }, () => {
  test('parseIdx on random bytes and damaged files: an array that fits its header, or a DataError naming the source', () => {
    const valid = idxArrayArb(fc.integer({ min: 1, max: 3 })).map((a) => encodeIdx(a));
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(valid, idxDamageArb).map(([bytes, damage]) => damageIdx(bytes, damage)),
      fc.tuple(valid, fc.array(idxDamageArb, { minLength: 2, maxLength: 4 })).map(([bytes, damages]) => damages.reduce(damageIdx, bytes)),
    );
    fc.assert(fc.property(input, (bytes) => {
      const array = outcome(() => parseIdx(bytes, 'fuzz.idx'), ['fuzz.idx'], `parseIdx(${Buffer.from(bytes.subarray(0, 48)).toString('hex')}…, ${bytes.length} bytes)`);
      if (array) {
        assert.equal(array.data.length, array.shape.reduce((a, b) => a * b, 1));
        assert.ok(array.shape.length >= 1 && IDX_DTYPES.includes(array.dtype));
      }
    }), params(101, 1500));
  });

  test('encodeIdx then parseIdx gives the array back', () => {
    fc.assert(fc.property(idxArrayArb(fc.integer({ min: 1, max: 4 })), (array) => {
      const back = parseIdx(encodeIdx(array));
      assert.equal(back.dtype, array.dtype);
      assert.deepEqual(back.shape, array.shape);
      assert.deepEqual(Array.from(back.data as ArrayLike<number>), Array.from(array.data as ArrayLike<number>));
    }), params(102, 300));
  });

  test('expectIdx with random expectations: the array it promises, or a DataError naming the file', () => {
    const expectation = fc.record({
      dtype: fc.option(fc.constantFrom(...IDX_DTYPES), { nil: undefined }),
      ndims: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      shape: fc.option(fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }), { maxLength: 4 }), { nil: undefined }),
    }, { requiredKeys: [] });
    const bytes = fc.tuple(idxArrayArb(fc.integer({ min: 1, max: 3 })), fc.option(idxDamageArb, { nil: undefined }))
      .map(([a, damage]) => (damage ? damageIdx(encodeIdx(a), damage) : encodeIdx(a)));
    fc.assert(fc.property(bytes, expectation, (b, want) => {
      const array = outcome(() => expectIdx(b, 'labels.idx', want), ['labels.idx'], `expectIdx(…, ${JSON.stringify(want)})`);
      if (!array) return;
      if (want.dtype) assert.equal(array.dtype, want.dtype);
      const ndims = want.ndims ?? want.shape?.length;
      if (ndims !== undefined) assert.equal(array.shape.length, ndims);
      want.shape?.forEach((d, i) => d === null || assert.equal(array.shape[i], d));
    }), params(103, 800));
  });

  test('loadDataSplits on a damaged folder of the four MNIST-style files: usable splits, or an error naming the folder', () => {
    const folder = path.join(TMP, 'idx-folder', 'digits');
    const fates = fc.dictionary(fc.constantFrom(...IDX_FILES), fileFateArb, { minKeys: 1, maxKeys: 4 });
    const seen = { loaded: 0, refused: 0 };
    fc.assert(fc.property(fates, fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), (plan, limit) => {
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      const written: Partial<Record<string, Uint8Array>> = {};
      for (const file of IDX_FILES) {
        const fate = plan[file];
        const target = path.join(folder, file);
        if (fate?.kind === 'missing') continue;
        if (fate?.kind === 'folder') {
          mkdirSync(target);
          continue;
        }
        written[file] = fate ? damageIdx(SMALL_IDX_BYTES[file], fate.damage) : SMALL_IDX_BYTES[file];
        writeFileSync(target, written[file]!);
      }
      const what = `loadDataSplits with ${describePlan(plan)}`;
      const splits = outcome(() => loadDataSplits(folder, { trainLimit: limit, testLimit: limit }), [folder, 'digits/'], what);
      seen[splits ? 'loaded' : 'refused']++;
      if (!splits) return;
      const { train, test } = splits;
      assert.ok(train.size >= 1 && test.size >= 1, 'a split without examples');
      assert.deepEqual(train.shape, test.shape);
      // Without t10k images, a fixed fraction of the training file is held out for testing.
      const heldOut = !written['t10k-images-idx3-ubyte'];
      assert.equal(splits.heldOut !== undefined, heldOut, `${what}: held out ${splits.heldOut} with${heldOut ? 'out' : ''} a test file`);
      for (const [split, prefix] of [[train, 'train'], [test, heldOut ? 'train' : 't10k']] as const) {
        // What was loaded is what the files hold: pixels scaled to [0, 1] (ubyte / 255), other numbers as they are, labels as they are.
        const images = parseIdx(written[`${prefix}-images-idx3-ubyte`]!);
        const scale = images.dtype === 'ubyte' ? 255 : 1;
        const dim = split.dim;
        const fileRows = images.shape[0];
        assert.equal(split.x.length, split.size * dim);
        if (!heldOut) assert.equal(split.size, Math.min(fileRows, limit ?? Infinity));
        const labelBytes = written[`${prefix}-labels-idx1-ubyte`];
        assert.equal(!!split.labels, !!labelBytes, `${what}: labels loaded without a label file, or the other way round`);
        const labels = labelBytes ? parseIdx(labelBytes).data as ArrayLike<number> : undefined;
        for (let r = 0; r < split.size; r++) {
          // The row of the file this example is: the same position, or (held out) some row with the same values and label.
          const matches = (f: number) => Array.from({ length: dim }, (_, j) => j).every((j) => Math.abs(split.x[r * dim + j] - Number(images.data[f * dim + j]) / scale) < 1e-6 * Math.max(1, Math.abs(Number(images.data[f * dim + j]))))
            && (!labels || split.labels![r] === Number(labels[f]));
          const row = heldOut ? Array.from({ length: fileRows }, (_, f) => f).find(matches) : (matches(r) ? r : undefined);
          assert.ok(row !== undefined, `${what}: example ${r} of ${split.name} is not ${heldOut ? 'a row' : 'row ' + r} of ${prefix}-images-idx3-ubyte`);
          if (images.dtype === 'ubyte') for (let j = 0; j < dim; j++) assert.ok(split.x[r * dim + j] >= 0 && split.x[r * dim + j] <= 1);
          if (split.labels) assert.ok(split.labels[r] < split.numClasses!, `${what}: label ${r} loaded as ${split.labels[r]} of ${split.numClasses} classes`);
        }
      }
    }), params(104, 600));
    assert.ok(seen.loaded > 0 && seen.refused > 0, `the folders did not both load and fail: ${JSON.stringify(seen)}`);
  });
});

function describePlan(plan: Partial<Record<string, FileFate>>): string {
  return JSON.stringify(plan, (_, v) => (ArrayBuffer.isView(v) ? `<${(v as Uint8Array).length} bytes>` : v));
}

// ---------------------------------------------------------------------------
// 2. Prior sample files

/** A .npy file: magic, version, header length, header text, body. */
function npyBytes(header: string, body: Uint8Array, major = 1): Buffer {
  const text = Buffer.from(header, 'latin1');
  const prefix = Buffer.alloc(major === 1 ? 10 : 12);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = major;
  if (major === 1) prefix.writeUInt16LE(text.length, 8);
  else prefix.writeUInt32LE(text.length, 8);
  return Buffer.concat([prefix, text, body]);
}

const npyHeader = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${shape}), }`.padEnd(118, ' ') + '\n';

/** Damage to a .npy file's parts. */
const npyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // A header built from random parts.
  fc.record({
    descr: fc.oneof(fc.constantFrom('<f4', '<f8', '>f4', '<i4', '|u1', '<f2', 'O', ''), fc.string({ maxLength: 12 }), fc.constantFrom(...NASTY_STRINGS)),
    shape: fc.oneof(fc.constantFrom('5, 2', '2,', '', '0, 2', '-1, 2', '5, 2, 1', '1e309, 2', 'x, 2', '4294967296, 2', '5 , 2'), fc.string({ maxLength: 12 })),
    fortran: fc.constantFrom('False', 'True', 'Maybe'),
    rows: fc.integer({ min: 0, max: 6 }),
    width: fc.constantFrom(4, 8),
    major: fc.constantFrom(1, 2, 3, 0),
    values: fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity)), { maxLength: 12 }),
  }).map(({ descr, shape, fortran, rows, width, major, values }) => {
    const body = width === 4 ? new Float32Array(rows * 2) : new Float64Array(rows * 2);
    values.forEach((v, i) => { if (i < body.length) body[i] = v; });
    return npyBytes(npyHeader(descr, shape, fortran), new Uint8Array(body.buffer), major);
  }),
  // Random header text.
  fc.tuple(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 80 }), fc.constantFrom(1, 2)).map(([header, body, major]) => npyBytes(header, body, major)),
  // A valid file, damaged.
  fc.tuple(fc.constantFrom(1, 2), byteDamageArb).map(([major, damage]) => damageBytes(npyBytes(npyHeader('<f4', '5, 2'), new Uint8Array(new Float32Array(10).fill(0.5).buffer), major), damage)),
  // Version 2 (or anything else) with too short a file.
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.constantFrom(1, 2, 3, 255)).map(([length, major]) => {
    const b = Buffer.alloc(length);
    b.write('\x93NUMPY', 0, 'latin1');
    if (length > 6) b[6] = major;
    return b;
  }),
);

/** A .json prior file: random JSON, rows of awkward numbers, or damaged valid rows. */
const priorJsonArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(toJson(v))),
  fc.array(fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...NASTY_NUMBERS).map(raw)), { maxLength: 3 }), { maxLength: 5 }).map((rows) => Buffer.from(toJson(rows))),
  jsonEditArb.map((edit) => Buffer.from(toJson(applyJsonEdit([[0.1, 0.2], [1, -2], [3, 4]], edit)))),
  byteDamageArb.map((damage) => damageBytes(Buffer.from('[[0.1, 0.2], [1, -2], [3, 4]]'), damage)),
);

/** An IDX prior file: random arrays and damaged valid ones. */
const priorIdxArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  idxArrayArb(fc.integer({ min: 1, max: 3 })).map((a) => encodeIdx(a)),
  idxDamageArb.map((damage) => damageIdx(encodeIdx({ dtype: 'float32', shape: [4, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) }), damage)),
);

describe('fuzz: prior sample files', { timeout: 60_000 }, () => {
  const config = (file: string, latentDim: number) => resolveConfig({ model: 'aae', latentDim, prior: { kind: 'samples', file } });

  test('loadPriorResources on damaged .npy, .json and IDX files: finite samples of the latent width, or an error naming the file', () => {
    const dir = caseDir('prior');
    const fileArb = fc.oneof(
      npyArb.map((bytes) => ({ ext: '.npy', bytes })),
      priorJsonArb.map((bytes) => ({ ext: '.json', bytes })),
      fc.tuple(priorIdxArb, fc.constantFrom('.idx', '')).map(([bytes, ext]) => ({ ext, bytes })),
      fc.constant({ ext: '.npy', bytes: null }),
      fc.constant({ ext: '.json', bytes: null }),
    );
    let n = 0;
    fc.assert(fc.property(fileArb, fc.constantFrom(1, 2, 3), ({ ext, bytes }, latentDim) => {
      const file = path.join(dir, `samples-${++n}${ext}`);
      if (bytes === null) mkdirSync(file); // a folder in place of the file
      else writeFileSync(file, bytes);
      const what = `loadPriorResources(${ext}: ${bytes === null ? 'a folder' : JSON.stringify(Buffer.from(bytes.subarray(0, 160)).toString('latin1'))}, latentDim ${latentDim})`;
      const resources = outcome(() => loadPriorResources(config(file, latentDim)), [file], what);
      if (resources) {
        const samples = resources.samples!;
        assert.ok(samples.length >= latentDim && samples.length % latentDim === 0, `${samples.length} values for latentDim ${latentDim}`);
        for (const v of samples) assert.ok(Number.isFinite(v));
      }
    }), params(201, 1500));
  });

  test('a prior file that is missing: an error naming it', () => {
    const file = path.join(TMP, 'no-such-samples.npy');
    assert.throws(() => loadPriorResources(config(file, 2)), (e) => {
      assertUserFailure(e, [file], 'missing prior file');
      return true;
    });
  });
});

// ---------------------------------------------------------------------------
// 3. JSON configs

const PRESETS = readdirSync(path.join(REPO_ROOT, 'presets')).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'presets', f), 'utf8')) as Json);

/** Configs to damage: the shipped presets and a full config of every model. */
const BASE_CONFIGS: Json[] = [
  ...PRESETS,
  ...(['vae', 'aae', 'semi-supervised-aae', 'clustering-aae'] as const).map((model) => JSON.parse(JSON.stringify(resolveConfig({ model }))) as Json),
  JSON.parse(JSON.stringify(resolveConfig({ model: 'aae', prior: { kind: 'gaussian-mixture', means: [[0, 1], [1, 0]] }, labels: { use: 'prior', classes: 2, fraction: 0.5 } }))) as Json,
];

const configEditsArb = fc.tuple(fc.constantFrom(...BASE_CONFIGS), fc.array(jsonEditArb, { minLength: 1, maxLength: 3 }))
  .map(([base, edits]) => edits.reduce<unknown>((doc, edit) => applyJsonEdit(doc as Json, edit), base));

describe('fuzz: JSON configs', { timeout: 60_000 }, () => {
  const flags = (config: string): TrainFlags => ({ config, backend: 'wasm', out: TMP });

  test('resolveConfig and resolveStoredConfig on random JSON values and damaged configs: a config, or a ConfigError naming the source', () => {
    const value = fc.oneof(fc.jsonValue(), configEditsArb);
    fc.assert(fc.property(value, (input) => {
      const what = `config ${toJson(input).slice(0, 600)}`;
      const config = outcome(() => resolveConfig(input, 'my-config.json'), ['my-config.json'], what);
      if (config) assert.ok(Object.isFrozen(config) && typeof config.model === 'string');
      outcome(() => resolveStoredConfig(input, 'config.json'), ['config.json'], `stored ${what}`);
    }), params(301, 1000));
  });

  test('--config files with random JSON, damaged configs and damaged bytes (configFromFlags): a config, or an error naming the file', () => {
    const dir = caseDir('config');
    const text = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(toJson(v))),
      configEditsArb.map((v) => Buffer.from(toJson(v, 2))),
      fc.tuple(fc.constantFrom(...BASE_CONFIGS), byteDamageArb).map(([base, damage]) => damageBytes(Buffer.from(JSON.stringify(base, null, 2)), damage)),
      fc.constant(null), // a folder in place of the file
    );
    let n = 0;
    fc.assert(fc.property(text, (bytes) => {
      const file = path.join(dir, `c${++n}.json`);
      if (bytes === null) mkdirSync(file);
      else writeFileSync(file, bytes);
      const what = `--config ${bytes === null ? '(a folder)' : JSON.stringify(Buffer.from(bytes).toString('utf8').slice(0, 600))}`;
      outcome(() => readConfigFile(file), [file], `readConfigFile: ${what}`);
      const config = outcome(() => configFromFlags(flags(file)), [file], what);
      if (config) assert.ok(Object.isFrozen(config));
    }), params(302, 600));
  });

  test('a --config file that is missing: an error naming it', () => {
    const file = path.join(TMP, 'no-such-config.json');
    assert.throws(() => configFromFlags(flags(file)), (e) => {
      assertUserFailure(e, [file], 'missing config');
      return true;
    });
  });
});

// ---------------------------------------------------------------------------
// A data folder and two tiny real runs (VAE and AAE), trained once

const DATA_DIR = path.join(TMP, 'data8');
const RUNS_DIR = path.join(TMP, 'runs');
const BASE_RUNS = ['vae', 'aae'] as const;
const runFilesOf: Record<string, string[]> = {};
const phasesOf: Record<string, string[]> = {};
/** Every number in a base run's JSON files (config, manifest, checkpoint pointer, optimizer state), at most 3 keys deep. */
const numbersOf: Record<string, { file: string; at: (string | number)[] }[]> = {};

function numberPaths(doc: Json, at: (string | number)[] = []): (string | number)[][] {
  if (typeof doc === 'number') return [at];
  if (!doc || typeof doc !== 'object' || at.length >= 3) return [];
  return Object.entries(doc).flatMap(([k, v]) => numberPaths(v, [...at, Array.isArray(doc) ? Number(k) : k]));
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
    : [`${prefix}${e.name}`]));
}

let baseReady: Promise<void> | undefined;
/** Trains the two base runs (once, for every suite that needs them). */
function prepareBaseRuns(): Promise<void> {
  baseReady ??= (async () => {
    await setupBackend();
    writeIdxFolder(DATA_DIR, syntheticIdxFiles({ train: 200, test: 100, rows: 8, cols: 8, classes: 4 }));
    const common = ['--data', DATA_DIR, '--train-limit', '200', '--test-limit', '100', '--epochs', '1', '--latent-dim', '2', '--hidden', '16', '--batch-size', '50', '--out', RUNS_DIR, '-q', '--backend', 'wasm'];
    for (const [name, extra] of [['vae', []], ['aae', ['--model', 'aae', '--discriminator-hidden', '8', '--prior', 'gaussian-mixture', '--prior-components', '4', '--labels', 'prior', '--classes', '4']]] as const) {
      const r = await runMain(['train', ...common, '--name', name, ...extra]);
      assert.equal(r.code, 0, `training the base ${name} run failed:\n${r.stderr}`);
      const dir = path.join(RUNS_DIR, name);
      // The figures are written, never read: they are left out of the copies.
      for (const f of listFiles(dir)) if (f.endsWith('.png')) rmSync(path.join(dir, f));
      runFilesOf[name] = listFiles(dir);
      const checkpoint = JSON.parse(readFileSync(path.join(dir, 'checkpoints/latest.json'), 'utf8')) as { path: string };
      phasesOf[name] = readdirSync(path.join(dir, 'checkpoints', checkpoint.path)).flatMap((f) => /^(.+)\.optimizer\.json$/.exec(f)?.slice(1) ?? []);
      numbersOf[name] = runFilesOf[name].filter((f) => f.endsWith('.json') && !f.endsWith('model.json'))
        .flatMap((f) => numberPaths(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Json).map((at) => ({ file: f, at })));
      assert.ok(phasesOf[name].length >= 1, `no optimizer state in the ${name} run`);
    }
  })();
  return baseReady;
}

// ---------------------------------------------------------------------------
// 4. Random command-line flags

/** Values for a numeric flag: awkward text and random numbers. */
const numberTextArb = fc.oneof(
  fc.constantFrom('-1', '0', '1', '2', '3', 'NaN', '1e309', '', 'abc', '1,2,,3', '0x10', '1.5', '-0', '+3', ' 7 ', 'Infinity', '9007199254740993', '1e-320', '0.001', '10', '1e3'),
  fc.integer({ min: -5, max: 5000 }).map(String),
  fc.double().map(String),
);
/** Values for a list-of-widths flag. */
const listTextArb = fc.oneof(
  fc.constantFrom('16', '8,8', '', '1,2,,3', '0', '-4', 'a', ' ', '16384,16384,16384', '1e3', '4, 4', ',', '99999'),
  fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 }).map((a) => a.join(',')),
);

/** Paths a flag can name: the synthetic data folder, missing and damaged files, a folder where a file belongs. */
const fuzzPaths = () => {
  const base = path.join(TMP, 'flag-files');
  return {
    base,
    priorOk: path.join(base, 'prior.json'),
    priorBad: path.join(base, 'prior-bad.npy'),
    configOk: path.join(base, 'config.json'),
    configBad: path.join(base, 'config-bad.json'),
    missing: path.join(base, 'missing.json'),
    folder: path.join(base, 'a-folder'),
    dataFile: path.join(DATA_DIR, 'train-images-idx3-ubyte'),
  };
};

function writeFlagFiles(): void {
  const p = fuzzPaths();
  mkdirSync(p.folder, { recursive: true });
  writeFileSync(p.priorOk, JSON.stringify([[0, 1], [1, 0], [0.5, 0.5]]));
  writeFileSync(p.priorBad, npyBytes(npyHeader('<f4', '3, 7'), new Uint8Array(12)));
  writeFileSync(p.configOk, JSON.stringify({ model: 'aae', latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] } }));
  writeFileSync(p.configBad, '{"latentDim": "two",');
}

const pathArb = () => {
  const p = fuzzPaths();
  return fc.constantFrom(DATA_DIR, p.priorOk, p.priorBad, p.configOk, p.configBad, p.missing, p.folder, p.dataFile, '', 'mnist');
};

/** One random flag and its value(s), as argv entries. `small`: only sizes that train in well under a second. */
function flagArb(small: boolean): fc.Arbitrary<string[]> {
  /** A flag's value: a valid one three times in four (so that flags combine into configs worth checking), else an awkward one. */
  const value = (flag: string, valid: fc.Arbitrary<string>, awkward: fc.Arbitrary<string> = numberTextArb) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: awkward }).map((v) => [flag, v]);
  const int = (flag: string, min: number, max: number) => value(flag, fc.integer({ min, max }).map(String), numberTextArb.filter((v) => !small || !(Number(v) > max)));
  const float = (flag: string, max: number) => value(flag, fc.oneof(fc.double({ min: 0, max, noNaN: true }), fc.constantFrom(0, max / 10, max)).map(String));
  const list = (flag: string) => value(flag, fc.array(fc.integer({ min: 1, max: 32 }), { minLength: 1, maxLength: 2 }).map((a) => a.join(',')),
    small ? listTextArb.filter((v) => v.split(',').every((w) => !(Number(w) > 64))) : listTextArb);
  const choice = (flag: string, ...choices: string[]) => value(flag, fc.constantFrom(...choices), fc.constantFrom('', 'bogus', 'VAE', '--epochs'));
  const pathFlag = (flag: string) => pathArb().filter((p) => !small || p !== 'mnist').map((v) => [flag, v]);
  return fc.oneof(
    choice('--model', 'vae', 'aae', 'wae', 'semi-supervised-aae', 'clustering-aae'),
    pathFlag('--config'),
    choice('--preset', 'quick', 'canonical', 'aae-paper'),
    int('--latent-dim', 1, 8), list('--hidden'), list('--encoder-hidden'), list('--decoder-hidden'),
    choice('--activation', 'relu', 'tanh', 'elu', 'sigmoid'),
    choice('--likelihood', 'bernoulli', 'gaussian'),
    value('--variance', fc.oneof(fc.constant('learned'), fc.double({ min: 1e-3, max: 1, noNaN: true }).map(String))),
    choice('--prior', 'standard-normal', 'gaussian-mixture', 'swiss-roll', 'uniform'),
    pathFlag('--prior-file'),
    int('--prior-components', 1, 12), float('--prior-radius', 10), float('--prior-std', 2),
    list('--discriminator-hidden'), int('--discriminator-steps', 1, 3), float('--discriminator-lr', 0.1),
    choice('--generator', 'joint', 'separate'), float('--generator-weight', 20), float('--generator-lr', 0.1), float('--input-noise', 1),
    choice('--encoder', 'deterministic', 'gaussian'), float('--mmd-weight', 1000),
    choice('--labels', 'none', 'prior', 'conditional'),
    float('--labelled-fraction', 1), int('--classes', 1, 12), int('--labelled', 1, 50), int('--clusters', 2, 12),
    int('--batch-size', 1, 256), float('--clip-grad-norm', 10), int('--lr-drop', 2, 5), float('--lr', 0.1), float('--beta', 4), float('--kl-warmup', 3),
    choice('--binarize', 'none', 'dynamic'),
    pathFlag('--data'),
    int('--seed', 0, 1000),
    choice('--backend', 'wasm', 'auto', 'tensorflow'),
    fc.constantFrom<string[]>(['--quiet'], ['--no-such-flag'], ['extra-argument'], ['--epochs'], ['--resume', path.join(TMP, 'no-such-run')]),
  );
}

/** Names an error about flags may give: a flag, or a path a flag gave (as given or made absolute). */
function flagNames(argv: readonly string[]): string[] {
  const values = argv.filter((a) => a !== '' && !a.startsWith('-'));
  return ['--', ...values, ...values.map((a) => path.resolve(a))];
}

describe('fuzz: random command-line flags', { timeout: 120_000 }, () => {
  before(async () => {
    await prepareBaseRuns();
    writeFlagFiles();
  });

  test('train flags parsed and turned into a config, data and prior read (no training): exit 0, 1 or 2, never an internal error', async () => {
    const argvArb = fc.array(flagArb(false), { maxLength: 6 }).map((flags) => ['--data', DATA_DIR, ...flags.flat()]);
    const codes = new Map<number, number>();
    await fc.assert(fc.asyncProperty(argvArb, async (argv) => {
      const errors: string[] = [];
      const command = trainCommand().exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} });
      command.action(async (flags: TrainFlags) => {
        const config = configFromFlags(flags);
        const splits = loadDataSplits(config.data.source, config.data);
        assert.ok(splits.train.size >= 1);
        loadPriorResources(config);
      });
      let code = 0;
      let message = '';
      try {
        await command.parseAsync(argv, { from: 'user' });
      } catch (e) {
        const commanderError = (e as { code?: unknown }).code;
        if (typeof commanderError === 'string' && commanderError.startsWith('commander.')) {
          code = 2;
        } else {
          const failure = describeFailure(e);
          if (failure.internal) assert.fail(`train ${argv.join(' ')}: an internal error:\n${failure.message}`);
          code = failure.exitCode;
          message = failure.message;
        }
      }
      if (code === 1) checkMessage(message, flagNames(argv), `train ${argv.join(' ')}`);
      if (code === 2) assert.ok(errors.join('').includes('error:'), `train ${argv.join(' ')}: a syntax error without a message`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }), params(501, 1000));
    assert.ok(codes.get(0) && codes.get(1) && codes.get(2), `the flags did not give every outcome: ${JSON.stringify([...codes])}`);
  });

  test('train through main with random flags (one short epoch): exit 0, 1 or 2, never 70 or an exception', async () => {
    let n = 0;
    const argvArb = fc.array(flagArb(true), { maxLength: 5 }).map((flags) => flags.flat());
    const codes = new Map<number, number>();
    await fc.assert(fc.asyncProperty(argvArb, async (flags) => {
      const out = path.join(TMP, 'flag-runs');
      const argv = ['train', '--data', DATA_DIR, '--hidden', '16', ...flags,
        '--epochs', '1', '--train-limit', '100', '--test-limit', '50', '--out', out, '--name', `f${++n}`, '-q'];
      const r = await runMain(argv);
      checkMainResult(r, flagNames(argv), argv.join(' '));
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      rmSync(path.join(out, `f${n}`), { recursive: true, force: true });
    }), params(502, 100, 60_000));
    assert.ok(codes.get(0) && (codes.get(1) || codes.get(2)), `the flags did not both train and fail: ${JSON.stringify([...codes])}`);
  });
});

// ---------------------------------------------------------------------------
// 5. Safetensors (what `export` writes; the page and other tools read it)

describe('fuzz: safetensors', () => {
  test('decodeSafetensors on damaged files: tensors that fit, or a SafetensorsError naming the source', async () => {
    await prepareBaseRuns();
    const out = path.join(TMP, 'export-for-fuzz');
    const r = await runMain(['export', path.join(RUNS_DIR, 'vae'), '--backend', 'wasm', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const valid = readFileSync(path.join(out, 'model.safetensors'));
    const headerLength = Number(valid.readBigUInt64LE(0));
    const header = JSON.parse(valid.subarray(8, 8 + headerLength).toString('utf8')) as Json;
    const withHeader = (doc: unknown) => {
      const json = Buffer.from(toJson(doc));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([length, json, valid.subarray(8 + headerLength)]);
    };
    const input = fc.oneof(
      byteDamageArb.map((damage) => damageBytes(valid, damage)),
      fc.array(jsonEditArb, { minLength: 1, maxLength: 3 }).map((edits) => withHeader(edits.reduce<unknown>((d, e) => applyJsonEdit(d as Json, e), header))),
      fc.jsonValue().map(withHeader),
    );
    fc.assert(fc.property(input, (bytes) => {
      const file = outcome(() => decodeSafetensors(bytes, 'model.safetensors'), ['model.safetensors'], `decodeSafetensors(${bytes.length} bytes)`);
      for (const t of Object.values(file?.tensors ?? {})) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
    }), params(601, 500));
  });
});

// ---------------------------------------------------------------------------
// 6. Run folders: one damaged file, a changed number, an edited config
// (last: a run folder the loaders mishandle can leave the TF.js backend unusable for what follows)

/** What happens to the one damaged file of a run folder. */
type RunDamage =
  | { kind: 'bytes'; damage: ByteDamage }
  | { kind: 'json'; edits: JsonEdit[] }
  | { kind: 'randomJson'; value: unknown }
  | { kind: 'line'; line: number; edit: JsonEdit }
  | { kind: 'nonFinite'; index: number; value: number }
  | { kind: 'delete' }
  | { kind: 'folder' };

const runDamageArb: fc.Arbitrary<RunDamage> = fc.oneof(
  { weight: 4, arbitrary: byteDamageArb.map((damage) => ({ kind: 'bytes' as const, damage })) },
  { weight: 5, arbitrary: fc.array(jsonEditArb, { minLength: 1, maxLength: 2 }).map((edits) => ({ kind: 'json' as const, edits })) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'randomJson' as const, value })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('line' as const), line: fc.nat(), edit: jsonEditArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('nonFinite' as const), index: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity, 3e38, -1e30) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'folder' as const }) },
);

/**
 * One damaged run folder: a copy of base run `base` with `damage` applied to
 * its file number `fileIndex`. `legacy`: first made a run from before
 * LatentLab recorded the config digest and the checkpoint checksums (which
 * catch most damage before anything parses it), so the damage reaches the
 * readers behind them.
 */
interface RunCase { base: string; fileIndex: number; damage: RunDamage; legacy: boolean }
const runCaseArb: fc.Arbitrary<RunCase> = fc.record({ base: fc.constantFrom(...BASE_RUNS), fileIndex: fc.nat(), damage: runDamageArb, legacy: fc.boolean() });

/** Removes what runs of earlier versions lack: manifest.json's configDigest and latest.json's checksums. */
function makeLegacy(dir: string): void {
  for (const [file, key] of [['manifest.json', 'configDigest'], ['checkpoints/latest.json', 'checksums']] as const) {
    const full = path.join(dir, file);
    const doc = JSON.parse(readFileSync(full, 'utf8')) as Record<string, unknown>;
    delete doc[key];
    writeFileSync(full, `${JSON.stringify(doc, null, 2)}\n`);
  }
}

/** Writes the damaged run folder of `c`. Returns the folder and the damaged file. */
function damagedRun({ base, fileIndex, damage, legacy }: RunCase): { dir: string; file: string } {
  const dir = path.join(caseDir('run'), base);
  cpSync(path.join(RUNS_DIR, base), dir, { recursive: true });
  if (legacy) makeLegacy(dir);
  const files = runFilesOf[base];
  const file = files[fileIndex % files.length];
  const full = path.join(dir, file);
  const bytes = readFileSync(full);
  const parsed = (): Json | undefined => {
    try {
      return JSON.parse(bytes.toString('utf8')) as Json;
    } catch {
      return undefined;
    }
  };
  switch (damage.kind) {
    case 'delete': rmSync(full); break;
    case 'folder': rmSync(full); mkdirSync(full); break;
    case 'bytes': writeFileSync(full, damageBytes(bytes, damage.damage)); break;
    case 'randomJson': writeFileSync(full, toJson(damage.value)); break;
    case 'json': {
      const doc = parsed();
      if (doc === undefined) writeFileSync(full, damageBytes(bytes, { kind: 'truncate', at: damage.edits[0].path[0] }));
      else writeFileSync(full, toJson(damage.edits.reduce<unknown>((d, edit) => applyJsonEdit(d as Json, edit), doc), 2));
      break;
    }
    case 'line': {
      const lines = bytes.toString('utf8').split('\n');
      const i = damage.line % lines.length;
      let doc: Json | undefined;
      try {
        doc = JSON.parse(lines[i]) as Json;
      } catch {
        doc = undefined;
      }
      lines[i] = doc === undefined ? toJson(damage.edit.value) : toJson(applyJsonEdit(doc, damage.edit));
      writeFileSync(full, lines.join('\n'));
      break;
    }
    case 'nonFinite': {
      const out = bytes.slice();
      if (out.length >= 4) new DataView(out.buffer, out.byteOffset).setFloat32(4 * (damage.index % Math.floor(out.length / 4)), damage.value, true);
      writeFileSync(full, out);
      break;
    }
  }
  return { dir, file };
}

/**
 * A small product on the TF.js backend: whatever a run folder holds, the
 * process must still compute afterwards (a net built at a size the wasm heap
 * cannot hold can leave it broken for every later call, in `serve` too).
 */
function assertBackendUsable(what: string): void {
  let product: number[];
  try {
    const t = tf.tidy(() => tf.matMul(tf.ones([4, 300]), tf.ones([300, 4])));
    product = Array.from(t.dataSync());
    t.dispose();
  } catch (e) {
    assert.fail(`${what}: the TF.js backend no longer computes afterwards (${String(e)})`);
  }
  assert.ok(product.every((v) => v === 300), `${what}: the TF.js backend computes wrong values afterwards`);
}

const describeCase = ({ base, damage, legacy }: RunCase, file: string) => `${legacy ? 'legacy ' : ''}${base} run, ${file}: ${toJson(damage, 0).slice(0, 800)}`;

/** Paths a run's config refers to (a data folder, a prior file): an error about them names them, not the run. */
function referencedPaths(dir: string): string[] {
  try {
    const { config } = openRunFolder(dir);
    return [config.data.source, ...(config.prior.kind === 'samples' ? [config.prior.file] : [])];
  } catch {
    return [];
  }
}

/**
 * Opens a (damaged) run folder every way the library does — openRunFolder, with `nets` loadCheckpointNets,
 * each phase's optimizer state, loadRunModel — each a success or a clear error; counts whether the model
 * loaded, checks the backend still computes, and removes the case's folder.
 */
async function openAndLoad(dir: string, base: string, what: string, seen: { loaded: number; refused: number }, { nets }: { nets: boolean }): Promise<void> {
  const run = outcome(() => openRunFolder(dir), [dir], `openRunFolder: ${what}`);
  if (run?.checkpoint) {
    if (nets) {
      const loadedNets = await outcomeAsync(() => loadCheckpointNets(run, run.checkpoint!), [dir], `loadCheckpointNets: ${what}`);
      for (const net of Object.values(loadedNets ?? {})) net.dispose();
    }
    for (const phase of phasesOf[base]) {
      const state = outcome(() => loadOptimizerState(dir, run.checkpoint!, phase), [dir], `loadOptimizerState(${phase}): ${what}`);
      if (state) disposeOptimizerState(state);
    }
  }
  const loaded = await outcomeAsync(() => loadRunModel(dir), [dir, ...referencedPaths(dir)], `loadRunModel: ${what}`);
  seen[loaded ? 'loaded' : 'refused']++;
  loaded?.model.dispose();
  assertBackendUsable(what);
  rmSync(path.dirname(dir), { recursive: true, force: true });
}

describe('fuzz: run folders', { timeout: 120_000 }, () => {
  before(prepareBaseRuns);

  test('readRun, openRunFolder, loadCheckpointNets, loadOptimizerState, loadRunModel: a loaded run, or an error naming the folder', async () => {
    const seen = { loaded: 0, refused: 0 };
    await fc.assert(fc.asyncProperty(runCaseArb, async (c) => {
      const { dir, file } = damagedRun(c);
      const what = describeCase(c, file);
      outcome(() => readRun(diskStore(dir)), [dir], `readRun: ${what}`);
      await openAndLoad(dir, c.base, what, seen, { nets: true });
    }), params(401, 500));
    assert.ok(seen.loaded > 0 && seen.refused > 0, `the cases did not both load and fail: ${JSON.stringify(seen)}`);
  });

  test('eval, sample, export and train --resume through main: exit 0, or 1 with a clear message', async () => {
    const codes = new Map<number, number>();
    const arb = fc.tuple(runCaseArb, fc.constantFrom('eval', 'sample', 'export', 'resume'));
    await fc.assert(fc.asyncProperty(arb, async ([c, cmd]) => {
      const { dir, file } = damagedRun(c);
      const argv = {
        eval: ['eval', dir, '-q', '--backend', 'wasm', '--limit', '20'],
        sample: ['sample', dir, '-n', '4', '--backend', 'wasm', '--out', path.join(dir, 'fuzz-samples.png')],
        export: ['export', dir, '--backend', 'wasm', '--out', path.join(dir, 'fuzz-export')],
        resume: ['train', '--resume', dir, '--epochs', '2', '-q', '--backend', 'wasm'],
      }[cmd];
      const r = await runMain(argv);
      checkMainResult(r, [dir, ...referencedPaths(dir)], `${argv.join(' ')}: ${describeCase(c, file)}`);
      assert.notEqual(r.code, 2, `a syntax error for valid flags: ${r.stderr}`);
      assertBackendUsable(`${argv.join(' ')}: ${describeCase(c, file)}`);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }), params(402, 120, 60_000));
    assert.ok(codes.get(0) && codes.get(1), `the commands did not both succeed and fail: ${JSON.stringify([...codes])}`);
  });

  test('a run from before the config digest and checksums, its config.json edited to another valid config: eval, sample and train --resume exit 0 or 1', async () => {
    /** One setting (at a path of keys) set to another valid value. */
    const set = (...at: string[]) => (value: unknown) => ({ at, value });
    const change = fc.oneof(
      fc.constantFrom<object>({ kind: 'sgd' }, { kind: 'sgd', momentum: 0 }, { kind: 'adam', learningRate: 0.01 }).map(set('train', 'optimizer')),
      fc.integer({ min: 1, max: 4 }).map(set('latentDim')),
      fc.constantFrom([8], [16, 16], [32]).map(set('encoder', 'hidden')),
      fc.constantFrom([8], [16, 16], [32]).map(set('decoder', 'hidden')),
      fc.constantFrom('tanh', 'elu').map(set('decoder', 'activation')),
      fc.constant({ kind: 'gaussian' }).map(set('likelihood')),
      fc.constant({ use: 'conditional', classes: 4 }).map(set('labels')),
      fc.integer({ min: 1, max: 300 }).map(set('train', 'batchSize')),
      fc.constantFrom('vae', 'aae', 'clustering-aae').map(set('model')),
      fc.constantFrom<object>({ kind: 'sgd' }, { kind: 'adam', beta1: 0.9 }).map(set('adversarial', 'discriminatorOptimizer')),
      fc.constantFrom<object>({ kind: 'sgd' }, { kind: 'adam', learningRate: 0.01 }).map(set('adversarial', 'generatorOptimizer')),
      fc.constant('separate').map(set('adversarial', 'generator')),
      fc.constant('gaussian').map(set('adversarial', 'encoder')),
      fc.constant({ hidden: [4] }).map(set('adversarial', 'discriminator')),
    );
    const arb = fc.tuple(fc.constantFrom(...BASE_RUNS), change, fc.constantFrom('resume', 'resume', 'eval', 'sample'));
    const codes = new Map<number, number>();
    await fc.assert(fc.asyncProperty(arb, async ([base, edit, cmd]) => {
      const dir = path.join(caseDir('run'), base);
      cpSync(path.join(RUNS_DIR, base), dir, { recursive: true });
      makeLegacy(dir);
      const edited = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      let parent = edited;
      for (const key of edit.at.slice(0, -1)) parent = (parent[key] ??= {}) as Record<string, unknown>;
      parent[edit.at.at(-1)!] = edit.value;
      // A model without a slice drops it, as a person editing the file would.
      if (edited.model === 'vae') delete edited.adversarial;
      if (edited.model === 'clustering-aae') edited.labels = { use: 'none' };
      writeFileSync(path.join(dir, 'config.json'), toJson(edited, 2));
      const argv = {
        resume: ['train', '--resume', dir, '--epochs', '2', '-q', '--backend', 'wasm'],
        eval: ['eval', dir, '-q', '--backend', 'wasm', '--limit', '20'],
        sample: ['sample', dir, '-n', '4', '--backend', 'wasm', '--out', path.join(dir, 'fuzz-samples.png')],
      }[cmd];
      const r = await runMain(argv);
      checkMainResult(r, [dir, ...referencedPaths(dir)], `${argv.join(' ')}: legacy ${base} run, config.json changed by ${JSON.stringify(edit)}`);
      assert.notEqual(r.code, 2, `a syntax error for valid flags: ${r.stderr}`);
      assertBackendUsable(`${argv.join(' ')}: legacy ${base} run, config.json changed by ${JSON.stringify(edit)}`);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }), params(405, 60, 60_000));
    assert.ok(codes.get(0) && codes.get(1), `the commands did not both succeed and fail: ${JSON.stringify([...codes])}`);
  });

  test('the real CLI (spawned) on a damaged run: exit 0 or 1, one message, no stack trace', () => {
    const arb = fc.tuple(runCaseArb, fc.constantFrom('eval', 'sample', 'export'));
    fc.assert(fc.property(arb, ([c, cmd]) => {
      const { dir, file } = damagedRun(c);
      const r = runCli([cmd, dir, '--backend', 'wasm', ...(cmd === 'eval' ? ['-q', '--limit', '20'] : cmd === 'sample' ? ['-n', '4'] : [])], { timeoutMs: 60_000 });
      const what = `latentlab ${cmd}: ${describeCase(c, file)}`;
      assert.equal(r.signal, null, `${what}: killed by ${r.signal}`);
      checkMainResult({ code: r.status ?? -1, stderr: r.stderr }, [dir, ...referencedPaths(dir)], what);
      assert.notEqual(r.status, 2, `${what}: ${r.stderr}`);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }), { ...params(403, 4), timeout: undefined });
  });

  test('a number in a run file (config, manifest, checkpoint pointer, optimizer state) replaced by a boundary value: loaded, or an error naming the folder', async () => {
    /** Boundary numbers, written as raw JSON tokens (1e309 reads as Infinity). */
    const boundary = fc.oneof(
      fc.constantFrom('2147483647', '2147483648', '4294967296', '9007199254740992', '1e15', '1e300', '1e309'),
      fc.constantFrom('0', '-0', '-1', '0.5', '1e-300', '3', '-2147483648'),
      fc.integer({ min: -10, max: 100 }).map(String),
    );
    const arb = fc.record({ base: fc.constantFrom(...BASE_RUNS), field: fc.nat(), value: boundary, legacy: fc.boolean() });
    const seen = { loaded: 0, refused: 0 };
    await fc.assert(fc.asyncProperty(arb, async ({ base, field, value, legacy }) => {
      const dir = path.join(caseDir('run'), base);
      cpSync(path.join(RUNS_DIR, base), dir, { recursive: true });
      if (legacy) makeLegacy(dir);
      const { file, at } = numbersOf[base][field % numbersOf[base].length];
      const full = path.join(dir, file);
      const doc = JSON.parse(readFileSync(full, 'utf8')) as Record<string | number, unknown>;
      let parent = doc;
      for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      parent[at.at(-1)!] = raw(value);
      writeFileSync(full, toJson(doc, 2));
      const what = `${legacy ? 'legacy ' : ''}${base} run, ${file}: ${at.join('.')} = ${value}`;
      await openAndLoad(dir, base, what, seen, { nets: false });
    }), params(404, 500));
    assert.ok(seen.loaded > 0 && seen.refused > 0, `the cases did not both load and fail: ${JSON.stringify(seen)}`);
  });
});
