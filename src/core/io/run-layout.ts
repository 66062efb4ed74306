/**
 * The run-folder format, in one place. The Node writer (node/run-folder.ts),
 * the page's download and upload (web/run-files.ts) and the server's upload
 * check (node/serve/save-run.ts) all derive from this module:
 *
 *   config.json                       the resolved configuration
 *   manifest.json                     versions, backend, seed, data, every tensor's name and shape,
 *                                     the digest of the config that trained the weights
 *   metrics.jsonl                     one EpochRecord per line
 *   progress.jsonl                    running means while training (the live curves)
 *   checkpoints/latest.json           {"epoch": N, "step": S, "path": "epoch-000N", "checksums": {file: SHA-256}}
 *   checkpoints/epoch-000N/<net>/model.json + weights.bin    TF.js layers format
 *   checkpoints/epoch-000N/<phase>.optimizer.json + .bin     optimizer step and state
 *   *.png                             figures
 *   sampler-gmm-k<K>.json             a K-component Gaussian mixture fitted to the training codes
 *                                     (`latentlab sample --sampler gmm`): derived, refitted when stale
 *
 * Writing goes through a map of relative path → bytes (`FileMap`), which the
 * caller hands to its file store (the Node writer writes the map atomically;
 * the page zips it or posts it). Reading goes through an injected `RunStore`
 * (the Node reader's is the disk, the server's upload check's the posted
 * files): `readRun` checks every file it reads and names the bad one, and
 * `verifyRun` checks that the parts belong together (run-digest.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, resolveStoredConfig } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import type { OptimizerState } from '../training/optimizer-state.js';
import { printable, quoted, utf8Decode, utf8Encode } from '../util/text.js';
import type { Autoencoder } from '../models/types.js';
import type { EpochRecord } from '../training/fit.js';
import { disposeOptimizerState } from '../training/optimizer-state.js';
import type { Phase } from '../training/trainer.js';
import { configDigest, sha256Hex, SHA256_HEX } from './run-digest.js';
import { layersModelFromFiles, layersModelToFiles, optimizerStateFromFiles, optimizerStateToFiles, type FileMap } from './layers-io.js';

export const RUN_FILES = {
  config: 'config.json',
  manifest: 'manifest.json',
  metrics: 'metrics.jsonl',
  progress: 'progress.jsonl',
  latest: 'checkpoints/latest.json',
  checkpoints: 'checkpoints',
} as const;

/** The file caching a K-component Gaussian mixture fitted to a run's training codes (derived data, like the figures). */
export function gmmSamplerFile(components: number): string {
  return `sampler-gmm-k${components}.json`;
}

/** The files a run folder must have to be opened. */
export const REQUIRED_RUN_FILES = [RUN_FILES.config, RUN_FILES.manifest] as const;

/** What the manifest records about the training data. */
export interface ManifestData {
  readonly source: string;
  /** One example's shape: [H, W] grey images, [H, W, C] colour (channels last), [D] tables. */
  readonly shape: readonly number[];
  readonly train: number;
  readonly test: number;
  readonly numClasses?: number;
  /** What the data was read from: 'idx', 'images', 'npy', 'npz', 'csv'. */
  readonly format?: string;
  /** The fraction held out for testing, when the source had no test split. */
  readonly heldOut?: number;
  /** The classes' names, by label (class folders, a label column's values). */
  readonly classNames?: readonly string[];
  /** Tables: stored value = (original − mean) / std, per column. */
  readonly standardization?: { readonly columns: readonly string[]; readonly mean: readonly number[]; readonly std: readonly number[] };
}

