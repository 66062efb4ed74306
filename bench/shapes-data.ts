// A second image data set for the AAE benchmarks, made here rather than
// downloaded: 28×28 grey images of ten shape classes (disc, ring, square,
// square outline, triangle, plus, cross, horizontal bar, vertical bar,
// diamond), each drawn with a random centre, size, rotation, stroke and
// brightness, anti-aliased. Written as an IDX folder (what `--data DIR` reads).
//   node --import tsx bench/shapes-data.ts DIR [train=20000] [test=4000] [seed=1]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeIdx, uniformGenerator } from '../src/core/index.js';

const SIZE = 28;
export const SHAPE_CLASSES = ['disc', 'ring', 'square', 'outline', 'triangle', 'plus', 'cross', 'hbar', 'vbar', 'diamond'] as const;

/** Signed distance (negative inside) from a point (u, v) in the shape's own frame, radius r, stroke w. */
function distance(shape: number, u: number, v: number, r: number, w: number): number {
  const box = (a: number, b: number) => Math.max(Math.abs(u) - a, Math.abs(v) - b);
  switch (SHAPE_CLASSES[shape]) {
    case 'disc': return Math.hypot(u, v) - r;
    case 'ring': return Math.abs(Math.hypot(u, v) - r) - w / 2;
    case 'square': return box(r * 0.8, r * 0.8);
    case 'outline': return Math.abs(box(r * 0.8, r * 0.8)) - w / 2;
    case 'triangle': return Math.max(-v - r * 0.6, v * 0.5 + Math.abs(u) * 0.87 - r * 0.55);
    case 'plus': return Math.min(box(r, w / 2), box(w / 2, r));
    case 'cross': {
      const a = (u + v) / Math.SQRT2;
      const b = (u - v) / Math.SQRT2;
      return Math.min(Math.max(Math.abs(a) - r, Math.abs(b) - w / 2), Math.max(Math.abs(b) - r, Math.abs(a) - w / 2));
    }
    case 'hbar': return box(r, w);
    case 'vbar': return box(w, r);
    default: return (Math.abs(u) + Math.abs(v)) / Math.SQRT2 - r * 0.7;
  }
}

/** n images [n, 28, 28] (uint8) with labels, class i % 10, deterministic in `seed`. */
export function shapeImages(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rand = uniformGenerator(seed);
  const images = new Uint8Array(n * SIZE * SIZE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const shape = i % SHAPE_CLASSES.length;
    labels[i] = shape;
    const cx = 13.5 + (rand() - 0.5) * 8;
    const cy = 13.5 + (rand() - 0.5) * 8;
    const r = 5 + rand() * 5;
    const w = 1.5 + rand() * 2;
    const angle = (rand() - 0.5) * 0.8;
    const bright = 0.6 + 0.4 * rand();
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const u = c * (x - cx) + s * (y - cy);
        const v = -s * (x - cx) + c * (y - cy);
        const coverage = Math.min(1, Math.max(0, 0.5 - distance(shape, u, v, r, w)));
        images[(i * SIZE + y) * SIZE + x] = Math.round(255 * bright * coverage);
      }
    }
  }
  return { images, labels };
}

/** Writes train/t10k IDX files for the shapes into `dir`. */
export function writeShapesFolder(dir: string, train = 20000, test = 4000, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  const write = (prefix: string, n: number, s: number) => {
    const { images, labels } = shapeImages(n, s);
    writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'ubyte', shape: [n, SIZE, SIZE], data: images }));
    writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'ubyte', shape: [n], data: labels }));
  };
  write('train', train, seed);
  write('t10k', test, seed + 1);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, train, test, seed] = process.argv.slice(2);
  if (!dir) throw new Error('usage: bench/shapes-data.ts DIR [train] [test] [seed]');
  console.log(writeShapesFolder(dir, Number(train ?? 20000), Number(test ?? 4000), Number(seed ?? 1)));
}
