/**
 * UMAP (umap-js) off the page's main thread: its nearest-neighbour search
 * and layout optimisation take seconds for 10,000 codes, which would freeze
 * the explorer. Message in: { points: Float32Array [n, d], d, seed, epochs };
 * out: { progress: 0…1 } while it runs, then { embedding: Float32Array [n, 2] }
 * or { error }.
 */
import { UMAP } from 'umap-js';
import { uniformGenerator } from '../core/util/random.js';

interface Job {
  readonly points: Float32Array;
  readonly d: number;
  readonly seed: number;
  readonly epochs: number;
}

const post = (message: unknown, transfer: Transferable[] = []) => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(message, transfer);

self.onmessage = (e: MessageEvent<Job>) => {
  try {
    const { points, d, seed, epochs } = e.data;
    const n = points.length / d;
    const rows = Array.from({ length: n }, (_, i) => Array.from(points.subarray(i * d, (i + 1) * d)));
    const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: epochs, random: uniformGenerator(seed) });
    post({ progress: 0, stage: 'nearest neighbours' });
    const total = umap.initializeFit(rows);
    for (let epoch = 0; epoch < total; epoch++) {
      umap.step();
      if (epoch % 10 === 0) post({ progress: (epoch + 1) / total, stage: 'layout' });
    }
    const embedding = new Float32Array(n * 2);
    umap.getEmbedding().forEach((row, i) => embedding.set(row, 2 * i));
    post({ embedding }, [embedding.buffer]);
  } catch (err) {
    post({ error: (err as Error).message });
  }
};
