/**
 * Arrays of examples: .npy and .npz files (NumPy) and IDX files, turned into
 * datasets. One array holds the examples, [N, D] (a table of numbers),
 * [N, H, W] (grey images) or [N, H, W, C] (C channels, last); a second,
 * [N], the class labels.
 *
 * Values: uint8 arrays are intensities 0–255, scaled to [0, 1]; booleans
 * are 0/1; other numbers are used as they are ('unit' when all lie in
 * [0, 1], otherwise 'real', which needs a Gaussian likelihood).
 *
 * .npz layouts: x_train, y_train, x_test, y_test (as Keras ships MNIST), or
 * one array of examples (x, X, images, data or the only array) with
 * optional labels (y, labels, targets).
 */
import path from 'node:path';
import { unzipSync } from 'fflate';
import { makeDataset, type Dataset } from '../../core/data/dataset.js';
import { DataError } from '../../core/data/errors.js';
import { parseIdx, type IdxArray } from '../../core/data/idx.js';
import { parseNpy, type NpyArray } from '../../core/data/npy.js';
import { printable } from '../../core/util/text.js';
import { readDataFile } from './files.js';

/** The largest class label (labels are Int32). */
const MAX_LABEL = 2 ** 31 - 1;

/** An array read from a file: its values as numbers, with where it came from. */
export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  /** 'uint8' intensities are scaled by 1/255. */
  readonly bytes: boolean;
}

const fromNpy = (a: NpyArray, name: string): NamedArray => ({ name, shape: a.shape, data: a.data, bytes: a.dtype === 'uint8' });
const fromIdx = (a: IdxArray, name: string): NamedArray => ({ name, shape: a.shape, data: a.data as ArrayLike<number>, bytes: a.dtype === 'ubyte' });

/** Reads an array from a .npy or IDX file (told apart by their first bytes; either may be gzipped). */
export function readArrayFile(file: string): NamedArray {
  const bytes = readDataFile(file);
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return fromNpy(parseNpy(bytes, file), file);
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0) return fromIdx(parseIdx(bytes, file), file);
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) throw new DataError(file, 'a zip file: name it .npz if it holds NumPy arrays');
  throw new DataError(file, 'not a .npy or IDX file (its first bytes are neither)');
}

/** The arrays of a .npz file by key (the member's name without .npy). */
export function readNpz(file: string): Map<string, NamedArray> {
  const bytes = readDataFile(file, { gunzip: false });
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new DataError(file, bytes.length ? 'not a .npz file (not a zip archive)' : 'an empty file, not a .npz archive');
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new DataError(file, `a damaged .npz (zip) archive (${printable((e as Error).message, 120)})`);
  }
  const arrays = new Map<string, NamedArray>();
  for (const [member, content] of Object.entries(members)) {
    if (member.endsWith('/')) continue;
    if (!member.endsWith('.npy')) throw new DataError(file, `holds ${printable(member, 60)}, which is not a .npy array`);
    const key = member.slice(0, -4);
    arrays.set(key, fromNpy(parseNpy(content, `${file}[${key}]`), `${file}[${key}]`));
  }
  if (!arrays.size) throw new DataError(file, 'holds no arrays');
  return arrays;
}

const EXAMPLE_KEYS = ['x', 'X', 'images', 'data', 'features'];
const LABEL_KEYS = ['y', 'Y', 'labels', 'label', 'targets', 'target'];

