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
  ];
  const legendWidth = legend.length ? measureLegend(ctx, legend).width + 12 : 0;
  const plot: Rect = { x: 72, y: top + 8, width: opts.width - 72 - 16 - legendWidth, height: opts.height - top - 8 - 52 };
  const all = (axis: 0 | 1) => (function* () { yield* coords(points, n, axis); if (bg) yield* coords(bg, nb, axis); })();
  const x = linearScale(finiteDomain(all(0), 0.04), plot.x, plot.x + plot.width);
  const y = linearScale(finiteDomain(all(1), 0.04), plot.y + plot.height, plot.y);
  drawAxes(ctx, plot, x, y, { xLabel: opts.xLabel, yLabel: opts.yLabel });
  if (bg) drawDots(ctx, bg, null, nb, x, y, { ...opts, pointRadius: 1.2, pointAlpha: 0.35 }, BACKGROUND_DOT);
  drawDots(ctx, points, labels, n, x, y, opts);
  if (legend.length) drawLegend(ctx, legend, plot.x + plot.width + 12, plot.y);
  ctx.restore();
  return { plot, x, y };
}

/** The colour of background (prior) points. */
const BACKGROUND_DOT = '#d4d4d4';

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
