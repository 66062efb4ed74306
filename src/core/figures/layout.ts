/**
 * Building blocks shared by the charts: rectangles, linear scales, the
 * title block, axes with nice ticks and a grid, and a colour legend.
 */
import type { Ctx2D } from './ctx.js';
import { type Domain, formatTick, niceTicks } from './ticks.js';
import { FONTS, FONT_SIZE, INK } from './style.js';

/** Axis-aligned rectangle in canvas pixels. */
/** What every chart takes: its pixel size, a title, axis labels and an optional muted subtitle. */
export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Muted subtitle under the title. */
  readonly note?: string;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Maps a data interval linearly onto a pixel interval (which may run backwards). */
export interface LinearScale {
  readonly domain: Domain;
  readonly range: readonly [number, number];
  (value: number): number;
  /** Pixel → data value. */
  invert(pixel: number): number;
}

/** Linear map from `domain` onto `[r0, r1]` pixels. */
export function linearScale(domain: Domain, r0: number, r1: number): LinearScale {
  const k = (r1 - r0) / (domain.hi - domain.lo);
  const f = (v: number) => r0 + (v - domain.lo) * k;
  return Object.assign(f, { domain, range: [r0, r1] as const, invert: (p: number) => domain.lo + (p - r0) / k });
}

/** One entry of a legend: a colour swatch and its text. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** Swatch shape: a short line (default) or a filled dot. */
  readonly marker?: 'line' | 'dot';
}

/**
 * Draws the title centred over `width` at the top, with an optional note
 * (subtitle) in muted italics below it. Returns the y below the block.
 */
export function drawTitleBlock(ctx: Ctx2D, width: number, title: string, note?: string): number {
  ctx.save();
  ctx.fillStyle = INK.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  let y = 10;
  if (title) {
    ctx.font = FONTS.title;
    ctx.fillText(title, width / 2, y);
    y += FONT_SIZE.title + 6;
  }
  if (note) {
    ctx.font = FONTS.note;
    ctx.fillStyle = INK.muted;
    ctx.fillText(note, width / 2, y);
    y += FONT_SIZE.note + 6;
  }
  ctx.restore();
  return y;
}

/** Draws `text` centred at (x, y), rotated a quarter turn anticlockwise (a y-axis label). */
export function drawVerticalText(ctx: Ctx2D, text: string, x: number, y: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 0, 0);
  ctx.restore();
}

/** Axis titles and tick density for {@link drawAxes}. */
export interface AxesOptions {
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly xTicks?: number;
  readonly yTicks?: number;
}

/**
 * Draws light grid lines at nice ticks, the left and bottom axis lines with
 * tick marks and labels, and the axis titles (x below, y rotated on the left).
 */
export function drawAxes(ctx: Ctx2D, plot: Rect, x: LinearScale, y: LinearScale, opts: AxesOptions): void {
  const xt = niceTicks(x.domain, opts.xTicks ?? 6);
  const yt = niceTicks(y.domain, opts.yTicks ?? 5);
  const bottom = plot.y + plot.height;
  ctx.save();
  ctx.lineWidth = 1;
  ctx.strokeStyle = INK.grid;
  ctx.beginPath();
  for (const v of xt.values) vLine(ctx, crisp(x(v)), plot.y, bottom);
  for (const v of yt.values) hLine(ctx, crisp(y(v)), plot.x, plot.x + plot.width);
  ctx.stroke();

  ctx.strokeStyle = INK.axis;
  ctx.beginPath();
  hLine(ctx, crisp(bottom), plot.x, plot.x + plot.width);
  vLine(ctx, crisp(plot.x), plot.y, bottom);
  for (const v of xt.values) vLine(ctx, crisp(x(v)), bottom, bottom + 5);
  for (const v of yt.values) hLine(ctx, crisp(y(v)), plot.x - 5, plot.x);
  ctx.stroke();

  ctx.font = FONTS.tick;
  ctx.fillStyle = INK.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of xt.values) ctx.fillText(formatTick(v, xt.step), x(v), bottom + 7);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  let widest = 0;
  for (const v of yt.values) {
    const label = formatTick(v, yt.step);
    widest = Math.max(widest, ctx.measureText(label).width);
    ctx.fillText(label, plot.x - 8, y(v));
  }
  drawAxisTitles(ctx, plot, opts, widest);
  ctx.restore();
}

