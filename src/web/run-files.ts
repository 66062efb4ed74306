/**
 * A model trained in the page as the files of a run folder, in the layout
 * `latentlab train` writes (config.json, manifest.json, metrics.jsonl,
 * checkpoints/latest.json, checkpoints/epoch-NNNN/<net>/model.json +
 * weights.bin, <phase>.optimizer.json + .bin), so every CLI command and this
 * page can open it. Weights go through the core's TF.js layers-format writer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layersModelToFiles, optimizerStateToFiles } from '../core/io/layers-io.js';
import type { Autoencoder } from '../core/models/types.js';
import type { EpochRecord } from '../core/training/fit.js';
import type { Phase } from '../core/training/trainer.js';
import { disposeOptimizerState } from '../core/training/optimizer-state.js';

declare const LATENTLAB_VERSION: string;

/** The version the build stamps into the bundle. */
export const VERSION = LATENTLAB_VERSION;
export const GENERATED_BY = `LatentLab ${VERSION} (web page)`;

export interface RunData {
  readonly model: Autoencoder;
  readonly phases: readonly Phase[];
  readonly records: readonly EpochRecord[];
  readonly backend: string;
  readonly data: { source: string; shape: number[]; train: number; test: number; numClasses?: number };
}

/** Every file of the run folder, path → bytes. */
export async function runFolderFiles({ model, phases, records, backend, data }: RunData): Promise<Record<string, Uint8Array>> {
  const enc = new TextEncoder();
  const last = records.at(-1);
  if (!last) throw new Error('train at least one epoch first');
  const checkpoint = `epoch-${String(last.epoch).padStart(4, '0')}`;
  const files: Record<string, Uint8Array> = {};
  const put = (name: string, v: string | Uint8Array) => (files[name] = typeof v === 'string' ? enc.encode(v) : v);
  for (const [net, layers] of Object.entries(model.nets)) {
    for (const [f, v] of Object.entries(await layersModelToFiles(layers, GENERATED_BY))) put(`checkpoints/${checkpoint}/${net}/${f}`, v);
  }
  for (const phase of new Map(phases.map((p) => [p.name, p])).values()) {
    const state = phase.optimizer.getState();
    for (const [f, v] of Object.entries(await optimizerStateToFiles(state))) put(`checkpoints/${checkpoint}/${phase.name}.${f}`, v);
    disposeOptimizerState(state);
  }
  const nets = Object.fromEntries(Object.entries(model.nets).map(([n, net]) => [n, { weights: net.weights.map((w) => ({ name: w.originalName, shape: w.shape })) }]));
  put('config.json', `${JSON.stringify(model.config, null, 2)}\n`);
  put('manifest.json', `${JSON.stringify({
    latentlab: VERSION, tfjs: tf.version_core, backend, created: new Date().toISOString(), seed: model.config.seed,
    model: model.kind, data, dataDim: model.dataDim, latentDim: model.latentDim, nets,
  }, null, 2)}\n`);
  put('metrics.jsonl', records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  put('checkpoints/latest.json', `${JSON.stringify({ epoch: last.epoch, step: last.step, path: checkpoint }, null, 2)}\n`);
  return files;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Saves the run into the server's runs folder as `name`. */
export async function saveToServer(name: string, files: Record<string, Uint8Array>): Promise<void> {
  const body = JSON.stringify({ name, files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, base64(v)])) });
  const res = await fetch('api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  if (!res.ok) throw new Error(`saving ${name}: ${res.status} ${(await res.text()).trim()}`);
}