export interface Manifest {
  readonly latentlab: string;
  readonly tfjs: string;
  readonly backend: string;
  readonly created: string;
  readonly seed: number;
  readonly model: string;
  readonly data: ManifestData;
  readonly dataDim: number;
  readonly latentDim: number;
  readonly nets: Record<string, { readonly weights: { readonly name: string; readonly shape: readonly number[] }[] }>;
  /** SHA-256 of the config that trained the weights (run-digest.ts); absent in runs written before LatentLab 0.1 recorded it. */
  readonly configDigest?: string;
  /** The run whose weights this one started from (`train --init-from`): its folder as given, its epoch, its config's digest. */
  readonly initFrom?: { readonly run: string; readonly epoch: number; readonly configDigest?: string };
}

/** What checkpoints/latest.json holds. */
export interface Checkpoint {
  readonly epoch: number;
  readonly step: number;
  readonly path: string;
  /** SHA-256 of each file of the checkpoint, by its path inside the checkpoint folder; absent in older runs. */
  readonly checksums?: Readonly<Record<string, string>>;
}

/** The folder name of epoch N's checkpoint: epoch-000N. */
export function checkpointName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

/** A net's file in a checkpoint, relative to the run folder. */
export function netFile(checkpoint: string, net: string, file: 'model.json' | 'weights.bin'): string {
  return `${RUN_FILES.checkpoints}/${checkpoint}/${net}/${file}`;
}

/** A phase's optimizer file in a checkpoint, relative to the run folder. */
export function optimizerFile(checkpoint: string, phase: string, ext: 'json' | 'bin'): string {
  return `${RUN_FILES.checkpoints}/${checkpoint}/${phase}.optimizer.${ext}`;
}

const NAME = '[A-Za-z][A-Za-z0-9_-]*';
const CHECKPOINT = 'epoch-\\d{4,}';
/** A file's path inside a checkpoint folder. */
const CHECKPOINT_ENTRY = new RegExp(`^(${NAME}/(model\\.json|weights\\.bin)|${NAME}\\.optimizer\\.(json|bin))$`);
const RUN_FILE_PATTERNS = [
  /^(config|manifest)\.json$/,
  /^(metrics|progress)\.jsonl$/,
  /^checkpoints\/latest\.json$/,
  new RegExp(`^checkpoints/${CHECKPOINT}/(${NAME})/(model\\.json|weights\\.bin)$`),
  new RegExp(`^checkpoints/${CHECKPOINT}/${NAME}\\.optimizer\\.(json|bin)$`),
];

/**
 * True when `file` (relative, '/'-separated) is one of the layout's data
 * files; with `netNames`, a checkpoint's net folder must be one of them.
 * (Figures are not data: an upload never carries them.)
 */
export function isRunFile(file: string, netNames?: readonly string[]): boolean {
  const net = RUN_FILE_PATTERNS[3].exec(file);
  if (net) return !netNames || netNames.includes(net[1]);
  return RUN_FILE_PATTERNS.some((re) => re.test(file));
}

/** Each net's weights as the manifest lists them. */
export function describeNets(model: Autoencoder): Manifest['nets'] {
  return Object.fromEntries(
    Object.entries(model.nets).map(([name, net]) => [name, { weights: net.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })) }]),
  );
}

export async function buildManifest(model: Autoencoder, latentlab: string, backend: string, data: Manifest['data']): Promise<Manifest> {
  return {
    latentlab, tfjs: tf.version_core, backend, created: new Date().toISOString(), seed: model.config.seed,
    model: model.kind, data, dataDim: model.dataDim, latentDim: model.latentDim, nets: describeNets(model),
    configDigest: await configDigest(model.config),
  };
}

/** One phase per name (a phase repeated within a step shares its optimizer). */
export function uniquePhases(phases: readonly Phase[]): Phase[] {
  return [...new Map(phases.map((p) => [p.name, p])).values()];
}

