/**
 * How a latent space is put on the explorer's plane:
 *
 * - `slice`: two chosen dimensions (the identity for a 2-D latent); the
 *   pointer sets those two, the sliders the rest;
 * - `pca`: the codes' first two principal components (core/metrics/pca.ts);
 *   the pointer moves z within the plane they span through the current z, so
 *   the other components keep their values;
 * - `umap`: UMAP (umap-js, in a worker) of the codes; it has no inverse, so
 *   the pointer decodes the code of the nearest test point instead.
 */
import { pcaProject } from '../core/metrics/pca.js';
import { project } from './latent.js';

export type ProjectionKind = 'slice' | 'pca' | 'umap';

export interface Projected {
  readonly kind: ProjectionKind;
  /** [n, 2] the codes on the plane. */
  readonly points: Float32Array;
  /** [m, 2] the prior samples on the plane, or null (UMAP places only the codes). */
  readonly background: Float32Array | null;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly note: string;
  /** Where latent point z lies on the plane, or null when the projection cannot place new points. */
  toPlane(z: Float32Array): [number, number] | null;
  /** z moved so that it lies at (x, y) on the plane, or null when the projection has no inverse. */
  toLatent(x: number, y: number, z: Float32Array): Float32Array | null;
}

export function sliceProjection(codes: Float32Array, prior: Float32Array, d: number, dims: readonly [number, number], name: (j: number) => string): Projected {
  const [dx, dy] = dims;
  return {
    kind: 'slice', points: project(codes, d, dx, dy), background: project(prior, d, dx, dy),
    xLabel: name(dx), yLabel: name(dy),
    note: d > 2 ? `slice ${name(dx)} × ${name(dy)} of a ${d}-D latent; the other dimensions come from the sliders` : '',
    toPlane: (z) => [z[dx], z[dy]],
    toLatent: (x, y, z) => {
      const out = Float32Array.from(z);
      out[dx] = x;
      out[dy] = y;
      return out;
    },
  };
}

export function pcaProjection(codes: Float32Array, prior: Float32Array, d: number): Projected {
  const n = codes.length / d;
  const { points, explained, components, mean } = pcaProject(codes, n, d, 2);
  const [u, v] = components;
  const coords = (z: ArrayLike<number>, offset = 0): [number, number] => {
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const c = z[offset + j] - mean[j];
      a += c * u[j];
      b += c * v[j];
    }
    return [a, b];
  };
  const m = prior.length / d;
  const background = new Float32Array(m * 2);
  for (let i = 0; i < m; i++) background.set(coords(prior, i * d), 2 * i);
  const pct = (f: number) => `${(100 * f).toFixed(0)} %`;
  return {
    kind: 'pca', points, background,
    xLabel: `PC1 (${pct(explained[0])} of the variance)`, yLabel: `PC2 (${pct(explained[1])})`,
    note: `the codes' first two principal components (${pct(explained[0] + explained[1])} of their variance); the pointer moves z within that plane`,
    toPlane: (z) => coords(z),
    toLatent: (x, y, z) => {
      const [a, b] = coords(z);
      return Float32Array.from(z, (value, j) => value + (x - a) * u[j] + (y - b) * v[j]);
    },
  };
}

/** Epochs of UMAP's layout: fewer for many points (as umap-js's own default does), enough to settle. */
export function umapEpochs(n: number): number {
  return n > 5000 ? 150 : 300;
}

/** UMAP of the codes in a worker; `onProgress` gets 0…1. */
export function umapProjection(codes: Float32Array, d: number, onProgress: (fraction: number, stage: string) => void, seed = 1): { result: Promise<Projected>; cancel(): void } {
  const worker = new Worker(new URL('umap-worker.js', location.href), { type: 'module' });
  const result = new Promise<Projected>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ progress?: number; stage?: string; embedding?: Float32Array; error?: string }>) => {
      const m = e.data;
      if (m.error) {
        worker.terminate();
        reject(new Error(`UMAP failed: ${m.error}`));
      } else if (m.embedding) {
        worker.terminate();
        resolve({
          kind: 'umap', points: m.embedding, background: null, xLabel: 'UMAP 1', yLabel: 'UMAP 2',
          note: `UMAP of the ${codes.length / d} codes (15 neighbours); distances between clusters mean little, and it cannot place new points: the pointer decodes the nearest test code`,
          toPlane: () => null, toLatent: () => null,
        });
      } else onProgress(m.progress ?? 0, m.stage ?? '');
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`UMAP worker: ${e.message || 'failed to start'}`));
    };
  });
  const copy = Float32Array.from(codes);
  worker.postMessage({ points: copy, d, seed, epochs: umapEpochs(codes.length / d) }, [copy.buffer]);
  return { result, cancel: () => worker.terminate() };
}
