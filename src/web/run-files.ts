/**
 * A model trained in the page as the files of a run folder, in the layout
 * `latentlab train` writes (config.json, manifest.json, metrics.jsonl,
 * checkpoints/latest.json, checkpoints/epoch-NNNN/<net>/model.json +
 * weights.bin, <phase>.optimizer.json + .bin), so every CLI command and this
 * page can open it. The layout and its files come from core/io/run-layout.ts.
 */
import { buildManifest, runFolderFiles as layoutFiles } from '../core/io/run-layout.js';
import type { Autoencoder } from '../core/models/types.js';
import type { EpochRecord } from '../core/training/fit.js';
import type { Phase } from '../core/training/trainer.js';

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

/** Every file of the run folder, path → bytes (the layout is core/io/run-layout.ts's). */
export async function runFolderFiles({ model, phases, records, backend, data }: RunData): Promise<Record<string, Uint8Array>> {
  const enc = new TextEncoder();
  const manifest = await buildManifest(model, VERSION, backend, data);
  const files = await layoutFiles(model, phases, records, manifest, GENERATED_BY);
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? enc.encode(v) : v]));
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