/** The files of checkpoint `name`: every net and every phase's optimizer state, paths relative to the run folder. */
export async function checkpointFiles(model: Autoencoder, phases: readonly Phase[], name: string, generatedBy: string): Promise<FileMap> {
  const files: FileMap = {};
  for (const [net, layers] of Object.entries(model.nets)) {
    for (const [f, data] of Object.entries(await layersModelToFiles(layers, generatedBy))) files[netFile(name, net, f as 'model.json' | 'weights.bin')] = data;
  }
  for (const phase of uniquePhases(phases)) {
    const state = phase.optimizer.getState();
    for (const [f, data] of Object.entries(await optimizerStateToFiles(state))) files[`${RUN_FILES.checkpoints}/${name}/${phase.name}.${f}`] = data;
    disposeOptimizerState(state);
  }
  return files;
}

/**
 * The pointer to checkpoint `name` whose files (paths relative to the run
 * folder, as {@link checkpointFiles} gives them) are `files`: it records
 * each file's SHA-256.
 */
export async function checkpointPointer(epoch: number, step: number, name: string, files: FileMap): Promise<Checkpoint> {
  const prefix = `${RUN_FILES.checkpoints}/${name}/`;
  const checksums: Record<string, string> = {};
  for (const [file, data] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (file.startsWith(prefix)) checksums[file.slice(prefix.length)] = await sha256Hex(data);
  }
  return { epoch, step, path: name, checksums };
}

/** A whole run folder after its last record, as files (what the page downloads or uploads). */
export async function runFolderFiles(
  model: Autoencoder, phases: readonly Phase[], records: readonly EpochRecord[], manifest: Manifest, generatedBy: string,
): Promise<FileMap> {
  const last = records.at(-1);
  if (!last) throw new Error('train at least one epoch first');
  const name = checkpointName(last.epoch);
  const checkpoint = await checkpointFiles(model, phases, name, generatedBy);
  const pointer = await checkpointPointer(last.epoch, last.step, name, checkpoint);
  return {
    ...checkpoint,
    [RUN_FILES.config]: `${JSON.stringify(model.config, null, 2)}\n`,
    [RUN_FILES.manifest]: `${JSON.stringify(manifest, null, 2)}\n`,
    [RUN_FILES.metrics]: records.map((r) => `${JSON.stringify(r)}\n`).join(''),
    [RUN_FILES.latest]: `${JSON.stringify(pointer, null, 2)}\n`,
  };
}

/** Read access to one run folder's files by the layout's relative paths ('/'-separated); undefined for a file that is not there. */
export interface RunStore {
  /** How to name the folder in messages (a path, a run name). */
  readonly name: string;
  read(file: string): Uint8Array | undefined;
}

/** A run folder's file that is missing or not what the layout says; `file` is relative to the folder. */
export class RunFolderError extends Error {
  constructor(readonly folder: string, readonly file: string, problem: string) {
    super(`${folder}${file ? `/${file}` : ''}: ${problem}`);
    this.name = 'RunFolderError';
  }
}

/** A run folder as read: every part checked. */
export interface RunContents {
  readonly config: Config;
  readonly manifest: Manifest;
  /** The latest checkpoint, or null before the first epoch ended. */
  readonly checkpoint: Checkpoint | null;
  /** metrics.jsonl's records, in order. */
  readonly metrics: EpochRecord[];
  /** True when metrics.jsonl ended in a torn line (a crash mid-write), which was left out. */
  readonly tornMetrics: boolean;
}

/** A store over a map of files (an upload, a zip). */
export function fileMapStore(name: string, files: FileMap): RunStore {
  return {
    name,
    read: (file) => {
      const data = Object.prototype.hasOwnProperty.call(files, file) ? files[file] : undefined;
      return typeof data === 'string' ? utf8Encode(data) : data;
    },
  };
}

const isInt = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function readJson(store: RunStore, file: string, what: string): unknown {
  const data = store.read(file);
  if (!data) throw new RunFolderError(store.name, file, `missing (the ${what})`);
  try {
    return JSON.parse(utf8Decode(data));
  } catch (e) {
    throw new RunFolderError(store.name, file, `the ${what} is not valid JSON (${printable((e as Error).message)})`);
  }
}

