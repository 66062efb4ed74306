/**
 * The interactive plane under the latent explorer: every point (10,000 test
 * codes and the prior samples behind them) drawn fast enough to zoom and pan
 * at frame rate on a software renderer, with hit-testing, a hover, a picked
 * point, a rectangle selection and keyboard control.
 *
 * Drawing: points are not canvas paths (10,000 arc() calls take tens of
 * milliseconds without a GPU) but splatted into one premultiplied RGBA
 * buffer — a small anti-aliased disc per point, blended "over" in index
 * order — which is put on the canvas in one call; the axes are core/figures'.
 * A density under the points (the prior's) is a small grid drawn scaled, so
 * it follows zoom and pan for free.
 *
 * Pointer: moving decodes (onPointer), hovering reports the nearest shown
 * point (onHover), a click picks the point within 8 px (onPick), a drag pans,
 * a shift-drag selects a rectangle (onSelect), the wheel zooms about the
 * pointer. Keys on the focused plane: arrows move the point, shift+arrows
 * pan, + and − zoom, 0 resets the view, Enter picks the point nearest to the
 * marker, Escape clears the selection.
 */
import { drawAxes, linearScale, type LinearScale, type Rect } from '../core/figures/layout.js';
import { finiteDomain, type Domain } from '../core/figures/ticks.js';
import { categoryColor, hexToRgb } from '../core/figures/style.js';
import type { DensityGrid } from '../core/priors/density.js';
import { chartCanvas, h } from './dom.js';

/** The visible box in data coordinates. */
export interface ViewBox {
  readonly x: Domain;
  readonly y: Domain;
}

/** A density grid over a box (core/priors/density.ts's, values scaled to [0, 1]). */
export type DensityImage = Omit<DensityGrid, 'method'>;

export interface PlaneContent {
  /** [n, 2] positions. */
  readonly points: Float32Array;
  /** Class per point, or null. */
  readonly labels: Int32Array | null;
  /** [m, 2] grey points drawn first (prior samples), or null. */
  readonly background: Float32Array | null;
  readonly xLabel: string;
  readonly yLabel: string;
}

const BACKGROUND_RGB: [number, number, number] = [190, 190, 190];
const PAD = { left: 64, right: 14, top: 10, bottom: 46 };

/** Offsets and coverages of an anti-aliased disc of `radius` device pixels. */
function discStamp(radius: number): { dx: Int8Array; dy: Int8Array; w: Float32Array } {
  const r = Math.ceil(radius + 0.5);
  const dx: number[] = [];
  const dy: number[] = [];
  const w: number[] = [];
  for (let y = -r; y <= r; y++) {
    for (let x = -r; x <= r; x++) {
      const coverage = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(x, y)));
      if (coverage > 0) {
        dx.push(x);
        dy.push(y);
        w.push(coverage);
      }
    }
  }
  return { dx: Int8Array.from(dx), dy: Int8Array.from(dy), w: Float32Array.from(w) };
}

export class Plane {
  readonly element: HTMLElement;
  /** The canvas with the points (class "scatter") and the one on top taking the pointer (class "overlay"). */
  readonly base: ReturnType<typeof chartCanvas>;
  readonly overlay: ReturnType<typeof chartCanvas>;
  readonly tooltip = h('div', { class: 'hover-tip', hidden: '' });
  onPointer: ((x: number, y: number) => void) | null = null;
  onHover: ((i: number) => void) | null = null;
  onPick: ((i: number) => void) | null = null;
  onSelect: ((indices: number[]) => void) | null = null;
  onView: ((view: ViewBox) => void) | null = null;
  /** Enter on the plane: the point nearest to the marker (or −1). */
  onEnter: (() => void) | null = null;

  private content!: PlaneContent;
  private home: ViewBox = { x: { lo: -1, hi: 1 }, y: { lo: -1, hi: 1 } };
  view: ViewBox = this.home;
  private readonly plot: Rect;
  private sx!: LinearScale;
  private sy!: LinearScale;
  readonly hidden = new Set<number>();
  /** The marker (the decoded point), picked point, hovered point, selection rectangle (data coordinates). */
  marker: [number, number] | null = null;
  picked = -1;
  hovered = -1;
  private selection: ViewBox | null = null;
  selected: number[] = [];
  private density: DensityImage | null = null;
  private densityCanvas: OffscreenCanvas | null = null;
  private readonly ratio: number;
  private accum: Float32Array;
  private pixels: ImageData;
  private readonly buffer: OffscreenCanvas;
  private drag: { x: number; y: number; view: ViewBox; moved: boolean; select: boolean; id: number } | null = null;
  private pending = false;
  /** Full redraws so far (tests wait on it). */
  frames = 0;
  lastFrameMs = 0;

