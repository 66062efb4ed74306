/**
 * Run folders on disk: everything a run is, described by itself. The layout
 * (file names, checkpoint contents, manifest) is core/io/run-layout.ts's;
 * this module writes and reads it with Node's file system.
 *
 *   runs/<name>/
 *     config.json          the resolved configuration
 *     manifest.json        LatentLab and TF.js versions, backend, seed, data, tensor names/shapes
 *     metrics.jsonl        one EpochRecord per line
 *     checkpoints/latest.json      → {"epoch": N, "step": S, "path": "epoch-000N"}
 *     checkpoints/epoch-000N/<net>/model.json + weights.bin    (TF.js layers format)
 *     checkpoints/epoch-000N/<phase>.optimizer.json + .bin     (optimizer moments)
 *     *.png                figures
 *     training.json        {pid, hostname, started} while a process trains the run (training-marker.ts)
 *
 * A checkpoint folder is written under a temporary name and renamed into
 * place, then `latest.json` is replaced atomically: a crash at any moment
 * leaves the previous checkpoint intact and referenced.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../core/config/schema.js';
import type { FileMap } from '../core/io/layers-io.js';
import {
  buildManifest as buildLayoutManifest, checkNetsMatchConfig, checkpointFiles, checkpointName, checkpointPointer, readCheckpointNets, readOptimizerState, readRun, readRunMetrics, REQUIRED_RUN_FILES,
  RUN_FILES, RunFolderError, verifyRun, type Checkpoint, type Manifest, type RunContents, type RunStore,
} from '../core/io/run-layout.js';
import type { Autoencoder } from '../core/models/types.js';
import type { OptimizerState } from '../core/training/optimizer-state.js';
import type { EpochRecord } from '../core/training/fit.js';
import type { Phase } from '../core/training/trainer.js';
import { UserError } from './errors.js';
import { notARegularFile } from './regular-file.js';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from './fs-atomic.js';
import { VERSION } from './version.js';
import { isRunning } from './training-marker.js';
import { modelFamily } from '../core/models/registry.js';
import { allFinite } from '../core/training/divergence.js';
import { printable } from '../core/util/text.js';
import { isAdversarialConfig } from '../core/config/schema.js';
import { convKernelSizes, netWidths } from '../core/nets/build.js';

export type { Checkpoint, Manifest } from '../core/io/run-layout.js';
export { describeNets, uniquePhases } from '../core/io/run-layout.js';

/** The layout's file names (core/io/run-layout.ts owns them). */
export const runFiles = RUN_FILES;

export function buildManifest(model: Autoencoder, backend: string, data: Manifest['data']): Promise<Manifest> {
  return buildLayoutManifest(model, VERSION, backend, data);
}

/**
 * Removes the temporary folders `.<name>.tmp-<pid>-<time>` beside run folder
 * `dir` that a process killed while creating it left (fs-atomic.ts writes
 * the folder under that name, then renames it). A temporary of another
 * process still running is left alone. Returns what was removed.
 */
function removeStaleCreations(dir: string): string[] {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = name.startsWith(prefix) ? /^(\d+)-\d+$/.exec(name.slice(prefix.length)) : null;
    // This process has not written it yet, so one under its own id is an earlier process's (a reused id).
    if (!owner || (Number(owner[1]) !== process.pid && isRunning(Number(owner[1])))) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
    removed.push(path.join(parent, name));
  }
  return removed;
}

/**
 * Creates an empty run folder; refuses to reuse an existing one. What an
 * earlier creation of the same folder, killed before its rename, left
 * beside it is removed first.
 */
export function createRunFolder(dir: string, config: Config, manifest: Manifest): void {
  if (existsSync(dir)) throw new UserError(`run folder ${dir} already exists: pick another --name, or continue it with --resume ${dir}`);
  removeStaleCreations(dir);
  writeDirAtomic(dir, {
    [runFiles.config]: `${JSON.stringify(config, null, 2)}\n`,
    [runFiles.manifest]: `${JSON.stringify(manifest, null, 2)}\n`,
    [runFiles.metrics]: '',
    'checkpoints/.keep': '',
  });
}