/** checkpoints/latest.json's pointer, checked: whole numbers, and a checkpoint folder inside this run's checkpoints/. */
function parseCheckpoint(value: unknown, store: RunStore): Checkpoint {
  const bad = (problem: string) => new RunFolderError(store.name, RUN_FILES.latest, problem);
  if (!isObject(value)) throw bad('expected {"epoch", "step", "path"}');
  if (!isInt(value.epoch, 1)) throw bad(`"epoch" must be a whole number ≥ 1, got ${quoted(value.epoch)}`);
  if (!isInt(value.step, 0)) throw bad(`"step" must be a whole number ≥ 0, got ${quoted(value.step)}`);
  if (typeof value.path !== 'string' || !new RegExp(`^${CHECKPOINT}$`).test(value.path)) {
    throw bad(`"path" must name a checkpoint folder of this run (epoch-NNNN), got ${quoted(value.path)}`);
  }
  if (value.checksums === undefined) return { epoch: value.epoch, step: value.step, path: value.path };
  if (!isObject(value.checksums)) throw bad('"checksums" must map each checkpoint file to its SHA-256');
  for (const [file, sum] of Object.entries(value.checksums)) {
    if (!CHECKPOINT_ENTRY.test(file)) throw bad(`"checksums" names ${quoted(file)}, which is not a file of a checkpoint`);
    if (typeof sum !== 'string' || !SHA256_HEX.test(sum)) throw bad(`"checksums" gives ${quoted(file)} ${quoted(sum)}, not a SHA-256 in hex`);
  }
  return { epoch: value.epoch, step: value.step, path: value.path, checksums: value.checksums as Record<string, string> };
}

function checkManifest(value: unknown, config: Config, store: RunStore): Manifest {
  const bad = (problem: string) => new RunFolderError(store.name, RUN_FILES.manifest, problem);
  if (!isObject(value)) throw bad('expected an object');
  if (!isInt(value.dataDim, 1)) throw bad(`"dataDim" must be a whole number ≥ 1, got ${quoted(value.dataDim)}`);
  if (!isInt(value.latentDim, 1)) throw bad(`"latentDim" must be a whole number ≥ 1, got ${quoted(value.latentDim)}`);
  if (!isObject(value.nets)) throw bad('"nets" must list the networks and their weights');
  if (value.model !== undefined && value.model !== config.model) throw bad(`written for a ${printable(String(value.model), 40)}, but config.json describes a ${config.model}`);
  if (!isObject(value.data) || !Array.isArray(value.data.shape)) throw bad('"data" must describe the data set (source, shape)');
  const shape = value.data.shape;
  if (!shape.length || !shape.every((d) => isInt(d, 1)) || shape.reduce((a: number, d: number) => a * d, 1) !== value.dataDim) {
    throw bad(`"dataDim" (${quoted(value.dataDim)}) must be the product of "data.shape" (${quoted(shape, 60)})`);
  }
  const data = value.data;
  if (data.classNames !== undefined && (!Array.isArray(data.classNames) || !data.classNames.every((c) => typeof c === 'string')
      || (isInt(data.numClasses, 1) && data.classNames.length < (data.numClasses as number)))) {
    throw bad(`"data.classNames" must list a name (a string) for each of the ${quoted(data.numClasses)} classes, got ${quoted(data.classNames, 60)}`);
  }
  if (data.standardization !== undefined) {
    const s = data.standardization;
    const numbers = (v: unknown, positive: boolean) => Array.isArray(v) && v.length === value.dataDim && v.every((n) => typeof n === 'number' && Number.isFinite(n) && (!positive || n > 0));
    if (!isObject(s) || !numbers(s.mean, false) || !numbers(s.std, true) || !Array.isArray(s.columns) || s.columns.length !== value.dataDim) {
      throw bad(`"data.standardization" must give "columns", "mean" and "std" (positive) for each of the ${value.dataDim} values`);
    }
  }
  if (value.configDigest !== undefined && (typeof value.configDigest !== 'string' || !SHA256_HEX.test(value.configDigest))) {
    throw bad(`"configDigest" must be a SHA-256 in hex, got ${quoted(value.configDigest)}`);
  }
  const start = value.initFrom;
  if (start !== undefined && (!isObject(start) || typeof start.run !== 'string' || !isInt(start.epoch, 1)
      || (start.configDigest !== undefined && (typeof start.configDigest !== 'string' || !SHA256_HEX.test(start.configDigest))))) {
    throw bad(`"initFrom" must give the "run" (a folder) and "epoch" (a whole number ≥ 1) this run started from, got ${quoted(start, 80)}`);
  }
  return value as unknown as Manifest;
}

