/**
 * The Dataset interface every data source implements, and batching.
 *
 * A dataset is held in memory as one Float32Array, row-major
 * [size, ...shape] (images channels last: [H, W] grey, [H, W, C] colour;
 * tables [D]), with optional integer labels. Images hold intensities in
 * [0, 1]; tables hold standardised values (see `standardization`), which a
 * Bernoulli likelihood cannot model. The loaders (src/node/data/) produce
 * this from IDX, image folders, .npy/.npz arrays and CSV files.
 */
import { DataError } from './errors.js';
import { permutation, uniformGenerator } from '../util/random.js';
import { yieldToEventLoop } from '../util/yield.js';

export interface Dataset {
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. [28, 28] (height, width[, channels]). */
  readonly shape: readonly number[];
  /** Values per example: the product of `shape`. */
  readonly dim: number;
  /** All examples, [size, ...shape] row-major; values in [0, 1] unless `values` is 'real'. */
  readonly x: Float32Array;
  /** Class labels 0..numClasses−1, one per example, when the source has them. */
  readonly labels?: Int32Array;
  readonly numClasses?: number;
  /** 'unit': every value lies in [0, 1] (images); 'real': any real number (standardised table columns, float arrays). */
  readonly values?: 'unit' | 'real';
  /** The classes' names (class folders, a label column's values), indexed by label. */
  readonly classNames?: readonly string[];
  /** Each example's name (an image's file, a table's row), when the source has one. */
  readonly names?: readonly string[];
  /** How table columns were standardised: stored value = (original − mean) / std. */
  readonly standardization?: Standardization;
}

