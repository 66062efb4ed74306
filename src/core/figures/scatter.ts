/**
 * Scatter plot of 2-D points (e.g. latent codes), coloured by class label,
 * with axes, a legend and an optional note such as
 * "2-D projection (PCA) of a 20-D latent".
 */
import type { Ctx2D } from './ctx.js';
import { type ChartOptions, type LegendItem, type LinearScale, type Rect, drawAxes, drawLegend, drawTitleBlock, linearScale, measureLegend } from './layout.js';
import { finiteDomain } from './ticks.js';
import { INK, categoryColor } from './style.js';

/** Options of {@link drawScatter}. `width`/`height` are the drawing area in pixels. */
export interface ScatterOptions extends ChartOptions {
  /** Legend text per label value; defaults to the label number. */
  readonly classNames?: readonly string[];
  /** Dot radius in pixels; default shrinks from 3 to 1.5 as n grows. */
  readonly pointRadius?: number;
  /** Dot opacity in (0, 1]; default shrinks from 0.85 to 0.3 as n grows. */
  readonly pointAlpha?: number;
  /**
   * Points drawn first, small and grey, under the labelled ones: e.g.
   * samples of the prior, so one sees where codes leave holes or spill out.
   */
  readonly background?: Float32Array;
  /** Legend text of the background points (default "prior samples"). */
  readonly backgroundLabel?: string;
  /**
   * A density shaded under everything (darker = denser), e.g. the prior's:
   * cols × rows non-negative values, row 0 at the top, covering the box x × y.
   */
  readonly density?: {
    readonly values: Float32Array;
    readonly cols: number;
    readonly rows: number;
    readonly x: readonly [number, number];
    readonly y: readonly [number, number];
  };
  /** Legend text of the density (default "prior density"). */
  readonly densityLabel?: string;
}

/** Where the data landed: the plot rectangle and the data→pixel maps (for hit-testing). */
export interface ScatterLayout {
  readonly plot: Rect;
  readonly x: LinearScale;
  readonly y: LinearScale;
}

/**
 * Draws `points` (Float32Array of n×2, row-major: x0, y0, x1, y1, …) as small
 * translucent dots coloured by `labels[i]` (Tableau 10; `null` = one colour),
 * in index order so no class hides another wholesale. Non-finite points are
 * skipped. A legend lists the labels present, to the right of the plot.
 */
export function drawScatter(ctx: Ctx2D, points: Float32Array, labels: Int32Array | null, opts: ScatterOptions): ScatterLayout {
  const n = Math.floor(points.length / 2);
  if (labels && labels.length < n) throw new Error(`drawScatter: ${labels.length} labels for ${n} points`);
  ctx.save();
  ctx.fillStyle = INK.background;
  ctx.fillRect(0, 0, opts.width, opts.height);
  const top = drawTitleBlock(ctx, opts.width, opts.title, opts.note);
  const bg = opts.background;
  const nb = bg ? Math.floor(bg.length / 2) : 0;
  const legend = [
    ...(labels ? legendItems(labels, n, opts.classNames) : []),
    ...(nb ? [{ label: opts.backgroundLabel ?? 'prior samples', color: BACKGROUND_DOT, marker: 'dot' as const }] : []),
    ...(opts.density ? [{ label: opts.densityLabel ?? 'prior density', color: DENSITY_INK, marker: 'dot' as const }] : []),
  ];
  const legendWidth = legend.length ? measureLegend(ctx, legend).width + 12 : 0;
  const plot: Rect = { x: 72, y: top + 8, width: opts.width - 72 - 16 - legendWidth, height: opts.height - top - 8 - 52 };
  const density = opts.density;
  const all = (axis: 0 | 1) => (function* () {
    yield* coords(points, n, axis);
    if (bg) yield* coords(bg, nb, axis);
    if (density) yield* (axis === 0 ? density.x : density.y);
  })();
  const x = linearScale(finiteDomain(all(0), 0.04), plot.x, plot.x + plot.width);
  const y = linearScale(finiteDomain(all(1), 0.04), plot.y + plot.height, plot.y);
  if (density) drawDensity(ctx, density, x, y, plot);
  drawAxes(ctx, plot, x, y, { xLabel: opts.xLabel, yLabel: opts.yLabel });
  if (bg) drawDots(ctx, bg, null, nb, x, y, { ...opts, pointRadius: 1.2, pointAlpha: 0.35 }, BACKGROUND_DOT);
  drawDots(ctx, points, labels, n, x, y, opts);
  if (legend.length) drawLegend(ctx, legend, plot.x + plot.width + 12, plot.y);
  ctx.restore();
  return { plot, x, y };
}