/** metrics.jsonl's records; a torn last line (no newline after it) is left out, any other bad line is an error. */
export function readRunMetrics(store: RunStore): { metrics: EpochRecord[]; torn: boolean } {
  const data = store.read(RUN_FILES.metrics);
  if (!data) return { metrics: [], torn: false };
  const text = utf8Decode(data);
  const lines = text.split('\n');
  const metrics: EpochRecord[] = [];
  let torn = false;
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    const valid = isObject(record) && isInt(record.epoch, 1) && isObject(record.test) && isObject(record.train);
    if (valid) {
      metrics.push(record as unknown as EpochRecord);
    } else if (i === lines.length - 1) {
      torn = true; // the last line, not ended by a newline: a write cut short
    } else {
      throw new RunFolderError(store.name, RUN_FILES.metrics, `line ${i + 1} is not an epoch record`);
    }
  }
  return { metrics, torn };
}

/** Reads and checks a run folder's config, manifest, checkpoint pointer and metrics. */
export function readRun(store: RunStore): RunContents {
  const rawConfig = readJson(store, RUN_FILES.config, 'configuration');
  let config: Config;
  try {
    config = resolveStoredConfig(rawConfig, RUN_FILES.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new RunFolderError(store.name, '', e.message);
    throw e;
  }
  const manifest = checkManifest(readJson(store, RUN_FILES.manifest, 'manifest'), config, store);
  const checkpoint = store.read(RUN_FILES.latest) ? parseCheckpoint(readJson(store, RUN_FILES.latest, 'checkpoint pointer'), store) : null;
  const { metrics, torn } = readRunMetrics(store);
  return { config, manifest, checkpoint, metrics, tornMetrics: torn };
}

/**
 * Checks that a run folder's parts belong together, before anything uses
 * them: config.json is the config the manifest's digest was taken of, and
 * every file of the latest checkpoint has the SHA-256 latest.json recorded
 * (which must list the files of every net in `netNames`).
 * Runs written before these were recorded are checked by what they have.
 *
 * @throws RunFolderError naming the file that disagrees.
 */
export async function verifyRun(store: RunStore, run: Pick<RunContents, 'config' | 'manifest' | 'checkpoint'>, netNames: readonly string[] = []): Promise<void> {
  if (run.manifest.configDigest !== undefined && run.manifest.configDigest !== (await configDigest(run.config))) {
    throw new RunFolderError(store.name, RUN_FILES.config,
      'is not the configuration these weights were trained with (it does not match the digest in manifest.json); was it edited after training? Restore it, or train a new run');
  }
  const checkpoint = run.checkpoint;
  if (!checkpoint?.checksums) return;
  const unlisted = netNames.flatMap((net) => [`${net}/model.json`, `${net}/weights.bin`]).find((entry) => !(entry in checkpoint.checksums!));
  if (unlisted) throw new RunFolderError(store.name, RUN_FILES.latest, `"checksums" does not list ${unlisted}, a file of the checkpoint`);
  for (const [entry, sum] of Object.entries(checkpoint.checksums)) {
    const file = `${RUN_FILES.checkpoints}/${checkpoint.path}/${entry}`;
    const data = store.read(file);
    if (!data) throw new RunFolderError(store.name, file, 'missing from the checkpoint that checkpoints/latest.json names');
    if ((await sha256Hex(data)) !== sum) {
      throw new RunFolderError(store.name, file, 'does not match the checksum in checkpoints/latest.json: the file is damaged or was replaced');
    }
  }
}

function requireFile(store: RunStore, file: string): Uint8Array {
  const data = store.read(file);
  if (!data) throw new RunFolderError(store.name, file, 'missing from the checkpoint');
  return data;
}

/** The nets of a checkpoint, by name. */
export async function readCheckpointNets(store: RunStore, checkpoint: Checkpoint, netNames: readonly string[]): Promise<Record<string, tfl.LayersModel>> {
  const nets: Record<string, tfl.LayersModel> = {};
  for (const name of netNames) {
    const json = utf8Decode(requireFile(store, netFile(checkpoint.path, name, 'model.json')));
    const weights = requireFile(store, netFile(checkpoint.path, name, 'weights.bin'));
    try {
      nets[name] = await layersModelFromFiles(json, weights);
    } catch (e) {
      for (const net of Object.values(nets)) net.dispose();
      throw new RunFolderError(store.name, `${RUN_FILES.checkpoints}/${checkpoint.path}/${name}`, `cannot load the ${name} network (${printable((e as Error).message)})`);
    }
  }
  return nets;
}

/** A phase's optimizer state in a checkpoint. */
export function readOptimizerState(store: RunStore, checkpoint: Checkpoint, phase: string): OptimizerState {
  const jsonFile = optimizerFile(checkpoint.path, phase, 'json');
  const json = utf8Decode(requireFile(store, jsonFile));
  try {
    return optimizerStateFromFiles(json, requireFile(store, optimizerFile(checkpoint.path, phase, 'bin')));
  } catch (e) {
    if (e instanceof RunFolderError) throw e;
    throw new RunFolderError(store.name, jsonFile, `cannot read the ${phase} phase's optimizer state (${printable((e as Error).message)})`);
  }
}

/**
 * Checks that `nets` (loaded from a checkpoint) are the nets `expected` (built
 * from the run's config.json) describes: the same names and weight shapes, in
 * order. A config.json edited after training (another latent size, other
 * hidden widths) would otherwise be evaluated, exported or resumed as if it
 * described the weights. Throws a RunFolderError naming the first mismatch.
 */
export function checkNetsMatchConfig(store: RunStore, nets: Record<string, tfl.LayersModel>, expected: Record<string, tfl.LayersModel>): void {
  for (const [name, net] of Object.entries(expected)) {
    const loaded = nets[name];
    const d = loaded && firstWeightDifference(net, loaded);
    if (d) {
      throw new RunFolderError(store.name, RUN_FILES.config,
        `does not describe the checkpoint's ${name} network (weight ${d.index + 1}: config.json gives ${d.want}, the checkpoint has ${d.got}); was config.json edited after training?`);
    }
  }
}

/**
 * The first weight (0-based `index`) whose name or shape differs between two
 * nets, each as "name [shape]" ("none" past the end of one), or undefined
 * when their weights match in number, names and shapes.
 */
export function firstWeightDifference(want: tfl.LayersModel, got: tfl.LayersModel): { index: number; want: string; got: string } | undefined {
  const [a, b] = [want, got].map((net) => net.weights.map((w) => `${w.originalName} [${w.shape.join(', ')}]`));
  const i = a.findIndex((w, k) => w !== b[k]);
  if (i < 0 && a.length === b.length) return undefined;
  const k = i >= 0 ? i : Math.min(a.length, b.length);
  return { index: k, want: a[k] ?? 'none', got: b[k] ?? 'none' };
}