  constructor(readonly width: number, readonly height: number, label: string) {
    this.base = chartCanvas(width, height, 'scatter');
    this.overlay = chartCanvas(width, height, 'overlay');
    this.ratio = this.base.canvas.width / width;
    this.plot = { x: PAD.left, y: PAD.top, width: width - PAD.left - PAD.right, height: height - PAD.top - PAD.bottom };
    const w = Math.round(this.plot.width * this.ratio);
    const hgt = Math.round(this.plot.height * this.ratio);
    this.accum = new Float32Array(w * hgt * 4);
    this.pixels = new ImageData(w, hgt);
    this.buffer = new OffscreenCanvas(w, hgt);
    const canvas = this.overlay.canvas;
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-label', `${label}. Arrow keys move the decoded point, shift+arrows pan, plus and minus zoom, 0 resets the view, Enter picks the nearest test point.`);
    this.element = h('div', { class: 'stack', style: `width:${width}px;height:${height}px` }, this.base.canvas, canvas, this.tooltip);
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', () => (this.drag = null));
    canvas.addEventListener('pointerleave', () => {
      if (this.drag) return;
      this.hovered = -1;
      this.onHover?.(-1);
      this.drawOverlay();
    });
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    canvas.addEventListener('keydown', (e) => this.key(e));
  }

  /** New points (a new projection); `keepView` keeps the zoom, otherwise the view fits the points. */
  setContent(content: PlaneContent, keepView = false): void {
    this.content = content;
    const bg = content.background;
    const all = (axis: 0 | 1) => (function* () {
      for (let i = axis; i < content.points.length; i += 2) yield content.points[i];
      if (bg) for (let i = axis; i < bg.length; i += 2) yield bg[i];
    })();
    this.home = { x: finiteDomain(all(0), 0.04), y: finiteDomain(all(1), 0.04) };
    if (!keepView) this.view = this.home;
    this.selection = null;
    this.selected = [];
    this.draw();
  }

  /** Sets the box 0 returns to (compare: the box shared by every plane). */
  setHome(view: ViewBox): void {
    this.home = view;
  }

  /** The box that shows every point (what 0 returns to). */
  homeView(): ViewBox {
    return this.home;
  }

  /** Shows `view` (zoom/pan), redraws, and reports it unless `quiet`. */
  setView(view: ViewBox, quiet = false): void {
    if (!(view.x.hi > view.x.lo && view.y.hi > view.y.lo)) return;
    this.view = view;
    this.schedule();
    if (!quiet) this.onView?.(view);
  }

  setDensity(density: DensityImage | null): void {
    this.density = density;
    this.densityCanvas = null;
    if (density) {
      const tile = new ImageData(density.cols, density.rows);
      for (let i = 0; i < density.values.length; i++) {
        const p = Math.max(0, Math.min(1, density.values[i]));
        tile.data.set([255 - 90 * p, 255 - 60 * p, 255 - 20 * p, 255], 4 * i);
      }
      this.densityCanvas = new OffscreenCanvas(density.cols, density.rows);
      this.densityCanvas.getContext('2d')!.putImageData(tile, 0, 0);
    }
    this.schedule();
  }

  setHidden(classes: Iterable<number>): void {
    this.hidden.clear();
    for (const k of classes) this.hidden.add(k);
    this.schedule();
  }

  /** True when point i is drawn (finite, its class shown). */
  isShown(i: number): boolean {
    const { points, labels } = this.content;
    return Number.isFinite(points[2 * i]) && Number.isFinite(points[2 * i + 1]) && !(labels && this.hidden.has(labels[i]));
  }

  /** Data → canvas (CSS pixel) coordinates. */
  toPixel(x: number, y: number): [number, number] {
    return [this.sx(x), this.sy(y)];
  }

  /** Canvas (CSS pixel) → data coordinates. */
  toData(px: number, py: number): [number, number] {
    return [this.sx.invert(px), this.sy.invert(py)];
  }