/** The run folder `dir` on disk as the layout's store (a file that is not there reads as undefined). */
export function diskStore(dir: string): RunStore {
  return {
    name: dir,
    read(file) {
      const full = path.join(dir, ...file.split('/'));
      try {
        const problem = notARegularFile(full);
        if (problem) throw new RunFolderError(dir, file, problem);
        return readFileSync(full);
      } catch (e) {
        if (e instanceof RunFolderError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return undefined;
        if (code === 'EISDIR') throw new RunFolderError(dir, file, 'is a folder, expected a file');
        throw new RunFolderError(dir, file, `cannot be read (${printable((e as Error).message)})`);
      }
    },
  };
}

/** Runs `read`, turning a bad run folder into a one-line UserError. */
function asUserError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof RunFolderError) throw new UserError(e.message);
    throw e;
  }
}

async function asyncUserError<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof RunFolderError) throw new UserError(e.message);
    throw e;
  }
}

export interface OpenedRun extends RunContents {
  readonly dir: string;
}

/** Opens a run folder, checking that it is one and that every part of it reads (core/io/run-layout.ts, readRun). */
export function openRunFolder(dir: string): OpenedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such run folder`);
  const missing = REQUIRED_RUN_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) {
    // A parent of run folders (--out, a compare folder) is the usual mistake: name the runs inside it.
    const inside = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && REQUIRED_RUN_FILES.every((f) => existsSync(path.join(dir, e.name, f))))
      .map((e) => path.join(dir, e.name));
    const hint = inside.length ? `; it holds ${inside.length === 1 ? 'a run folder' : 'run folders'}: ${inside.slice(0, 4).join(', ')}${inside.length > 4 ? ', …' : ''}` : '';
    throw new UserError(`${dir} is not a LatentLab run folder (missing ${missing.join(', ')})${hint}`);
  }
  return { dir, ...asUserError(() => readRun(diskStore(dir))) };
}

/** The epoch records of a run, in order (a torn last line, from a crash mid-write, is left out). */
export function readMetrics(dir: string): EpochRecord[] {
  return asUserError(() => readRunMetrics(diskStore(dir)).metrics);
}

/**
 * Removes what an interrupted write left in a run folder: temporary files
 * and checkpoint folders (`.<name>.tmp-<pid>-<time>`, fs-atomic.ts) in the
 * folder and in checkpoints/. Called when a run is opened for writing
 * (--resume); returns what was removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  for (const folder of [dir, path.join(dir, RUN_FILES.checkpoints)]) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) {
      if (!/^\..+\.tmp-\d+-\d+$/.test(name)) continue;
      rmSync(path.join(folder, name), { recursive: true, force: true });
      removed.push(path.join(folder, name));
    }
  }
  return removed;
}

/** Appends one epoch's record to metrics.jsonl. */
export function appendMetrics(dir: string, record: EpochRecord): void {
  appendFileSync(path.join(dir, runFiles.metrics), `${JSON.stringify(record)}\n`);
}

/**
 * Keeps metrics.jsonl consistent with a checkpoint: drops the records of
 * epochs after `lastEpoch` (written before a crash, never checkpointed).
 */
export function truncateMetrics(dir: string, lastEpoch: number): EpochRecord[] {
  const kept = readMetrics(dir).filter((r) => r.epoch <= lastEpoch);
  writeFileAtomic(path.join(dir, runFiles.metrics), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept;
}

/** Saves nets and optimizer states as checkpoint `epoch`, then points latest.json at it. */
export async function saveCheckpoint(dir: string, model: Autoencoder, phases: readonly Phase[], epoch: number, step: number): Promise<Checkpoint> {
  const name = checkpointName(epoch);
  // Paths relative to the checkpoint's own folder (written there as one directory).
  const prefix = `${RUN_FILES.checkpoints}/${name}/`;
  const all = await checkpointFiles(model, phases, name, `LatentLab ${VERSION}`);
  const files: FileMap = Object.fromEntries(Object.entries(all).map(([f, data]) => [f.slice(prefix.length), data]));
  const checkpoints = path.join(dir, RUN_FILES.checkpoints);
  rmSync(path.join(checkpoints, name), { recursive: true, force: true });
  writeDirAtomic(path.join(checkpoints, name), files);
  const pointer = await checkpointPointer(epoch, step, name, all);
  writeJsonAtomic(path.join(dir, runFiles.latest), pointer);
  for (const old of readdirSync(checkpoints)) if (old !== name && old.startsWith('epoch-')) rmSync(path.join(checkpoints, old), { recursive: true, force: true });
  return pointer;
}

/** Widths a net may add to the data or a layer (a one-hot label, a categorical code): at most this many. */
const MAX_EXTRA_WIDTH = 1024;

/**
 * Before the nets config.json describes are built to compare them with the
 * checkpoint's, checks that no size they would have (manifest.json's
 * `dataDim`, a hidden width) is far beyond every size the checkpoint's own
 * weights have: a damaged or edited file would otherwise make the build
 * allocate gigabytes (and can leave the wasm backend unusable).
 */
function checkSizesFitCheckpoint(store: RunStore, run: OpenedRun, nets: Record<string, tfl.LayersModel>): void {
  const largest = Math.max(0, ...Object.values(nets).flatMap((net) => net.weights.flatMap((w) => w.shape as number[])));
  const limit = largest + MAX_EXTRA_WIDTH;
  const { config } = run;
  // A conv net has no weight as wide as an example: its widths below stand for it.
  const flatNets = config.encoder.kind !== 'conv' || config.decoder.kind !== 'conv';
  if (flatNets && run.manifest.dataDim > limit) {
    throw new RunFolderError(store.name, RUN_FILES.manifest, `"dataDim" ${run.manifest.dataDim} does not fit the checkpoint, whose largest weight dimension is ${largest}`);
  }
  const shape = run.manifest.data.shape;
  const widths = [...netWidths(config.encoder, shape), ...netWidths(config.decoder, shape), config.latentDim, ...(isAdversarialConfig(config) ? config.adversarial.discriminator.hidden : [])];
  const wide = widths.find((w) => w > limit);
  if (wide !== undefined) {
    throw new RunFolderError(store.name, RUN_FILES.config, `describes a width of ${wide}, but the checkpoint's largest weight dimension is ${largest}; was config.json edited after training?`);
  }
  // A convolution's kernel (k²·in·out values) is a weight of the checkpoint: none may be larger than its largest.
  const most = Math.max(0, ...Object.values(nets).flatMap((net) => net.weights.map((w) => w.shape.reduce((a: number, d) => a * (d ?? 1), 1))));
  const kernel = [...convKernelSizes(config.encoder, shape), ...convKernelSizes(config.decoder, shape)].find((n) => n > most);
  if (kernel !== undefined) {
    throw new RunFolderError(store.name, RUN_FILES.config, `describes a convolution kernel of ${kernel} values, but the checkpoint's largest weight has ${most}; was config.json edited after training?`);
  }
}

