/**
 * Images and labels for the page, from the data set a run was trained on
 * (src/node/datasets.ts; MNIST when no run is named). The reply is one
 * binary blob: `count × dim` bytes of intensities (round(255·x)), then
 * `count` label bytes when the set has labels. Headers describe it:
 * X-Count, X-Shape ("28,28"), X-Labels ("1" or "0").
 * Each data source is read once and kept as bytes.
 */
import { loadDataSplits } from '../datasets.js';
import type { Dataset } from '../../core/data/dataset.js';
import { HttpError } from './http-util.js';

export const MAX_IMAGES = { train: 20_000, test: 10_000 } as const;
export type Split = keyof typeof MAX_IMAGES;

interface Packed {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array | null;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dim: number;
}

function pack(ds: Dataset, limit: number): Packed {
  const size = Math.min(ds.size, limit);
  const pixels = new Uint8Array(size * ds.dim);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(ds.x[i] * 255);
  const labels = ds.labels && (ds.numClasses ?? 0) <= 256 ? Uint8Array.from(ds.labels.subarray(0, size)) : null;
  return { pixels, labels, shape: ds.shape, size, dim: ds.dim };
}

/** Caches packed splits per data source. */
export class DataCache {
  private readonly cache = new Map<string, Record<Split, Packed>>();

  /** The first `limit` images of a split, as the reply's body and headers. */
  get(source: string, split: Split, limit: number): { body: Uint8Array; headers: Record<string, string> } {
    if (!Object.prototype.hasOwnProperty.call(MAX_IMAGES, split)) throw new HttpError(400, `split must be train or test, got ${split}`);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_IMAGES[split]) throw new HttpError(400, `limit must be an integer in 1..${MAX_IMAGES[split]}`);
    let packed = this.cache.get(source);
    if (!packed) {
      let splits;
      try {
        splits = loadDataSplits(source);
      } catch (e) {
        throw new HttpError(422, `cannot load the data set ${source}: ${(e as Error).message}`);
      }
      packed = { train: pack(splits.train, MAX_IMAGES.train), test: pack(splits.test, MAX_IMAGES.test) };
      this.cache.set(source, packed);
    }
    const p = packed[split];
    const count = Math.min(limit, p.size);
    const pixels = p.pixels.subarray(0, count * p.dim);
    const labels = p.labels?.subarray(0, count);
    const body = new Uint8Array(pixels.length + (labels?.length ?? 0));
    body.set(pixels);
    if (labels) body.set(labels, pixels.length);
    return { body, headers: { 'X-Count': String(count), 'X-Shape': p.shape.join(','), 'X-Labels': labels ? '1' : '0' } };
  }
}