  /** The plot rectangle on the screen (viewport CSS pixels). */
  plotBox(): { x: number; y: number; width: number; height: number } {
    const box = this.overlay.canvas.getBoundingClientRect();
    return { x: box.left + this.plot.x, y: box.top + this.plot.y, width: this.plot.width, height: this.plot.height };
  }

  /** Where data point (x, y) is on the screen (viewport CSS pixels). */
  screenPoint(x: number, y: number): { x: number; y: number } {
    const box = this.overlay.canvas.getBoundingClientRect();
    const [px, py] = this.toPixel(x, y);
    return { x: box.left + px, y: box.top + py };
  }

  /** Index of the shown point nearest to canvas pixel (px, py) within `radius` px (Infinity: any), or −1. */
  nearestPixel(px: number, py: number, radius = Infinity): number {
    const { points } = this.content;
    const n = points.length / 2;
    let best = -1;
    let bestDist = radius * radius;
    const kx = (this.sx.range[1] - this.sx.range[0]) / (this.sx.domain.hi - this.sx.domain.lo);
    const ky = (this.sy.range[1] - this.sy.range[0]) / (this.sy.domain.hi - this.sy.domain.lo);
    for (let i = 0; i < n; i++) {
      if (!this.isShown(i)) continue;
      const dx = this.sx.range[0] + (points[2 * i] - this.sx.domain.lo) * kx - px;
      const dy = this.sy.range[0] + (points[2 * i + 1] - this.sy.domain.lo) * ky - py;
      const d = dx * dx + dy * dy;
      if (d < bestDist || (best < 0 && radius === Infinity)) [best, bestDist] = [i, d];
    }
    return best;
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** Redraws everything now; returns the milliseconds it took. */
  draw(): number {
    const start = performance.now();
    const { ctx } = this.base;
    const { plot } = this;
    this.sx = linearScale(this.view.x, plot.x, plot.x + plot.width);
    this.sy = linearScale(this.view.y, plot.y + plot.height, plot.y);
    ctx.save();
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.beginPath();
    ctx.rect(plot.x, plot.y, plot.width, plot.height);
    ctx.clip();
    if (this.density && this.densityCanvas) {
      const d = this.density;
      const [x0, y0] = this.toPixel(d.x[0], d.y[1]);
      const [x1, y1] = this.toPixel(d.x[1], d.y[0]);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.densityCanvas, x0, y0, x1 - x0, y1 - y0);
    }
    this.splat();
    ctx.drawImage(this.buffer, plot.x, plot.y, plot.width, plot.height);
    ctx.restore();
    drawAxes(ctx, plot, this.sx, this.sy, { xLabel: this.content.xLabel, yLabel: this.content.yLabel });
    this.drawOverlay();
    this.frames++;
    this.lastFrameMs = performance.now() - start;
    this.element.dataset.frames = String(this.frames);
    return this.lastFrameMs;
  }

