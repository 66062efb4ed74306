/**
 * Image grids: samples, reconstructions and latent-manifold sweeps drawn as
 * a table of small images, upscaled with nearest-neighbour so pixels stay
 * crisp, with optional row labels, column labels and axis titles.
 */
import type { Ctx2D, ImageDataLike } from './ctx.js';
import { drawVerticalText, type Rect } from './layout.js';
import { FONTS, FONT_SIZE, INK, estimateTextWidth, hexToRgb } from './style.js';

/** Options of {@link drawImageGrid}. */
export interface ImageGridOptions {
  /** Number of images stored in the array. */
  readonly count: number;
  /** Image height and width in pixels (before `scale`). */
  readonly height: number;
  readonly width: number;
  /** 1 = grey (default), 3 = RGB interleaved as [h, w, 3]. */
  readonly channels?: 1 | 3;
  /** Images per row; rows = ceil(count / cols). */
  readonly cols: number;
  /** Gap between images, in canvas pixels (default 2). */
  readonly pad?: number;
  /** Integer upscaling factor (default 2). */
  readonly scale?: number;
  readonly title?: string;
  /** Text left of each row (e.g. "input" / "reconstruction", or z₂ values). */
  readonly rowLabels?: readonly string[];
  /** Text under each column (e.g. z₁ values); thinned out when crowded. */
  readonly colLabels?: readonly string[];
  /** Title under the column labels (e.g. "z₁"). */
  readonly xLabel?: string;
  /** Title left of the row labels, rotated (e.g. "z₂"). */
  readonly yLabel?: string;
  /** Colour between and around the images, `#rrggbb` (default white). */
  readonly background?: string;
}

/** Pixel positions of every part of a grid figure. */
export interface ImageGridLayout {
  /** Canvas size needed. */
  readonly width: number;
  readonly height: number;
  readonly rows: number;
  readonly cols: number;
  /** The block of images, padding included; integer-aligned. */
  readonly grid: Rect;
  /** Distance between the top-left corners of neighbouring images. */
  readonly cellWidth: number;
  readonly cellHeight: number;
}

const MARGIN = 8;

/**
 * Computes the canvas size and where the image block goes. Text widths are
 * estimated (no context needed), so the canvas can be created from this.
 */
export function imageGridLayout(opts: ImageGridOptions): ImageGridLayout {
  const { pad, scale } = resolved(opts);
  const cols = Math.max(1, Math.min(opts.cols, Math.max(opts.count, 1)));
  const rows = Math.max(1, Math.ceil(opts.count / cols));
  const cellWidth = opts.width * scale + pad;
  const cellHeight = opts.height * scale + pad;
  const gw = cols * cellWidth + pad;
  const gh = rows * cellHeight + pad;
  const top = opts.title ? 10 + FONT_SIZE.title + 10 : MARGIN;
  const rowText = widest(opts.rowLabels, FONT_SIZE.label);
  const left = MARGIN + yLabelWidth(opts.yLabel) + (rowText ? rowText + 8 : 0);
  const bottom = MARGIN + (opts.colLabels ? FONT_SIZE.tick + 6 : 0) + (opts.xLabel ? FONT_SIZE.label + 8 : 0);
  const natural = left + gw + MARGIN;
  const width = Math.max(natural, opts.title ? estimateTextWidth(opts.title, FONT_SIZE.title) + 2 * MARGIN : 0);
  const x = left + Math.floor((width - natural) / 2);
  return { width, height: top + gh + bottom, rows, cols, grid: { x, y: top, width: gw, height: gh }, cellWidth, cellHeight };
}

/** Canvas size {width, height} needed by {@link drawImageGrid} for these options. */
export function imageGridSize(opts: ImageGridOptions): { width: number; height: number } {
  const { width, height } = imageGridLayout(opts);
  return { width, height };
}

/**
 * Draws `images` (Float32Array [count, height, width(, channels)], values in
 * [0, 1], clamped; NaN → 0) as a grid, row-major, starting top-left, plus the
 * title and labels. The pixels are written with `putImageData`, which ignores
 * the context transform: draw with an identity transform, on a canvas at
 * least {@link imageGridSize} large. Returns the layout used.
 */
export function drawImageGrid(ctx: Ctx2D, images: Float32Array, opts: ImageGridOptions): ImageGridLayout {
  const layout = imageGridLayout(opts);
  const channels = opts.channels ?? 1;
  const need = opts.count * opts.height * opts.width * channels;
  if (images.length < need) throw new Error(`drawImageGrid: expected ${need} values, got ${images.length}`);
  const pixels = ctx.createImageData(layout.grid.width, layout.grid.height);
  fillBackground(pixels, opts.background ?? INK.background);
  for (let k = 0; k < opts.count; k++) blitImage(pixels, images, k, layout, opts);
  ctx.putImageData(pixels, layout.grid.x, layout.grid.y);
  drawGridText(ctx, layout, opts);
  return layout;
}