/** The colour of background (prior) points. */
const BACKGROUND_DOT = '#d4d4d4';
/** The colour of the density shading, at full density. */
const DENSITY_INK = '#8a94a6'; // = rgb(138, 148, 166), used in drawDensity

/**
 * Shades the plot pixel by pixel: the density, bilinearly interpolated
 * between cell centres, blends the background toward DENSITY_INK with weight
 * 0.7 · √(v / max). Written with putImageData, so it must come before the axes.
 */
function drawDensity(ctx: Ctx2D, d: NonNullable<ScatterOptions['density']>, x: LinearScale, y: LinearScale, plot: Rect): void {
  let max = 0;
  for (const v of d.values) if (v > max) max = v;
  if (!(max > 0)) return;
  const w = Math.max(1, Math.round(plot.width));
  const h = Math.max(1, Math.round(plot.height));
  const image = ctx.createImageData(w, h);
  const ink = [0x8a, 0x94, 0xa6];
  const bg = [255, 255, 255];
  const cell = (c: number, r: number) => d.values[Math.min(d.rows - 1, Math.max(0, r)) * d.cols + Math.min(d.cols - 1, Math.max(0, c))];
  for (let py = 0; py < h; py++) {
    // Continuous cell coordinates of this pixel (cell centres at integers).
    const gy = ((d.y[1] - y.invert(plot.y + py + 0.5)) / (d.y[1] - d.y[0])) * d.rows - 0.5;
    for (let px = 0; px < w; px++) {
      const gx = ((x.invert(plot.x + px + 0.5) - d.x[0]) / (d.x[1] - d.x[0])) * d.cols - 0.5;
      const c0 = Math.floor(gx);
      const r0 = Math.floor(gy);
      const fx = gx - c0;
      const fy = gy - r0;
      const inside = gx >= -0.5 && gx <= d.cols - 0.5 && gy >= -0.5 && gy <= d.rows - 0.5;
      const v = inside
        ? (1 - fy) * ((1 - fx) * cell(c0, r0) + fx * cell(c0 + 1, r0)) + fy * ((1 - fx) * cell(c0, r0 + 1) + fx * cell(c0 + 1, r0 + 1))
        : 0;
      const t = 0.7 * Math.sqrt(Math.max(0, v) / max);
      const o = 4 * (py * w + px);
      for (let k = 0; k < 3; k++) image.data[o + k] = Math.round(bg[k] + t * (ink[k] - bg[k]));
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, Math.round(plot.x), Math.round(plot.y));
}

function drawDots(
  ctx: Ctx2D, points: Float32Array, labels: Int32Array | null, n: number,
  x: LinearScale, y: LinearScale, opts: ScatterOptions, color?: string,
): void {
  const radius = opts.pointRadius ?? clamp(3 - Math.log10(Math.max(n, 1)) * 0.4, 1.5, 3);
  ctx.globalAlpha = opts.pointAlpha ?? clamp(1.1 - Math.log10(Math.max(n, 1)) * 0.2, 0.3, 0.85);
  let current = -1;
  for (let i = 0; i < n; i++) {
    const px = points[2 * i];
    const py = points[2 * i + 1];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const label = labels ? labels[i] : 0;
    if (label !== current) {
      ctx.fillStyle = color ?? categoryColor(label);
      current = label;
    }
    ctx.beginPath();
    ctx.arc(x(px), y(py), radius, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/** Legend rows for the distinct labels present, in ascending order. */
function legendItems(labels: Int32Array, n: number, names?: readonly string[]): LegendItem[] {
  const present = [...new Set(labels.subarray(0, n))].sort((a, b) => a - b);
  return present.map((v) => ({ label: names?.[v] ?? String(v), color: categoryColor(v), marker: 'dot' as const }));
}

function* coords(points: Float32Array, n: number, axis: 0 | 1): Generator<number> {
  for (let i = 0; i < n; i++) {
    const a = points[2 * i];
    const b = points[2 * i + 1];
    if (Number.isFinite(a) && Number.isFinite(b)) yield axis === 0 ? a : b;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
