/**
 * PNG figures for run folders: creates an @napi-rs/canvas, runs the pure
 * drawing code from core/figures on it and encodes the result as PNG.
 */
import { createCanvas, loadImage } from '@napi-rs/canvas';
import {
  type Ctx2D, type ImageGridOptions, type LineChartOptions, type LineSeries, type ScatterOptions,
  INK, drawImageGrid, drawLineChart, drawScatter, imageGridSize, manifoldAxisLabels,
} from '../core/figures/index.js';

/** Chart options without the pixel size, which defaults per chart kind. */
export type ScatterPngOptions = Omit<ScatterOptions, 'width' | 'height'> & { width?: number; height?: number };
export type LineChartPngOptions = Omit<LineChartOptions, 'width' | 'height'> & { width?: number; height?: number };

/** Options of {@link reconstructionsPng}. */
export interface ReconstructionsPngOptions {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels?: 1 | 3;
  /** Images per row (default min(count, 8)). */
  readonly cols?: number;
  readonly scale?: number;
  readonly title?: string;
}

/** Options of {@link manifoldPng}. `images` holds gridSize² decodings. */
export interface ManifoldPngOptions {
  readonly gridSize: number;
  readonly height: number;
  readonly width: number;
  readonly zRange: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly scale?: number;
  readonly title?: string;
}

/** Runs `draw` on a fresh white w×h canvas and returns it as PNG bytes. */
function renderPng(width: number, height: number, draw: (ctx: Ctx2D) => void): Buffer {
  const canvas = createCanvas(Math.ceil(width), Math.ceil(height));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = INK.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  draw(ctx);
  return canvas.toBuffer('image/png');
}

/** A grid of images ([count, h, w(, c)] in [0, 1]), e.g. samples.png. */
export function imageGridPng(images: Float32Array, opts: ImageGridOptions): Buffer {
  const size = imageGridSize(opts);
  return renderPng(size.width, size.height, (ctx) => drawImageGrid(ctx, images, opts));
}

/**
 * reconstructions.png: rows alternate between `cols` originals (labelled
 * "input") and their reconstructions (labelled "reconstruction").
 */
export function reconstructionsPng(originals: Float32Array, reconstructions: Float32Array, opts: ReconstructionsPngOptions): Buffer {
  const cols = Math.max(1, Math.min(opts.cols ?? 8, opts.count));
  const per = opts.height * opts.width * (opts.channels ?? 1);
  const pairs = Math.ceil(opts.count / cols);
  const merged = new Float32Array(pairs * 2 * cols * per);
  const rowLabels: string[] = [];
  for (let p = 0; p < pairs; p++) {
    const n = Math.min(cols, opts.count - p * cols);
    merged.set(originals.subarray(p * cols * per, (p * cols + n) * per), 2 * p * cols * per);
    merged.set(reconstructions.subarray(p * cols * per, (p * cols + n) * per), (2 * p + 1) * cols * per);
    rowLabels.push('input', 'reconstruction');
  }
  return imageGridPng(merged, {
    count: pairs * 2 * cols, height: opts.height, width: opts.width, channels: opts.channels, cols,
    scale: opts.scale ?? 2, title: opts.title ?? 'Reconstructions', rowLabels,
  });
}

/**
 * manifold.png: gridSize² decodings laid out as in core/figures/manifold.ts
 * (image i·n + j ↔ z₁ = j-th value, z₂ = i-th value from the top), with the
 * z values on the axes.
 */
export function manifoldPng(images: Float32Array, opts: ManifoldPngOptions): Buffer {
  const labels = manifoldAxisLabels(opts.gridSize, opts.zRange);
  return imageGridPng(images, {
    count: opts.gridSize * opts.gridSize, height: opts.height, width: opts.width, channels: opts.channels,
    cols: opts.gridSize, pad: 0, scale: opts.scale ?? 1, title: opts.title ?? 'Decoded latent manifold',
    colLabels: labels.cols, rowLabels: labels.rows, xLabel: 'z\u2081', yLabel: 'z\u2082',
  });
}

/** Scatter of n×2 points coloured by label (default 640×560). */
export function scatterPng(points: Float32Array, labels: Int32Array | null, opts: ScatterPngOptions): Buffer {
  const width = opts.width ?? 640;
  const height = opts.height ?? 560;
  return renderPng(width, height, (ctx) => drawScatter(ctx, points, labels, { ...opts, width, height }));
}

/** Line chart, e.g. loss per epoch (default 640×420). */
export function lineChartPng(series: readonly LineSeries[], opts: LineChartPngOptions): Buffer {
  const width = opts.width ?? 640;
  const height = opts.height ?? 420;
  return renderPng(width, height, (ctx) => drawLineChart(ctx, series, { ...opts, width, height }));
}

/** Width and height from a PNG's IHDR chunk, without decoding. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (png.length < 24 || sig.some((b, i) => png[i] !== b)) throw new Error('pngSize: not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Decodes a PNG into RGBA bytes (for tests and checks). */
export async function decodePng(png: Uint8Array): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = await loadImage(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  return { width: image.width, height: image.height, data };
}
