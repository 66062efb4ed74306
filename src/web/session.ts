/**
 * Runs loaded into the page, kept while it is open: the run's details, its
 * model rebuilt from the checkpoint, test images with labels, their codes
 * and prior samples. Each run is loaded once; views share it.
 */
import type { Autoencoder } from '../core/models/types.js';
import { getRun, loadImages, loadModel, type ImageSet, type RunDetail } from './api.js';
import { encodeMeans, priorSamples } from './latent.js';

/** How many test images the explorer encodes and draws. */
export const TEST_IMAGES = 10_000;
const PRIOR_SAMPLES = 2000;

export interface LoadedRun {
  readonly detail: RunDetail;
  readonly model: Autoencoder;
  readonly images: ImageSet;
  readonly codes: Float32Array;
  readonly prior: Float32Array;
}

const cache = new Map<string, Promise<LoadedRun>>();
/** Test images by data set (31 MB for MNIST's 10,000 as float32): runs trained on the same data share them. */
const imageCache = new Map<string, Promise<ImageSet>>();

function testImages(detail: RunDetail): Promise<ImageSet> {
  // The server sends the whole test split whatever the run's limits; the rest of the data settings (binarising…) and the shape matter.
  const key = JSON.stringify([{ ...detail.config.data, trainLimit: undefined, testLimit: undefined }, detail.manifest.data.shape]);
  let p = imageCache.get(key);
  if (!p) {
    p = loadImages('test', TEST_IMAGES, detail.name);
    imageCache.set(key, p);
    p.catch(() => imageCache.delete(key));
  }
  return p;
}

async function load(name: string): Promise<LoadedRun> {
  const detail = await getRun(name);
  const model = await loadModel(detail);
  const images = await testImages(detail);
  const codes = await encodeMeans(model, images.x, images.count, images.labels);
  const prior = await priorSamples(model, PRIOR_SAMPLES);
  return { detail, model, images, codes, prior };
}

/** A model trained in this page, made available to the explorer like a run. */
export async function adoptModel(name: string, detail: RunDetail, model: Autoencoder, images: ImageSet): Promise<LoadedRun> {
  const loaded = { detail, model, images, codes: await encodeMeans(model, images.x, images.count, images.labels), prior: await priorSamples(model, PRIOR_SAMPLES) };
  cache.set(name, Promise.resolve(loaded));
  return loaded;
}

/** The loaded run `name` (loading it on first use; a failed load is retried next time). */
export function loadRun(name: string): Promise<LoadedRun> {
  let p = cache.get(name);
  if (!p) {
    p = load(name);
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p;
}

/**
 * The loaded run `name`, reloaded when the server holds a newer checkpoint
 * than the one loaded (the run went on training). Runs that exist only in
 * this page (trained here, not saved) are returned as they are.
 */
export async function loadCurrentRun(name: string): Promise<LoadedRun> {
  const cached = cache.get(name);
  if (!cached) return loadRun(name);
  const detail = await getRun(name).catch(() => null);
  const loaded = await cached;
  if (detail && detail.checkpoint?.path !== loaded.detail.checkpoint?.path) {
    await forgetRun(name);
    return loadRun(name);
  }
  // The same checkpoint; what else the server says about the run (metrics, status, its comparison) may be newer.
  return detail ? { ...loaded, detail } : loaded;
}

/** Forgets a loaded run (its checkpoint changed) and frees its tensors. */
export async function forgetRun(name: string): Promise<void> {
  const p = cache.get(name);
  cache.delete(name);
  if (p) (await p.catch(() => null))?.model.dispose();
}