/** Per-column standardisation of tabular data, computed on the training split. */
export interface Standardization {
  readonly columns: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** What a source knows about its examples beyond their values (see Dataset). */
export type DatasetExtras = Pick<Dataset, 'values' | 'classNames' | 'names' | 'standardization'>;

/**
 * A dataset whose values are produced batch by batch: read from disk (an
 * image folder too large to hold as float32) or converted from the bytes
 * held in memory (8-bit IDX images, byteDataset); everything but the values
 * is in memory.
 */
export interface StreamedDataset extends Omit<Dataset, 'x'> {
  readonly streamed: true;
  /**
   * The values of the examples at `indices` (each in 0..size−1), [indices.length, dim]
   * row-major: written into `out` (of exactly that length) and returned when
   * given, unless the source cannot write in place; then a new array.
   */
  read(indices: ArrayLike<number>, out?: Float32Array): Float32Array;
}

/** Examples in memory or read from disk as needed. */
export type DataSource = Dataset | StreamedDataset;

/** True when the examples are read from disk as needed. */
export function isStreamed(ds: DataSource): ds is StreamedDataset {
  return (ds as Partial<StreamedDataset>).streamed === true;
}

/**
 * The values of the examples at `indices`, [indices.length, dim] row-major (a
 * copy): in `into` (of exactly that length) where the source can write there,
 * else a new array; use the array returned.
 */
export function readRows(ds: DataSource, indices: ArrayLike<number>, into?: Float32Array): Float32Array {
  if (into && into.length !== indices.length * ds.dim) throw new RangeError(`readRows: ${into.length} values to write into, but ${indices.length} examples of ${ds.dim} need ${indices.length * ds.dim}`);
  if (isStreamed(ds)) return ds.read(indices, into);
  const out = into ?? new Float32Array(indices.length * ds.dim);
  for (let i = 0; i < indices.length; i++) out.set(ds.x.subarray(indices[i] * ds.dim, (indices[i] + 1) * ds.dim), i * ds.dim);
  return out;
}

/** The examples at `indices`, in that order, under a new name: a copy in memory, or a view of a streamed dataset. */
export function selectSource(ds: DataSource, indices: ArrayLike<number>, name: string): DataSource {
  if (!isStreamed(ds)) return select(ds, indices, name);
  const map = Int32Array.from(indices);
  const n = map.length;
  return {
    ...ds, name, size: n,
    labels: ds.labels ? Int32Array.from(map, (i) => ds.labels![i]) : undefined,
    names: ds.names ? Array.from(map, (i) => ds.names![i]) : undefined,
    read: (rows) => ds.read(Int32Array.from({ length: rows.length }, (_, k) => map[rows[k]])),
  };
}

/** A streamed dataset read into memory (small ones only: figures take the first few thousand). */
export function materialize(ds: DataSource): Dataset {
  if (!isStreamed(ds)) return ds;
  const { streamed: _streamed, read: _read, ...rest } = ds;
  return { ...rest, x: ds.read(Int32Array.from({ length: ds.size }, (_, i) => i)) };
}

/** The seed of `binarizedOnce` unless told otherwise: one fixed binarisation, so every evaluation sees the same test set. */
export const BINARIZE_ONCE_SEED = 20151101;

/**
 * `ds` with every value v ∈ [0, 1] replaced by one draw x ~ Bernoulli(v)
 * (seeded): the fixed binarised test set on which the likelihood papers
 * evaluate models trained on dynamically binarised MNIST. In memory.
 */
export function binarizedOnce(ds: DataSource, seed = BINARIZE_ONCE_SEED): Dataset {
  const data = materialize(ds);
  const rand = uniformGenerator(seed);
  const x = Float32Array.from(data.x, (v) => (rand() < v ? 1 : 0));
  return { ...data, name: `${data.name}, binarised once (seed ${seed})`, x };
}

export interface DataSplits {
  readonly train: Dataset;
  readonly test: Dataset;
  /** The fraction of the examples held out as the test split, when the source had no test split of its own. */
  readonly heldOut?: number;
  /** What the data was read from, e.g. 'idx', 'images', 'npy', 'npz', 'csv'. */
  readonly format?: string;
}

/** Builds a Dataset, checking that the arrays agree with the shape. */
export function makeDataset(name: string, shape: readonly number[], x: Float32Array, labels?: Int32Array, extras: DatasetExtras = {}): Dataset {
  const dim = shape.reduce((a, b) => a * b, 1);
  if (dim <= 0 || x.length % dim !== 0) throw new DataError(name, `${x.length} values do not divide into examples of shape ${shape.join('×')}`);
  const size = x.length / dim;
  if (labels && labels.length !== size) {
    throw new DataError(name, `${size} examples but ${labels.length} labels; the image and label files must have the same count`);
  }
  let numClasses: number | undefined;
  if (labels) {
    let max = -1;
    for (const l of labels) {
      if (l < 0) throw new DataError(name, `negative label ${l}`);
      if (l > max) max = l;
    }
    numClasses = max + 1;
  }
  if (extras.names && extras.names.length !== size) throw new DataError(name, `${size} examples but ${extras.names.length} names`);
  if (extras.classNames && numClasses !== undefined && extras.classNames.length < numClasses) {
    throw new DataError(name, `${numClasses} classes but ${extras.classNames.length} class names`);
  }
  return { name, size, shape: [...shape], dim, x, labels, numClasses, ...extras };
}

/** k/255 as float32 for each byte value k: what an 8-bit example reads as (the loaders' own conversion). */
const BYTE_VALUES = Float32Array.from({ length: 256 }, (_, k) => k * (1 / 255));

/**
 * Fills `out` with the rows `indices` of `bytes` (rows of `dim` values), each
 * byte k read as BYTE_VALUES[k]: the same values as byteDataset's own loop.
 */
export type ByteRowReader = (bytes: Uint8Array, indices: Int32Array, dim: number, out: Float32Array) => void;
let byteRowReader: ByteRowReader | undefined;

/**
 * Makes every byte dataset read its rows with `reader` (Node's native engine
 * installs one: a training step's batch in about 0.01 ms where the loop below
 * takes about 0.35), or back with the loop when undefined.
 */
export function setByteRowReader(reader: ByteRowReader | undefined): void {
  byteRowReader = reader;
}

/** The reader byte datasets use now (undefined: their own loop). */
export function currentByteRowReader(): ByteRowReader | undefined {
  return byteRowReader;
}

/**
 * 8-bit examples (IDX images) kept as their bytes, a quarter of float32's
 * memory, and read as k/255 a batch at a time: the same values as the
 * float32 dataset `makeDataset` would hold, through the streamed interface
 * every command reads (so 60,000 MNIST images take 47 MB, not 188 MB).
 */
export function byteDataset(name: string, shape: readonly number[], bytes: Uint8Array, labels?: Int32Array): StreamedDataset {
  const dim = shape.reduce((a, b) => a * b, 1);
  if (dim <= 0 || bytes.length % dim !== 0) throw new DataError(name, `${bytes.length} values do not divide into examples of shape ${shape.join('×')}`);
  const size = bytes.length / dim;
  if (labels && labels.length !== size) throw new DataError(name, `${size} examples but ${labels.length} labels; the image and label files must have the same count`);
  // The labels' checks and class count as an in-memory dataset has them (on a stand-in of one value per example).
  const numClasses = labels ? makeDataset(name, [1], new Float32Array(size), labels).numClasses : undefined;
  return {
    name, size, shape: [...shape], dim, labels, numClasses, values: 'unit', streamed: true,
    read(indices, into) {
      const out = into ?? new Float32Array(indices.length * dim);
      if (byteRowReader) {
        byteRowReader(bytes, indices instanceof Int32Array ? indices : Int32Array.from(indices), dim, out);
        return out;
      }
      for (let i = 0; i < indices.length; i++) {
        const from = indices[i] * dim;
        for (let j = 0; j < dim; j++) out[i * dim + j] = BYTE_VALUES[bytes[from + j]];
      }
      return out;
    },
  };
}

/**
 * Checks that a train and a test split can be used together: both hold at
 * least one example of the same shape, and the labels number the classes
 * 0..K−1 with every class present in one split or the other (a stray label
 * of 200 among ten digits is an error, not a 201-class data set). The
 * labels must be present in both splits or in neither.
 *
 * @throws DataError naming the split and what is wrong.
 */
export function checkSplits(train: DataSource, test: DataSource): void {
  for (const split of [train, test]) {
    if (split.size === 0) throw new DataError(split.name, 'holds no examples (at least one is needed)');
  }
  if (train.shape.join('×') !== test.shape.join('×')) {
    throw new DataError(test.name, `examples of shape ${test.shape.join('×')}, but ${train.name} has ${train.shape.join('×')}; both splits must have the same shape`);
  }
  if (!train.labels !== !test.labels) {
    const [has, lacks] = train.labels ? [train, test] : [test, train];
    throw new DataError(lacks.name, `has no labels but ${has.name} has; give labels for both splits or for neither`);
  }
  if (!train.labels || !test.labels) return;
  const classes = Math.max(train.numClasses ?? 0, test.numClasses ?? 0);
  // The classes in use, as a set: a stray label of 2^31 − 1 must not allocate a flag per class.
  const seen = new Set<number>();
  for (const split of [train, test]) for (const l of split.labels!) seen.add(l);
  if (seen.size < classes) {
    let missing = 0;
    while (seen.has(missing)) missing++;
    const [where, index] = [train, test].map((d) => [d, d.labels!.indexOf(classes - 1)] as const).find(([, i]) => i >= 0)!;
    const absent = classes - seen.size;
    throw new DataError(where.name, `label ${classes - 1} (example ${index}) implies ${classes} classes, but ${absent} of them (first: ${missing}) have no example; class labels must be 0, 1, …, K−1 with every class used`);
  }
}

/** The first `n` examples (or all when n ≥ size). Shares memory with `ds`. */
export function take<D extends DataSource>(ds: D, n: number | undefined): D {
  if (n === undefined || n >= ds.size) return ds;
  const common = { size: n, labels: ds.labels?.subarray(0, n), names: ds.names?.slice(0, n) };
  return isStreamed(ds) ? { ...ds, ...common } : { ...ds, ...common, x: (ds as Dataset).x.subarray(0, n * ds.dim) };
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle with this seed (a new order per seed); omit for dataset order. */
  readonly shuffleSeed?: number;
  /** Resample binary pixels x ~ Bernoulli(intensity) with this seed. */
  readonly binarizeSeed?: number;
  /** Keep a last batch smaller than batchSize (default true). */
  readonly keepPartial?: boolean;
  /**
   * Read every batch's values into one array, which the next batch writes
   * over (default false: each batch its own copy). For a caller that copies
   * `x` away before asking for the next batch, such as the trainer: no new
   * array per step for the garbage collector.
   */
  readonly reuse?: boolean;
}

export interface Batch {
  /** [count, dim] values, ready for tf.tensor2d. */
  readonly x: Float32Array;
  readonly count: number;
  readonly labels?: Int32Array;
  /** Indices of the examples in the dataset. */
  readonly indices: Int32Array;
}

/** Number of batches `batches` will yield. */
export function batchCount(ds: DataSource, { batchSize, keepPartial = true }: BatchOptions): number {
  return keepPartial ? Math.ceil(ds.size / batchSize) : Math.floor(ds.size / batchSize);
}

/** Yields batches of copied rows, optionally shuffled and binarised (a streamed dataset reads each batch from disk). */
export function* batches(ds: DataSource, options: BatchOptions): Generator<Batch> {
  const { batchSize, shuffleSeed, binarizeSeed, reuse = false } = options;
  const order = shuffleSeed === undefined ? null : permutation(ds.size, shuffleSeed);
  const rand = binarizeSeed === undefined ? null : uniformGenerator(binarizeSeed);
  const n = batchCount(ds, options);
  const shared = reuse && n > 0 ? new Float32Array(Math.min(batchSize, ds.size) * ds.dim) : undefined;
  for (let b = 0; b < n; b++) {
    const start = b * batchSize;
    const count = Math.min(batchSize, ds.size - start);
    const indices = new Int32Array(count);
    for (let i = 0; i < count; i++) indices[i] = order ? order[start + i] : start + i;
    const x = readRows(ds, indices, shared?.subarray(0, count * ds.dim));
    if (rand) for (let j = 0; j < x.length; j++) x[j] = rand() < x[j] ? 1 : 0;
    const labels = ds.labels ? Int32Array.from(indices, (i) => ds.labels![i]) : undefined;
    yield { x, count, labels, indices };
  }
}

/** The examples at `indices`, in that order (a copy), under a new name. Class numbering and names are kept. */
export function select(ds: Dataset, indices: ArrayLike<number>, name: string): Dataset {
  const n = indices.length;
  const x = new Float32Array(n * ds.dim);
  for (let i = 0; i < n; i++) x.set(ds.x.subarray(indices[i] * ds.dim, (indices[i] + 1) * ds.dim), i * ds.dim);
  const labels = ds.labels ? Int32Array.from({ length: n }, (_, i) => ds.labels![indices[i]]) : undefined;
  const names = ds.names ? Array.from({ length: n }, (_, i) => ds.names![indices[i]]) : undefined;
  return { ...ds, name, size: n, x, labels, names };
}

/**
 * Splits one set of examples into train and test by a seeded random choice
 * of `testFraction` of them (at least one each). The training split keeps
 * the source's order; the test split is in the seeded random order, so its
 * first examples (those the figures show) mix the classes of a source that
 * lists them class by class. The same seed and size give the same split.
 */
export function holdOut<D extends DataSource>(ds: D, testFraction: number, seed: number, names: { train: string; test: string }): { train: D; test: D } {
  if (ds.size < 2) throw new DataError(ds.name, `${ds.size} example${ds.size === 1 ? '' : 's'}: at least 2 are needed to hold some out for testing`);
  const testCount = Math.min(ds.size - 1, Math.max(1, Math.round(ds.size * testFraction)));
  const order = permutation(ds.size, seed);
  const isTest = new Uint8Array(ds.size);
  for (let i = 0; i < testCount; i++) isTest[order[i]] = 1;
  const train = Int32Array.from({ length: ds.size }, (_, i) => i).filter((i) => !isTest[i]);
  return { train: selectSource(ds, train, names.train) as D, test: selectSource(ds, order.subarray(0, testCount), names.test) as D };
}

/** Two datasets of one shape as one (a copy): a's examples, then b's. */
export function concat(a: Dataset, b: Dataset, name: string): Dataset {
  if (a.shape.join('×') !== b.shape.join('×')) throw new DataError(b.name, `examples of shape ${b.shape.join('×')}, but ${a.name} has ${a.shape.join('×')}`);
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const labels = a.labels && b.labels ? Int32Array.from([...a.labels, ...b.labels]) : undefined;
  const names = a.names && b.names ? [...a.names, ...b.names] : undefined;
  return { ...a, name, size: a.size + b.size, x, labels, names, numClasses: labels ? Math.max(a.numClasses ?? 0, b.numClasses ?? 0) : undefined };
}

/** As `concat`, for sources that may be streamed: a copy when both are in memory, otherwise a view that reads from each. */
export function concatSource(a: DataSource, b: DataSource, name: string): DataSource {
  if (!isStreamed(a) && !isStreamed(b)) return concat(a, b, name);
  if (a.shape.join('×') !== b.shape.join('×')) throw new DataError(b.name, `examples of shape ${b.shape.join('×')}, but ${a.name} has ${a.shape.join('×')}`);
  const labels = a.labels && b.labels ? Int32Array.from([...a.labels, ...b.labels]) : undefined;
  const names = a.names && b.names ? [...a.names, ...b.names] : undefined;
  const { x: _x, ...rest } = a as Partial<Dataset>;
  return {
    ...(rest as Omit<Dataset, 'x'>), name, size: a.size + b.size, labels, names,
    numClasses: labels ? Math.max(a.numClasses ?? 0, b.numClasses ?? 0) : undefined,
    streamed: true,
    read: (rows, into) => {
      const out = into ?? new Float32Array(rows.length * a.dim);
      // Each source reads its own rows in one call, so a streamed one decodes a batch at a time.
      for (const [source, first, end] of [[a, 0, a.size], [b, a.size, a.size + b.size]] as const) {
        const mine = Int32Array.from({ length: rows.length }, (_, k) => k).filter((k) => rows[k] >= first && rows[k] < end);
        if (mine.length === 0) continue;
        const values = readRows(source, Int32Array.from(mine, (k) => rows[k] - first));
        mine.forEach((k, j) => out.set(values.subarray(j * a.dim, (j + 1) * a.dim), k * a.dim));
      }
      return out;
    },
  };
}

/**
 * Images as a run expects them, grey [H, W] or colour [H, W, 3]: the same
 * pixels can load either way (read whole, grey is told from colour by the
 * pixels; read from disk batch by batch, by the files' headers, so a PNG
 * saved as RGB with grey pixels is colour there). Grey images given to a
 * colour run repeat their value in R, G and B; colour images given to a grey
 * run must have R = G = B, else reading them is a DataError naming the
 * example. Any other pair of shapes, or a source already of `shape`, is
 * returned as it is.
 */
export function withImageShape(ds: DataSource, shape: readonly number[]): DataSource {
  const [h, w] = ds.shape;
  const same = (s: readonly number[]) => s[0] === h && s[1] === w;
  const toColour = ds.shape.length === 2 && shape.length === 3 && shape[2] === 3 && same(shape);
  const toGrey = ds.shape.length === 3 && ds.shape[2] === 3 && shape.length === 2 && same(shape);
  if (!toColour && !toGrey) return ds;
  const pixels = h * w;
  const convert = (x: Float32Array, rows: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(rows.length * pixels * (toColour ? 3 : 1));
    for (let r = 0; r < rows.length; r++) {
      for (let p = 0; p < pixels; p++) {
        if (toColour) {
          const v = x[r * pixels + p];
          out.set([v, v, v], (r * pixels + p) * 3);
          continue;
        }
        const at = (r * pixels + p) * 3;
        if (Math.abs(x[at] - x[at + 1]) > 1e-6 || Math.abs(x[at] - x[at + 2]) > 1e-6) {
          const example = ds.names?.[rows[r]] ?? `example ${rows[r]}`;
          throw new DataError(ds.name, `${example} has colour pixels, but the run was trained on grey images (${h}×${w})`);
        }
        out[r * pixels + p] = x[at];
      }
    }
    return out;
  };
  const common = { ...ds, shape: [...shape], dim: pixels * (toColour ? 3 : 1) };
  if (isStreamed(ds)) return { ...common, read: (rows) => convert(ds.read(rows), rows) } as StreamedDataset;
  return { ...common, x: convert(ds.x, Int32Array.from({ length: ds.size }, (_, i) => i)) } as Dataset;
}

/**
 * `fn` over consecutive parts of `ds` of `size` examples, the results joined
 * in order (each part's result holds `width` values per example); the event
 * loop runs between parts, so that a streamed source's decoded files are
 * freed (util/yield.ts). A source in memory is one part.
 */
export async function mapInParts<A extends Float32Array | Int32Array>(ds: DataSource, size: number, width: number, fn: (part: DataSource) => A): Promise<A> {
  if (!isStreamed(ds) || ds.size <= size) return fn(ds);
  let out: A | undefined;
  for (let start = 0; start < ds.size; start += size) {
    const count = Math.min(size, ds.size - start);
    const part = fn(selectSource(ds, Int32Array.from({ length: count }, (_, i) => start + i), ds.name));
    out ??= new (part.constructor as new (n: number) => A)(ds.size * width);
    out.set(part, start * width);
    await yieldToEventLoop();
  }
  return out!;
}

/**
 * Examples per forward-only batch (evaluation, encoding): 1000, fewer for
 * large examples, so that one batch's [batch, dim] tensors stay near 16 MB
 * each (the wasm heap keeps its peak size).
 */
export function evaluationBatchSize(dim: number): number {
  return Math.max(16, Math.min(1000, Math.floor(2 ** 22 / dim)));
}
