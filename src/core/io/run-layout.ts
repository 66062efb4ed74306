/**
 * The run-folder format, in one place. The Node writer (node/run-folder.ts),
 * the page's download and upload (web/run-files.ts) and the server's upload
 * check (node/serve/save-run.ts) all derive from this module:
 *
 *   config.json                       the resolved configuration
 *   manifest.json                     versions, backend, seed, data, every tensor's name and shape
 *   metrics.jsonl                     one EpochRecord per line
 *   progress.jsonl                    running means while training (the live curves)
 *   checkpoints/latest.json           {"epoch": N, "step": S, "path": "epoch-000N"}
 *   checkpoints/epoch-000N/<net>/model.json + weights.bin    TF.js layers format
 *   checkpoints/epoch-000N/<phase>.optimizer.json + .bin     optimizer step and state
 *   *.png                             figures
 *
 * Writing goes through a map of relative path → bytes (`FileMap`), which the
 * caller hands to its file store (the Node writer writes the map atomically;
 * the page zips it or posts it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Autoencoder } from '../models/types.js';
import type { EpochRecord } from '../training/fit.js';
import { disposeOptimizerState } from '../training/optimizer-state.js';
import type { Phase } from '../training/trainer.js';
import { layersModelToFiles, optimizerStateToFiles, type FileMap } from './layers-io.js';

export const RUN_FILES = {
  config: 'config.json',
  manifest: 'manifest.json',
  metrics: 'metrics.jsonl',
  progress: 'progress.jsonl',
  latest: 'checkpoints/latest.json',
  checkpoints: 'checkpoints',
} as const;

/** The files a run folder must have to be opened. */
export const REQUIRED_RUN_FILES = [RUN_FILES.config, RUN_FILES.manifest] as const;

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

/** What checkpoints/latest.json holds. */
export interface Checkpoint {
  readonly epoch: number;
  readonly step: number;
  readonly path: string;
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

export function buildManifest(model: Autoencoder, latentlab: string, backend: string, data: Manifest['data']): Manifest {
  return {
    latentlab, tfjs: tf.version_core, backend, created: new Date().toISOString(), seed: model.config.seed,
    model: model.kind, data, dataDim: model.dataDim, latentDim: model.latentDim, nets: describeNets(model),
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

/** A whole run folder after its last record, as files (what the page downloads or uploads). */
export async function runFolderFiles(
  model: Autoencoder, phases: readonly Phase[], records: readonly EpochRecord[], manifest: Manifest, generatedBy: string,
): Promise<FileMap> {
  const last = records.at(-1);
  if (!last) throw new Error('train at least one epoch first');
  const name = checkpointName(last.epoch);
  const pointer: Checkpoint = { epoch: last.epoch, step: last.step, path: name };
  return {
    ...(await checkpointFiles(model, phases, name, generatedBy)),
    [RUN_FILES.config]: `${JSON.stringify(model.config, null, 2)}\n`,
    [RUN_FILES.manifest]: `${JSON.stringify(manifest, null, 2)}\n`,
    [RUN_FILES.metrics]: records.map((r) => `${JSON.stringify(r)}\n`).join(''),
    [RUN_FILES.latest]: `${JSON.stringify(pointer, null, 2)}\n`,
  };
}
