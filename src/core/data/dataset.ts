/**
 * The Dataset interface every data source implements, and batching.
 *
 * A dataset is held in memory as one Float32Array of intensities in [0, 1],
 * row-major [size, ...shape], with optional integer labels. Later sources
 * (other image sets, a user's .npy files) only need to produce this shape.
 */
import { DataError } from './errors.js';
import { permutation, uniformGenerator } from '../util/random.js';

export interface Dataset {
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. [28, 28] (height, width[, channels]). */
  readonly shape: readonly number[];
  /** Values per example: the product of `shape`. */
  readonly dim: number;
  /** All examples, [size, ...shape] row-major, values in [0, 1]. */
  readonly x: Float32Array;
  /** Class labels 0..numClasses−1, one per example, when the source has them. */
  readonly labels?: Int32Array;
  readonly numClasses?: number;
}

export interface DataSplits {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Builds a Dataset, checking that the arrays agree with the shape. */
export function makeDataset(name: string, shape: readonly number[], x: Float32Array, labels?: Int32Array): Dataset {
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
  return { name, size, shape: [...shape], dim, x, labels, numClasses };
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
export function checkSplits(train: Dataset, test: Dataset): void {
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
export function take(ds: Dataset, n: number | undefined): Dataset {
  if (n === undefined || n >= ds.size) return ds;
  return { ...ds, size: n, x: ds.x.subarray(0, n * ds.dim), labels: ds.labels?.subarray(0, n) };
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle with this seed (a new order per seed); omit for dataset order. */
  readonly shuffleSeed?: number;
  /** Resample binary pixels x ~ Bernoulli(intensity) with this seed. */
  readonly binarizeSeed?: number;
  /** Keep a last batch smaller than batchSize (default true). */
  readonly keepPartial?: boolean;
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
export function batchCount(ds: Dataset, { batchSize, keepPartial = true }: BatchOptions): number {
  return keepPartial ? Math.ceil(ds.size / batchSize) : Math.floor(ds.size / batchSize);
}

/** Yields batches of copied rows, optionally shuffled and binarised. */
export function* batches(ds: Dataset, options: BatchOptions): Generator<Batch> {
  const { batchSize, shuffleSeed, binarizeSeed } = options;
  const order = shuffleSeed === undefined ? null : permutation(ds.size, shuffleSeed);
  const rand = binarizeSeed === undefined ? null : uniformGenerator(binarizeSeed);
  const n = batchCount(ds, options);
  for (let b = 0; b < n; b++) {
    const start = b * batchSize;
    const count = Math.min(batchSize, ds.size - start);
    const indices = new Int32Array(count);
    for (let i = 0; i < count; i++) indices[i] = order ? order[start + i] : start + i;
    const x = new Float32Array(count * ds.dim);
    for (let i = 0; i < count; i++) x.set(ds.x.subarray(indices[i] * ds.dim, (indices[i] + 1) * ds.dim), i * ds.dim);
    if (rand) for (let j = 0; j < x.length; j++) x[j] = rand() < x[j] ? 1 : 0;
    const labels = ds.labels ? Int32Array.from(indices, (i) => ds.labels![i]) : undefined;
    yield { x, count, labels, indices };
  }
}