function resolved(opts: ImageGridOptions): { pad: number; scale: number } {
  return { pad: Math.max(0, Math.round(opts.pad ?? 2)), scale: Math.max(1, Math.round(opts.scale ?? 2)) };
}

function fillBackground(pixels: ImageDataLike, hex: string): void {
  const [r, g, b] = hexToRgb(hex);
  const d = pixels.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = r;
    d[i + 1] = g;
    d[i + 2] = b;
    d[i + 3] = 255;
  }
}

/** Copies image `k` into its cell of `pixels`, upscaled by nearest neighbour. */
function blitImage(pixels: ImageDataLike, images: Float32Array, k: number, layout: ImageGridLayout, opts: ImageGridOptions): void {
  const { pad, scale } = resolved(opts);
  const channels = opts.channels ?? 1;
  const x0 = pad + (k % layout.cols) * layout.cellWidth;
  const y0 = pad + Math.floor(k / layout.cols) * layout.cellHeight;
  const base = k * opts.height * opts.width * channels;
  const d = pixels.data;
  for (let py = 0; py < opts.height * scale; py++) {
    const srcRow = base + Math.floor(py / scale) * opts.width * channels;
    let o = ((y0 + py) * pixels.width + x0) * 4;
    for (let px = 0; px < opts.width * scale; px++, o += 4) {
      const s = srcRow + Math.floor(px / scale) * channels;
      const r = toByte(images[s]);
      d[o] = r;
      d[o + 1] = channels === 3 ? toByte(images[s + 1]) : r;
      d[o + 2] = channels === 3 ? toByte(images[s + 2]) : r;
    }
  }
}

function toByte(v: number): number {
  return v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
}

/** Title, row labels, thinned column labels and axis titles. */
function drawGridText(ctx: Ctx2D, layout: ImageGridLayout, opts: ImageGridOptions): void {
  const { grid } = layout;
  const { pad } = resolved(opts);
  ctx.save();
  ctx.fillStyle = INK.text;
  if (opts.title) {
    ctx.font = FONTS.title;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(opts.title, layout.width / 2, 10);
  }
  ctx.font = FONTS.label;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const rowStep = thinning(opts.rowLabels, layout.cellHeight, FONT_SIZE.label + 2, FONT_SIZE.label);
  opts.rowLabels?.slice(0, layout.rows).forEach((text, r) => {
    if (r % rowStep === 0) ctx.fillText(text, grid.x - 6, grid.y + pad + r * layout.cellHeight + (layout.cellHeight - pad) / 2);
  });
  ctx.font = FONTS.tick;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const colStep = thinning(opts.colLabels, layout.cellWidth, 0, FONT_SIZE.tick);
  opts.colLabels?.slice(0, layout.cols).forEach((text, c) => {
    if (c % colStep === 0) ctx.fillText(text, grid.x + pad + c * layout.cellWidth + (layout.cellWidth - pad) / 2, grid.y + grid.height + 4);
  });
  ctx.font = FONTS.label;
  if (opts.xLabel) {
    const y = grid.y + grid.height + 4 + (opts.colLabels ? FONT_SIZE.tick + 6 : 0);
    ctx.fillText(opts.xLabel, grid.x + grid.width / 2, y);
  }
  if (opts.yLabel) drawYLabel(ctx, opts.yLabel, grid);
  ctx.restore();
}

/** Axis title left of the grid: rotated, unless it is a short symbol like "z₂". */
function drawYLabel(ctx: Ctx2D, text: string, grid: Rect): void {
  if (text.length > 3) {
    drawVerticalText(ctx, text, MARGIN + FONT_SIZE.label / 2, grid.y + grid.height / 2);
    return;
  }
  ctx.save();
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, MARGIN, grid.y + grid.height / 2);
  ctx.restore();
}

/**
 * Label every k-th cell so labels don't collide: `fixed` > 0 is the text
 * extent along the axis (row labels: line height); 0 means use text width.
 */
function thinning(labels: readonly string[] | undefined, cell: number, fixed: number, fontSize: number): number {
  if (!labels?.length) return 1;
  const extent = fixed > 0 ? fixed : widest(labels, fontSize) + 6;
  return Math.max(1, Math.ceil(extent / cell));
}

function yLabelWidth(text: string | undefined): number {
  if (!text) return 0;
  return (text.length > 3 ? FONT_SIZE.label : estimateTextWidth(text, FONT_SIZE.label)) + 8;
}

function widest(labels: readonly string[] | undefined, fontSize: number): number {
  return (labels ?? []).reduce((m, t) => Math.max(m, estimateTextWidth(t, fontSize)), 0);
}
