/**
 * Talking to `latentlab serve`: run summaries and details, the checkpointed
 * nets (tf.loadLayersModel over HTTP, the run folder's model.json +
 * weights.bin as they are), and images with labels from the run's data set.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveStoredConfig } from '../core/config/resolve.js';
import type { Config } from '../core/config/schema.js';
import { modelFamily } from '../core/models/registry.js';
import type { Autoencoder } from '../core/models/types.js';
import type { EpochRecord } from '../core/training/fit.js';

/** Where a run stands: a live `latentlab train` writes it, it reached its planned epochs, it stopped short, or it has no epoch yet. */
export type RunStatus = 'training' | 'finished' | 'interrupted' | 'empty';

export interface RunSummary {
  /** The run folder's path inside the runs folder ("vae-z2", or "compare-…/vae-gaussian" for a nested one). */
  readonly name: string;
  /** The folder holding it ("" at the top). */
  readonly group?: string;
  readonly status?: RunStatus;
  readonly plannedEpochs?: number;
  readonly model?: string;
  readonly latentDim?: number;
  readonly prior?: string;
  readonly data?: { source: string; shape: number[]; train: number; test: number };
  readonly epochs?: number;
  readonly last?: EpochRecord | null;
  readonly figures?: string[];
  readonly checkpoint?: { epoch: number; step: number; path: string } | null;
  readonly error?: string;
}

export interface RunDetail {
  readonly name: string;
  readonly config: Config;
  readonly manifest: { dataDim: number; latentDim: number; data: { source: string; shape: number[]; classNames?: string[] }; backend: string; created: string };
  readonly checkpoint: { epoch: number; step: number; path: string } | null;
  readonly metrics: EpochRecord[];
  readonly figures: string[];
  readonly nets: Record<string, string>;
  readonly status?: RunStatus;
  readonly plannedEpochs?: number;
  /** The run's row of the comparison (`latentlab compare`) it belongs to, when there is one. */
  readonly comparison?: {
    readonly latent: { readonly images: number; readonly mmd: number; readonly twoSample: number; readonly knn: number | null };
    readonly test: Record<string, number>;
    readonly priorLabel?: string;
    readonly report?: string;
  };
}

/** Test or training images: intensities in [0, 1], [count, dim] row-major. */
export interface ImageSet {
  readonly count: number;
  readonly shape: number[];
  readonly dim: number;
  readonly x: Float32Array;
  readonly labels: Int32Array | null;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${(await res.text()).trim()}`);
  return (await res.json()) as T;
}

export const listRuns = () => getJson<RunSummary[]>('api/runs');
export const getRun = (name: string) => getJson<RunDetail>(`api/runs/${encodeURIComponent(name)}`);

/** Rebuilds a run's model from its latest checkpoint, in the browser. */
export async function loadModel(run: RunDetail): Promise<Autoencoder> {
  if (!run.checkpoint) throw new Error(`${run.name} has no checkpoint yet (its first epoch has not finished)`);
  const config = resolveStoredConfig(run.config, `${run.name}/config.json`);
  const family = modelFamily(config);
  const nets: Record<string, tfl.LayersModel> = {};
  for (const name of family.netNames(config)) nets[name] = await tfl.loadLayersModel(new URL(run.nets[name], location.href).href);
  let samples: Float32Array | undefined;
  if (config.prior.kind === 'samples') {
    const res = await fetch(`api/runs/${encodeURIComponent(run.name)}/prior`);
    if (!res.ok) throw new Error(`prior samples of ${run.name}: ${res.status}`);
    samples = new Float32Array(await res.arrayBuffer());
  }
  return family.create(config, run.manifest.data.shape, nets, { samples });
}

/** The first `limit` images of a split (of the run's data set, or MNIST without a run). */
export async function loadImages(split: 'train' | 'test', limit: number, run?: string): Promise<ImageSet> {
  const query = new URLSearchParams({ split, limit: String(limit), ...(run ? { run } : {}) });
  const res = await fetch(`api/data?${query}`);
  if (!res.ok) throw new Error(`images: ${res.status} ${(await res.text()).trim()}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const count = Number(res.headers.get('X-Count'));
  const shape = (res.headers.get('X-Shape') ?? '').split(',').map(Number);
  const dim = shape.reduce((a, b) => a * b, 1);
  // Intensities as bytes; values outside [0, 1] (standardised tables) as little-endian float32.
  const real = res.headers.get('X-Dtype') === 'float32';
  const width = real ? 4 : 1;
  let x: Float32Array;
  if (real) x = new Float32Array(bytes.slice(0, count * dim * 4).buffer);
  else {
    // A loop, not Float32Array.from(bytes, f), which lists every value first.
    x = new Float32Array(count * dim);
    for (let i = 0; i < x.length; i++) x[i] = bytes[i] / 255;
  }
  const labels = res.headers.get('X-Labels') === '1' ? Int32Array.from(bytes.subarray(count * dim * width, count * dim * width + count)) : null;
  return { count, shape, dim, x, labels };
}