  /** Every shown point into the pixel buffer: discs blended over each other in index order, prior samples first. */
  private splat(): void {
    const { points, labels, background } = this.content;
    const acc = this.accum;
    acc.fill(0);
    const w = this.pixels.width;
    const hgt = this.pixels.height;
    const r = this.ratio;
    const kx = (w / (this.view.x.hi - this.view.x.lo));
    const ky = (hgt / (this.view.y.hi - this.view.y.lo));
    const x0 = this.view.x.lo;
    const y1 = this.view.y.hi;
    const n = points.length / 2;
    // Dots shrink and fade as their number grows (as in the static figures), and grow a little as one zooms in.
    const zoom = Math.min(3, Math.sqrt((this.home.x.hi - this.home.x.lo) / (this.view.x.hi - this.view.x.lo)));
    const radius = Math.max(1.2, Math.min(3, 3 - Math.log10(Math.max(n, 1)) * 0.4)) * r * Math.min(1.6, Math.max(1, zoom));
    const alpha = Math.max(0.3, Math.min(0.85, 1.1 - Math.log10(Math.max(n, 1)) * 0.2));
    const stamp = discStamp(radius);
    const small = discStamp(1.1 * r);
    const blend = (px: number, py: number, s: typeof stamp, cr: number, cg: number, cb: number, a: number) => {
      const cx = Math.round(px);
      const cy = Math.round(py);
      for (let k = 0; k < s.w.length; k++) {
        const x = cx + s.dx[k];
        const y = cy + s.dy[k];
        if (x < 0 || y < 0 || x >= w || y >= hgt) continue;
        const o = 4 * (y * w + x);
        const t = a * s.w[k];
        const keep = 1 - t;
        acc[o] = cr * t + acc[o] * keep;
        acc[o + 1] = cg * t + acc[o + 1] * keep;
        acc[o + 2] = cb * t + acc[o + 2] * keep;
        acc[o + 3] = t + acc[o + 3] * keep;
      }
    };
    if (background) {
      const [br, bgc, bb] = BACKGROUND_RGB;
      for (let i = 0; i < background.length / 2; i++) {
        const bx = background[2 * i];
        const by = background[2 * i + 1];
        if (Number.isFinite(bx) && Number.isFinite(by)) blend((bx - x0) * kx, (y1 - by) * ky, small, br, bgc, bb, 0.45);
      }
    }
    const colours = Array.from({ length: 10 }, (_, k) => hexToRgb(categoryColor(k)));
    for (let i = 0; i < n; i++) {
      if (!this.isShown(i)) continue;
      const [cr, cg, cb] = labels ? colours[((labels[i] % 10) + 10) % 10] : colours[0];
      blend((points[2 * i] - x0) * kx, (y1 - points[2 * i + 1]) * ky, stamp, cr, cg, cb, alpha);
    }
    const out = this.pixels.data;
    for (let o = 0; o < acc.length; o += 4) {
      const a = acc[o + 3];
      if (a <= 0) {
        out[o + 3] = 0;
        continue;
      }
      out[o] = acc[o] / a;
      out[o + 1] = acc[o + 1] / a;
      out[o + 2] = acc[o + 2] / a;
      out[o + 3] = 255 * a;
    }
    this.buffer.getContext('2d')!.putImageData(this.pixels, 0, 0);
  }