/**
 * Loads the nets of a run's latest checkpoint after checking the folder:
 * config.json is the config that trained them (the manifest's digest),
 * every checkpoint file has the checksum latest.json recorded, the nets
 * are the ones config.json describes (the same weights, the same shapes),
 * and every weight is finite.
 */
export async function loadCheckpointNets(run: OpenedRun, checkpoint: Checkpoint): Promise<Record<string, tfl.LayersModel>> {
  const family = modelFamily(run.config);
  const store = diskStore(run.dir);
  await asyncUserError(() => verifyRun(store, { ...run, checkpoint }, family.netNames(run.config)));
  let nets: Record<string, tfl.LayersModel> | undefined;
  let expected: Record<string, tfl.LayersModel> = {};
  try {
    nets = await readCheckpointNets(store, checkpoint, family.netNames(run.config));
    checkSizesFitCheckpoint(store, run, nets);
    expected = family.buildNets(run.config, run.manifest.data.shape);
    checkNetsMatchConfig(store, nets, expected);
    // LatentLab never saves a weight that is not finite (training stops first): one here means a damaged file.
    for (const [name, net] of Object.entries(nets)) {
      if (!(await allFinite(net.weights.map((w) => w.read() as tf.Variable)))) {
        throw new RunFolderError(run.dir, `${RUN_FILES.checkpoints}/${checkpoint.path}/${name}/weights.bin`, 'holds values that are not finite numbers (NaN or ∞): the file is damaged');
      }
    }
    return nets;
  } catch (e) {
    for (const net of Object.values(nets ?? {})) net.dispose();
    if (e instanceof RunFolderError) throw new UserError(e.message);
    throw e;
  } finally {
    for (const net of Object.values(expected)) net.dispose();
  }
}

/** Loads a phase's optimizer state from a checkpoint. */
export function loadOptimizerState(dir: string, checkpoint: Checkpoint, phase: string): OptimizerState {
  return asUserError(() => readOptimizerState(diskStore(dir), checkpoint, phase));
}