function drawAxisTitles(ctx: Ctx2D, plot: Rect, opts: AxesOptions, tickWidth: number): void {
  ctx.font = FONTS.label;
  ctx.fillStyle = INK.text;
  if (opts.xLabel) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(opts.xLabel, plot.x + plot.width / 2, plot.y + plot.height + 8 + FONT_SIZE.tick + 8);
  }
  if (opts.yLabel) {
    const x = plot.x - 8 - tickWidth - 8 - FONT_SIZE.label / 2;
    drawVerticalText(ctx, opts.yLabel, Math.max(FONT_SIZE.label / 2 + 2, x), plot.y + plot.height / 2);
  }
}

/** Size of the box {@link drawLegend} will occupy. */
export function measureLegend(ctx: Ctx2D, items: readonly LegendItem[]): { width: number; height: number } {
  ctx.save();
  ctx.font = FONTS.legend;
  let widest = 0;
  for (const item of items) widest = Math.max(widest, ctx.measureText(item.label).width);
  ctx.restore();
  return { width: Math.ceil(LEGEND.pad * 2 + LEGEND.swatch + LEGEND.gap + widest), height: legendHeight(items.length) };
}

const LEGEND = { pad: 8, swatch: 18, gap: 6, row: 18 } as const;

function legendHeight(n: number): number {
  return LEGEND.pad * 2 + n * LEGEND.row;
}

/**
 * Draws a legend box with its top-left corner at (x, y): one row per item,
 * a coloured swatch (a line, dashed if asked) then the label. A translucent
 * white backing keeps it readable over data.
 */
export function drawLegend(ctx: Ctx2D, items: readonly LegendItem[], x: number, y: number): void {
  const size = measureLegend(ctx, items);
  ctx.save();
  ctx.globalAlpha = 0.9;
  ctx.fillStyle = INK.background;
  ctx.fillRect(x, y, size.width, size.height);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = INK.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(crisp(x), crisp(y), size.width, size.height);
  ctx.font = FONTS.legend;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  items.forEach((item, i) => {
    const cy = y + LEGEND.pad + LEGEND.row * (i + 0.5);
    const sx = x + LEGEND.pad;
    drawSwatch(ctx, item, sx, cy);
    ctx.fillStyle = INK.text;
    ctx.fillText(item.label, sx + LEGEND.swatch + LEGEND.gap, cy);
  });
  ctx.restore();
}

function drawSwatch(ctx: Ctx2D, item: LegendItem, x: number, cy: number): void {
  ctx.beginPath();
  if (item.marker === 'dot') {
    ctx.fillStyle = item.color;
    ctx.arc(x + LEGEND.swatch / 2, cy, 5, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.strokeStyle = item.color;
  ctx.lineWidth = 3;
  ctx.setLineDash(item.dashed ? [5, 3] : []);
  ctx.moveTo(x, cy);
  ctx.lineTo(x + LEGEND.swatch, cy);
  ctx.stroke();
  ctx.setLineDash([]);
}

/** Rounds to a pixel centre so 1-px lines are sharp. */
export function crisp(v: number): number {
  return Math.round(v - 0.5) + 0.5;
}

function vLine(ctx: Ctx2D, x: number, y0: number, y1: number): void {
  ctx.moveTo(x, y0);
  ctx.lineTo(x, y1);
}

function hLine(ctx: Ctx2D, y: number, x0: number, x1: number): void {
  ctx.moveTo(x0, y);
  ctx.lineTo(x1, y);
}