  /** The marker, the picked and hovered points and the selection rectangle. */
  drawOverlay(): void {
    const { ctx } = this.overlay;
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.plot.x, this.plot.y, this.plot.width, this.plot.height);
    ctx.clip();
    const ring = (i: number, radius: number, colour: string, width: number) => {
      const [px, py] = this.toPixel(this.content.points[2 * i], this.content.points[2 * i + 1]);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(px, py, radius, 0, 2 * Math.PI);
      ctx.stroke();
    };
    if (this.selection) {
      const [ax, ay] = this.toPixel(this.selection.x.lo, this.selection.y.hi);
      const [bx, by] = this.toPixel(this.selection.x.hi, this.selection.y.lo);
      ctx.fillStyle = 'rgba(31, 119, 180, 0.08)';
      ctx.strokeStyle = '#1f77b4';
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.fillRect(ax, ay, bx - ax, by - ay);
      ctx.strokeRect(ax, ay, bx - ax, by - ay);
      ctx.setLineDash([]);
    }
    if (this.hovered >= 0 && this.hovered !== this.picked) ring(this.hovered, 5, '#555', 1.5);
    if (this.picked >= 0) {
      ring(this.picked, 8, '#fff', 4);
      ring(this.picked, 8, '#d62728', 2);
    }
    if (this.marker) {
      const [px, py] = this.toPixel(this.marker[0], this.marker[1]);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px, py, 7, 0, 2 * Math.PI);
      ctx.moveTo(px - 11, py);
      ctx.lineTo(px + 11, py);
      ctx.moveTo(px, py - 11);
      ctx.lineTo(px, py + 11);
      ctx.stroke();
    }
    ctx.restore();
  }

  private local(e: PointerEvent | WheelEvent): [number, number] {
    const rect = this.overlay.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  private inside(px: number, py: number): boolean {
    const { plot } = this;
    return px >= plot.x && px <= plot.x + plot.width && py >= plot.y && py <= plot.y + plot.height;
  }

  private down(e: PointerEvent): void {
    const [px, py] = this.local(e);
    if (!this.inside(px, py) || e.button !== 0) return;
    this.overlay.canvas.setPointerCapture?.(e.pointerId);
    this.drag = { x: px, y: py, view: this.view, moved: false, select: e.shiftKey, id: e.pointerId };
  }

  private move(e: PointerEvent): void {
    const [px, py] = this.local(e);
    const drag = this.drag;
    if (drag) {
      if (!drag.moved && Math.hypot(px - drag.x, py - drag.y) < 4) return;
      drag.moved = true;
      if (drag.select) {
        const [ax, ay] = this.toData(drag.x, drag.y);
        const [bx, by] = this.toData(px, py);
        this.selection = { x: { lo: Math.min(ax, bx), hi: Math.max(ax, bx) }, y: { lo: Math.min(ay, by), hi: Math.max(ay, by) } };
        this.drawOverlay();
        return;
      }
      const v = drag.view;
      const dx = ((px - drag.x) / this.plot.width) * (v.x.hi - v.x.lo);
      const dy = ((py - drag.y) / this.plot.height) * (v.y.hi - v.y.lo);
      this.setView({ x: { lo: v.x.lo - dx, hi: v.x.hi - dx }, y: { lo: v.y.lo + dy, hi: v.y.hi + dy } });
      return;
    }
    if (!this.inside(px, py)) return;
    const hit = this.nearestPixel(px, py);
    if (hit !== this.hovered) {
      this.hovered = hit;
      this.onHover?.(hit);
    }
    const [x, y] = this.toData(px, py);
    this.marker = [x, y];
    this.onPointer?.(x, y);
    this.drawOverlay();
  }

  private up(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    this.overlay.canvas.releasePointerCapture?.(drag.id);
    if (drag.moved) {
      if (drag.select && this.selection) this.finishSelection();
      return;
    }
    const [px, py] = this.local(e);
    const hit = this.nearestPixel(px, py, 8);
    if (hit >= 0) this.onPick?.(hit);
    else if (drag.select) {
      this.selection = null;
      this.selected = [];
      this.onSelect?.([]);
      this.drawOverlay();
    }
  }

  private finishSelection(): void {
    const s = this.selection!;
    const { points } = this.content;
    this.selected = [];
    for (let i = 0; i < points.length / 2; i++) {
      const x = points[2 * i];
      const y = points[2 * i + 1];
      if (this.isShown(i) && x >= s.x.lo && x <= s.x.hi && y >= s.y.lo && y <= s.y.hi) this.selected.push(i);
    }
    this.onSelect?.(this.selected);
    this.drawOverlay();
  }

  /** Zooms by `factor` (< 1 zooms in) about data point (cx, cy). */
  zoom(factor: number, cx: number, cy: number): void {
    const v = this.view;
    this.setView({
      x: { lo: cx - (cx - v.x.lo) * factor, hi: cx + (v.x.hi - cx) * factor },
      y: { lo: cy - (cy - v.y.lo) * factor, hi: cy + (v.y.hi - cy) * factor },
    });
  }

  private wheel(e: WheelEvent): void {
    const [px, py] = this.local(e);
    if (!this.inside(px, py)) return;
    e.preventDefault();
    const [cx, cy] = this.toData(px, py);
    this.zoom(Math.pow(1.0015, e.deltaY * (e.deltaMode === 1 ? 33 : 1)), cx, cy);
  }

  private key(e: KeyboardEvent): void {
    const v = this.view;
    const stepX = (v.x.hi - v.x.lo) / 40;
    const stepY = (v.y.hi - v.y.lo) / 40;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const centre: [number, number] = this.marker ?? [(v.x.lo + v.x.hi) / 2, (v.y.lo + v.y.hi) / 2];
    if (e.key in arrows) {
      const [ax, ay] = arrows[e.key];
      if (e.shiftKey) {
        const dx = ax * stepX * 4;
        const dy = ay * stepY * 4;
        this.setView({ x: { lo: v.x.lo + dx, hi: v.x.hi + dx }, y: { lo: v.y.lo + dy, hi: v.y.hi + dy } });
      } else {
        this.marker = [centre[0] + ax * stepX, centre[1] + ay * stepY];
        this.onPointer?.(this.marker[0], this.marker[1]);
        // As the pointer would: the nearest test image to where the marker went.
        const [px, py] = this.toPixel(this.marker[0], this.marker[1]);
        const hit = this.nearestPixel(px, py);
        if (hit !== this.hovered) {
          this.hovered = hit;
          this.onHover?.(hit);
        }
        this.drawOverlay();
      }
    } else if (e.key === '+' || e.key === '=') this.zoom(1 / 1.25, ...centre);
    else if (e.key === '-' || e.key === '_') this.zoom(1.25, ...centre);
    else if (e.key === '0') this.setView(this.home);
    else if (e.key === 'Enter' || e.key === ' ') this.onEnter?.();
    else if (e.key === 'Escape') {
      this.selection = null;
      this.selected = [];
      this.onSelect?.([]);
      this.drawOverlay();
    } else return;
    e.preventDefault();
  }
}
