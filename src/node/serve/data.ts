/**
 * Images and labels for the page, from the data set a run was trained on
 * (src/node/datasets.ts; MNIST when no run is named). The reply is one
 * binary blob: `count × dim` bytes of intensities (round(255·x)), or, for
 * data with values outside [0, 1] (standardised tables), `count × dim`
 * little-endian float32 values; then `count` label bytes when the set has
 * labels. Headers describe it: X-Count, X-Shape ("28,28"), X-Labels ("1" or
 * "0"), X-Dtype ("uint8" or "float32").
 * Each data source is read once and kept as bytes.
 */
import type { Config } from '../../core/config/schema.js';
import { dataOptions, loadTrainingSplits } from '../datasets.js';
import { readRows, withImageShape, type DataSource } from '../../core/data/dataset.js';
import { HttpError } from './http-util.js';

export const MAX_IMAGES = { train: 20_000, test: 10_000 } as const;
export type Split = keyof typeof MAX_IMAGES;

interface Packed {
  /** uint8 intensities, or the float32 values' bytes (`real`). */
  readonly pixels: Uint8Array;
  readonly real: boolean;
  readonly labels: Uint8Array | null;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dim: number;
}

function pack(ds: DataSource, limit: number): Packed {
  const size = Math.min(ds.size, limit);
  const labels = ds.labels && (ds.numClasses ?? 0) <= 256 ? Uint8Array.from(ds.labels.subarray(0, size)) : null;
  const x = readRows(ds, Int32Array.from({ length: size }, (_, i) => i));
  if (ds.values === 'real') {
    const values = x;
    return { pixels: new Uint8Array(values.buffer), real: true, labels, shape: ds.shape, size, dim: ds.dim };
  }
  const pixels = new Uint8Array(size * ds.dim);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(x[i] * 255);
  return { pixels, real: false, labels, shape: ds.shape, size, dim: ds.dim };
}

/** Caches packed splits per data source. */
export class DataCache {
  private readonly cache = new Map<string, Record<Split, Packed>>();

  /** The first `limit` images of a split, as the reply's body and headers; `shape`, a run's example shape, makes images grey or colour as that run expects. */
  get(data: Config['data'] | { readonly source: string }, split: Split, limit: number, shape?: readonly number[]): { body: Uint8Array; headers: Record<string, string> } {
    const { source } = data;
    const options = 'binarize' in data ? dataOptions(data, { limits: false }) : {};
    const key = JSON.stringify([source, options, shape ?? null]);
    if (!Object.prototype.hasOwnProperty.call(MAX_IMAGES, split)) throw new HttpError(400, `split must be train or test, got ${split}`);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_IMAGES[split]) throw new HttpError(400, `limit must be an integer in 1..${MAX_IMAGES[split]}`);
    let packed = this.cache.get(key);
    if (!packed) {
      try {
        // Only the first images are served: a large image folder is not read whole.
        const splits = loadTrainingSplits(source, options);
        const adapt = (ds: DataSource) => (shape ? withImageShape(ds, shape) : ds);
        packed = { train: pack(adapt(splits.train), MAX_IMAGES.train), test: pack(adapt(splits.test), MAX_IMAGES.test) };
      } catch (e) {
        throw new HttpError(422, `cannot load the data set ${source}: ${(e as Error).message}`);
      }
      this.cache.set(key, packed);
    }
    const p = packed[split];
    const count = Math.min(limit, p.size);
    const pixels = p.pixels.subarray(0, count * p.dim * (p.real ? 4 : 1));
    const labels = p.labels?.subarray(0, count);
    const body = new Uint8Array(pixels.length + (labels?.length ?? 0));
    body.set(pixels);
    if (labels) body.set(labels, pixels.length);
    return { body, headers: { 'X-Count': String(count), 'X-Shape': p.shape.join(','), 'X-Labels': labels ? '1' : '0', 'X-Dtype': p.real ? 'float32' : 'uint8' } };
  }
}