/** The examples (and labels) of a .npz file, per split when it has x_train / x_test. */
export function npzSplits(file: string): { train: { x: NamedArray; y?: NamedArray }; test?: { x: NamedArray; y?: NamedArray } } {
  const arrays = readNpz(file);
  const keys = [...arrays.keys()];
  const list = keys.map((k) => `'${printable(k, 30)}'`).join(', ');
  if (arrays.has('x_train')) {
    const test = arrays.has('x_test') ? { x: arrays.get('x_test')!, y: arrays.get('y_test') } : undefined;
    if (arrays.has('y_train') !== arrays.has('y_test') && test) {
      throw new DataError(file, `has ${arrays.has('y_train') ? 'y_train but no y_test' : 'y_test but no y_train'}; give labels for both splits or for neither`);
    }
    return { train: { x: arrays.get('x_train')!, y: arrays.get('y_train') }, test };
  }
  const labelKey = LABEL_KEYS.find((k) => arrays.has(k));
  const rest = keys.filter((k) => k !== labelKey);
  const exampleKey = EXAMPLE_KEYS.find((k) => arrays.has(k)) ?? (rest.length === 1 ? rest[0] : undefined);
  if (!exampleKey) {
    throw new DataError(file, `holds arrays ${list}: name the examples 'x' (and the labels 'y'), or 'x_train', 'y_train', 'x_test', 'y_test'`);
  }
  return { train: { x: arrays.get(exampleKey)!, y: labelKey ? arrays.get(labelKey) : undefined } };
}

/** Class labels from a 1-D array of whole numbers ≥ 0, one per example. */
export function labelsFrom(array: NamedArray, count: number, examples: string): Int32Array {
  if (array.shape.length !== 1 && !(array.shape.length === 2 && array.shape[1] === 1)) {
    throw new DataError(array.name, `labels must be one whole number per example, shape [${count}]; the array has shape [${array.shape.join(', ')}]`);
  }
  if (array.shape[0] !== count) throw new DataError(array.name, `${array.shape[0]} labels but ${examples} has ${count} examples`);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(array.data[i]);
    if (!Number.isInteger(v) || v < 0) throw new DataError(array.name, `label ${i} is ${v}: class labels must be whole numbers 0, 1, 2, …`);
    // Labels are held as 32-bit integers: a larger one would wrap around to another class.
    if (v > MAX_LABEL) throw new DataError(array.name, `label ${i} is ${v}: class labels must be whole numbers 0, 1, 2, … up to ${MAX_LABEL}`);
    labels[i] = v;
  }
  return labels;
}

/** The shape of one example, [D], [H, W] or [H, W, C] (a single channel is dropped: [H, W]). */
function exampleShape(array: NamedArray): number[] {
  const [n, ...rest] = array.shape;
  if (array.shape.length < 2 || array.shape.length > 4) {
    throw new DataError(array.name, `shape [${array.shape.join(', ')}]: expected [N, D] (a table), [N, H, W] (grey images) or [N, H, W, C] (images, channels last)`);
  }
  // No examples at all is left to checkSplits, which names the split; examples of no values are an error here.
  if (rest.some((d) => d === 0)) throw new DataError(array.name, `shape [${array.shape.join(', ')}]: examples of no values`);
  return rest.length === 3 && rest[2] === 1 ? rest.slice(0, 2) : rest;
}

/** A dataset from an array of examples and optional labels. */
export function arrayDataset(name: string, x: NamedArray, y?: NamedArray): Dataset {
  const shape = exampleShape(x);
  const values = new Float32Array(x.data.length);
  const scale = x.bytes ? 1 / 255 : 1;
  let unit = true;
  const dim = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < values.length; i++) {
    const v = Number(x.data[i]) * scale;
    if (!Number.isFinite(v)) {
      throw new DataError(x.name, `value ${v} in example ${Math.floor(i / dim)} (at ${i % dim}); every value must be a finite number`);
    }
    values[i] = v;
    if (v < 0 || v > 1) unit = false;
  }
  const labels = y ? labelsFrom(y, x.shape[0], x.name) : undefined;
  return makeDataset(name, shape, values, labels, { values: unit ? 'unit' : 'real' });
}

/** True when a file name looks like one of the array formats. */
export function isArrayFileName(file: string): boolean {
  return /\.(npy|npz)(\.gz)?$/i.test(path.basename(file));
}
