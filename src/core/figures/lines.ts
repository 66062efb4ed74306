/**
 * Line chart for training curves: one line per series (e.g. train and test
 * loss per epoch, or several loss terms), with axes and a legend.
 */
import type { Ctx2D } from './ctx.js';
import { type ChartOptions, type LegendItem, type LinearScale, type Rect, drawAxes, drawLegend, drawTitleBlock, linearScale, measureLegend } from './layout.js';
import { finiteDomain } from './ticks.js';
import { INK, categoryColor } from './style.js';

/** One line: points (x[i], y[i]); non-finite y values break the line. */
export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly dashed?: boolean;
  /** CSS colour; default: palette colour of the series index. */
  readonly color?: string;
}

/**
 * Options of {@link drawLineChart}. `width`/`height` are the drawing area in
 * pixels; `yRange` fixes the y axis (lines leaving it are cut at the plot's
 * edge), e.g. to show the tail of a curve whose first points are far above it.
 */
export interface LineChartOptions extends ChartOptions {
  readonly yRange?: readonly [number, number];
}

/** The plot rectangle and data→pixel maps used. */
export interface LineChartLayout {
  readonly plot: Rect;
  readonly x: LinearScale;
  readonly y: LinearScale;
}

/**
 * Draws each series as a 2-px polyline, with dots at the points when a series
 * has few of them (so a single epoch still shows). NaN / ±Infinity values are
 * gaps; empty series, a single point and constant values are all drawn
 * without error. The legend sits in the plot's top-right corner.
 */
export function drawLineChart(ctx: Ctx2D, series: readonly LineSeries[], opts: LineChartOptions): LineChartLayout {
  ctx.save();
  ctx.fillStyle = INK.background;
  ctx.fillRect(0, 0, opts.width, opts.height);
  const top = drawTitleBlock(ctx, opts.width, opts.title, opts.note);
  const plot: Rect = { x: 72, y: top + 8, width: opts.width - 72 - 20, height: opts.height - top - 8 - 52 };
  const xs = series.flatMap((s) => finitePairs(s).map(([px]) => px));
  const ys = series.flatMap((s) => finitePairs(s).map(([, py]) => py));
  const x = linearScale(finiteDomain(xs, 0.02), plot.x, plot.x + plot.width);
  const fixed = opts.yRange && Number.isFinite(opts.yRange[0]) && Number.isFinite(opts.yRange[1]) && opts.yRange[1] > opts.yRange[0];
  const y = linearScale(fixed ? { lo: opts.yRange![0], hi: opts.yRange![1] } : finiteDomain(ys, 0.06), plot.y + plot.height, plot.y);
  drawAxes(ctx, plot, x, y, { xLabel: opts.xLabel, yLabel: opts.yLabel });
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, plot.y, plot.width, plot.height);
  ctx.clip();
  series.forEach((s, i) => drawSeries(ctx, s, s.color ?? categoryColor(i), x, y));
  ctx.restore();
  const items: LegendItem[] = series.map((s, i) => ({ label: s.name, color: s.color ?? categoryColor(i), dashed: s.dashed }));
  if (items.length) {
    const size = measureLegend(ctx, items);
    drawLegend(ctx, items, plot.x + plot.width - size.width - 8, plot.y + 8);
  }
  ctx.restore();
  return { plot, x, y };
}

/** Polyline through the finite points of one series, plus dots if sparse. */
function drawSeries(ctx: Ctx2D, s: LineSeries, color: string, x: LinearScale, y: LinearScale): void {
  const n = Math.min(s.x.length, s.y.length);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(s.dashed ? [6, 4] : []);
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < n; i++) {
    const ok = Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]);
    if (ok && pen) ctx.lineTo(x(s.x[i]), y(s.y[i]));
    else if (ok) ctx.moveTo(x(s.x[i]), y(s.y[i]));
    pen = ok;
  }
  ctx.stroke();
  ctx.setLineDash([]);
  const pts = finitePairs(s);
  if (pts.length > 40) return;
  for (const [px, py] of pts) {
    ctx.beginPath();
    ctx.arc(x(px), y(py), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function finitePairs(s: LineSeries): [number, number][] {
  const out: [number, number][] = [];
  const n = Math.min(s.x.length, s.y.length);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) out.push([s.x[i], s.y[i]]);
  }
  return out;
}
