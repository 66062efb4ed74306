/**
 * Run folders: everything a run is, described by itself.
 *
 *   runs/<name>/
 *     config.json          the resolved configuration
 *     manifest.json        LatentLab and TF.js versions, backend, seed, data, tensor names/shapes
 *     metrics.jsonl        one EpochRecord per line
 *     checkpoints/latest.json      → {"epoch": N, "step": S, "path": "epoch-000N"}
 *     checkpoints/epoch-000N/<net>/model.json + weights.bin    (TF.js layers format)
 *     checkpoints/epoch-000N/<phase>.optimizer.json + .bin     (optimizer moments)
 *     *.png                figures
 *
 * A checkpoint folder is written under a temporary name and renamed into
 * place, then `latest.json` is replaced atomically: a crash at any moment
 * leaves the previous checkpoint intact and referenced.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resolveConfig, ConfigError } from '../core/config/resolve.js';
import type { Config } from '../core/config/schema.js';
import { layersModelFromFiles, layersModelToFiles, optimizerStateFromFiles, optimizerStateToFiles, type FileMap } from '../core/io/layers-io.js';
import type { Autoencoder } from '../core/models/types.js';
import type { OptimizerState } from '../core/training/adam.js';
import type { EpochRecord } from '../core/training/fit.js';
import type { Phase } from '../core/training/trainer.js';
import { UserError } from './errors.js';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from './fs-atomic.js';
import { VERSION } from './version.js';
import { disposeOptimizerState } from '../core/training/optimizer-state.js';

export interface Manifest {
  readonly latentlab: string;
  readonly tfjs: string;
  readonly backend: string;
  readonly created: string;
  readonly seed: number;
  readonly model: string;
  readonly data: { readonly source: string; readonly shape: readonly number[]; readonly train: number; readonly test: number; readonly numClasses?: number };
  readonly dataDim: number;
  readonly latentDim: number;
  readonly nets: Record<string, { readonly weights: { readonly name: string; readonly shape: readonly number[] }[] }>;
}

export interface Checkpoint {
  readonly epoch: number;
  readonly step: number;
  readonly path: string;
}

export const runFiles = {
  config: 'config.json',
  manifest: 'manifest.json',
  metrics: 'metrics.jsonl',
  latest: 'checkpoints/latest.json',
} as const;

/** Describes the nets' weights for the manifest. */
export function describeNets(model: Autoencoder): Manifest['nets'] {
  return Object.fromEntries(
    Object.entries(model.nets).map(([name, net]) => [name, { weights: net.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })) }]),
  );
}

export function buildManifest(model: Autoencoder, backend: string, data: Manifest['data']): Manifest {
  return {
    latentlab: VERSION, tfjs: tf.version_core, backend, created: new Date().toISOString(), seed: model.config.seed,
    model: model.kind, data, dataDim: model.dataDim, latentDim: model.latentDim, nets: describeNets(model),
  };
}

/** Creates an empty run folder; refuses to reuse an existing one. */
export function createRunFolder(dir: string, config: Config, manifest: Manifest): void {
  if (existsSync(dir)) throw new UserError(`run folder ${dir} already exists: pick another --name, or continue it with --resume ${dir}`);
  writeDirAtomic(dir, {
    [runFiles.config]: `${JSON.stringify(config, null, 2)}\n`,
    [runFiles.manifest]: `${JSON.stringify(manifest, null, 2)}\n`,
    [runFiles.metrics]: '',
    'checkpoints/.keep': '',
  });
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: cannot read the ${what} (${(e as Error).message})`);
  }
}

export interface OpenedRun {
  readonly dir: string;
  readonly config: Config;
  readonly manifest: Manifest;
  readonly checkpoint: Checkpoint | null;
  readonly metrics: EpochRecord[];
}

/** Opens a run folder, checking that it is one. */
export function openRunFolder(dir: string): OpenedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such run folder`);
  const missing = [runFiles.config, runFiles.manifest].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) throw new UserError(`${dir} is not a LatentLab run folder (missing ${missing.join(', ')})`);
  let config: Config;
  try {
    config = resolveConfig(readJson(path.join(dir, runFiles.config), 'configuration'), path.join(dir, runFiles.config));
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(e.message);
    throw e;
  }
  const manifest = readJson(path.join(dir, runFiles.manifest), 'manifest') as Manifest;
  const latestFile = path.join(dir, runFiles.latest);
  const checkpoint = existsSync(latestFile) ? (readJson(latestFile, 'checkpoint pointer') as Checkpoint) : null;
  return { dir, config, manifest, checkpoint, metrics: readMetrics(dir) };
}

/** The epoch records of a run, in order. */
export function readMetrics(dir: string): EpochRecord[] {
  const file = path.join(dir, runFiles.metrics);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord);
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

/** One phase per name (a phase repeated within a step shares its optimizer). */
export function uniquePhases(phases: readonly Phase[]): Phase[] {
  return [...new Map(phases.map((p) => [p.name, p])).values()];
}

/** Saves nets and optimizer states as checkpoint `epoch`, then points latest.json at it. */
export async function saveCheckpoint(dir: string, model: Autoencoder, phases: readonly Phase[], epoch: number, step: number): Promise<Checkpoint> {
  const name = `epoch-${String(epoch).padStart(4, '0')}`;
  const files: FileMap = {};
  for (const [netName, net] of Object.entries(model.nets)) {
    for (const [f, data] of Object.entries(await layersModelToFiles(net, `LatentLab ${VERSION}`))) files[`${netName}/${f}`] = data;
  }
  for (const phase of uniquePhases(phases)) {
    const state = phase.optimizer.getState();
    for (const [f, data] of Object.entries(await optimizerStateToFiles(state))) files[`${phase.name}.${f}`] = data;
    disposeOptimizerState(state);
  }
  const checkpoints = path.join(dir, 'checkpoints');
  rmSync(path.join(checkpoints, name), { recursive: true, force: true });
  writeDirAtomic(path.join(checkpoints, name), files);
  const pointer: Checkpoint = { epoch, step, path: name };
  writeJsonAtomic(path.join(dir, runFiles.latest), pointer);
  for (const old of readdirSync(checkpoints)) if (old !== name && old.startsWith('epoch-')) rmSync(path.join(checkpoints, old), { recursive: true, force: true });
  return pointer;
}

function readCheckpointFile(file: string): Uint8Array {
  if (!existsSync(file)) throw new UserError(`${file}: missing from the checkpoint`);
  return readFileSync(file);
}

/** Loads the nets of a checkpoint. */
export async function loadCheckpointNets(dir: string, checkpoint: Checkpoint, netNames: readonly string[]): Promise<Record<string, tfl.LayersModel>> {
  const nets: Record<string, tfl.LayersModel> = {};
  for (const name of netNames) {
    const base = path.join(dir, 'checkpoints', checkpoint.path, name);
    const json = new TextDecoder().decode(readCheckpointFile(path.join(base, 'model.json')));
    try {
      nets[name] = await layersModelFromFiles(json, readCheckpointFile(path.join(base, 'weights.bin')));
    } catch (e) {
      throw new UserError(`${base}: cannot load the ${name} network (${(e as Error).message})`);
    }
  }
  return nets;
}

/** Loads a phase's optimizer state from a checkpoint. */
export function loadOptimizerState(dir: string, checkpoint: Checkpoint, phase: string): OptimizerState {
  const base = path.join(dir, 'checkpoints', checkpoint.path, phase);
  const json = new TextDecoder().decode(readCheckpointFile(`${base}.optimizer.json`));
  return optimizerStateFromFiles(json, readCheckpointFile(`${base}.optimizer.bin`));
}
