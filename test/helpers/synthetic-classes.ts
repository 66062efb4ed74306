/**
 * Four classes of 16-value synthetic data (the label-guided known answer and
 * bench/label-guided.ts): x_j = σ(3·(cos(0.7 j (k + 1)) + sin(j + 3u))) for
 * class k = i mod 4 and a 1-D style factor u ~ U(0, 1) from a fixed generator.
 */
import { makeDataset, type Dataset } from '../../src/core/data/dataset.js';

export function syntheticClasses(n = 2000, d = 16): Dataset & { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  let s = 3;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    const u = rand();
    y[i] = k;
    for (let j = 0; j < d; j++) x[i * d + j] = 1 / (1 + Math.exp(-3 * (Math.cos(j * (k + 1) * 0.7) + Math.sin(j + 3 * u))));
  }
  return makeDataset('four classes', [d], x, y) as Dataset & { x: Float32Array; labels: Int32Array };
}

/**
 * Separated blobs: `classes` random prototype vectors in {0.15, 0.85}^d (fixed
 * generator) plus small Gaussian-like noise, example i of class i mod classes.
 * Any sensible clustering recovers the classes.
 */
export function separatedBlobs(n = 2000, d = 16, classes = 4, noise = 0.05): Dataset & { x: Float32Array; labels: Int32Array } {
  let s = 11;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const prototypes = Array.from({ length: classes }, () => Array.from({ length: d }, () => (rand() < 0.5 ? 0.15 : 0.85)));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    y[i] = k;
    for (let j = 0; j < d; j++) {
      const g = (rand() + rand() + rand() - 1.5) * 2; // ≈ N(0, 1)
      x[i * d + j] = Math.min(1, Math.max(0, prototypes[k][j] + noise * g));
    }
  }
  return makeDataset('separated blobs', [d], x, y) as Dataset & { x: Float32Array; labels: Int32Array };
}
