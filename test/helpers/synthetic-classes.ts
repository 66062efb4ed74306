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
