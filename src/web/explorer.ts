/**
 * The latent explorer for one loaded run: test codes (means of q(z|x))
 * coloured by label over samples of the prior; the pointer decodes the point
 * under it live; a click on a test point shows the image beside its
 * reconstruction. Latents above 2-D show a chosen pair of dimensions, with a
 * slider for every dimension (the pointer moves the two shown).
 */
import { drawScatter, type ScatterLayout } from '../core/figures/index.js';
import type { Autoencoder } from '../core/models/types.js';
import type { ImageSet } from './api.js';
import { chartCanvas, drawImage, h, imageCanvas } from './dom.js';
import { isConditional } from '../core/models/conditioning.js';
import { isCategoricalModel } from '../core/models/categorical-aae.js';

/** A one-hot row of length `k` with a 1 at `index`. */
function oneHotRow(k: number, index: number): Float32Array {
  const row = new Float32Array(k);
  row[index] = 1;
  return row;
}
import { decodeMeans, priorDensity, project } from './latent.js';

export interface ExplorerData {
  readonly title: string;
  readonly model: Autoencoder;
  readonly images: ImageSet;
  /** Means of q(z|x) of the images, [count, latentDim]. */
  readonly codes: Float32Array;
  readonly prior: Float32Array;
  /** The classes' names (class folders, a label column), for the legend and captions. */
  readonly classNames?: readonly string[];
}

const WIDTH = 520;
const HEIGHT = 440;
const SCALE = 7;

function invert(scale: ScatterLayout['x'], px: number): number {
  const { domain, range } = scale;
  return domain.lo + ((px - range[0]) / (range[1] - range[0])) * (domain.hi - domain.lo);
}

/** The mean of [n, d] rows (where the explorer starts: among the codes, not at an empty origin). */
function centroid(codes: Float32Array, d: number): Float32Array {
  const out = new Float32Array(d);
  const n = codes.length / d;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j] += codes[i * d + j] / n;
  return out;
}

/** A slider's range for dimension j: the codes' extent, at least [−3, 3], in whole units. */
function extent(codes: Float32Array, d: number, j: number): [number, number] {
  let lo = -3;
  let hi = 3;
  for (let i = j; i < codes.length; i += d) {
    if (codes[i] < lo) lo = codes[i];
    if (codes[i] > hi) hi = codes[i];
  }
  return [Math.floor(lo), Math.ceil(hi)];
}

export class Explorer {
  readonly element: HTMLElement;
  /** The current latent point; pointer and sliders edit it. */
  readonly z: Float32Array;
  /** Called when the user moves the latent point (for linked views). */
  onLatent: ((z: Float32Array) => void) | null = null;
  /** Called when the user clicks test image `i` (for linked views). */
  onPick: ((i: number) => void) | null = null;
  private dims: [number, number] = [0, 1];
  private layout!: ScatterLayout;
  private readonly plot = chartCanvas(WIDTH, HEIGHT, 'scatter');
  private readonly overlay = chartCanvas(WIDTH, HEIGHT, 'overlay');
  private readonly decoded: HTMLCanvasElement;
  private readonly pair: HTMLElement;
  private readonly readout = h('div', { class: 'readout' });
  private readonly timing = h('div', { class: 'timing muted' });
  private readonly sliders: HTMLInputElement[] = [];
  private pending = false;
  /** The class a conditional decoder renders the pointer's z as. */
  private condition = 0;
  decodes = 0;

  constructor(private readonly data: ExplorerData) {
    const { model, images } = data;
    const d = model.latentDim;
    this.z = new Float32Array(d);
    // A class-and-style code [y, z]: show the style plane; the class comes from the picker.
    const k = isCategoricalModel(model) ? model.classes : 0;
    this.dims = [Math.min(k, d - 1), Math.min(k + 1, d - 1)];
    this.decoded = imageCanvas(images.shape, SCALE, 'digit decoded');
    this.pair = h('div', { class: 'pair' }, 'Click a test point to see it beside its reconstruction.');
    const stack = h('div', { class: 'stack' }, this.plot.canvas, this.overlay.canvas);
    const side = h('div', { class: 'side' }, h('h3', {}, 'decoded z'), this.decoded, this.readout, this.timing, this.pair);
    this.element = h('div', { class: 'explorer' }, h('div', { class: 'row' }, stack, side), this.controls());
    this.overlay.canvas.addEventListener('pointermove', (e) => this.pointer(e, false));
    this.overlay.canvas.addEventListener('pointerdown', (e) => this.pointer(e, true));
    this.drawScatter();
    const start = centroid(data.codes, d);
    if (k) start.set(oneHotRow(k, 0));
    this.setLatent(start);
  }

  /** Sets the latent point (all dimensions), decodes it and redraws the marker. */
  setLatent(z: ArrayLike<number>): void {
    this.z.set(z);
    this.sliders.forEach((s, j) => (s.value = String(this.z[j])));
    this.render();
  }

  /** Decodes the current point now and draws it; returns the milliseconds taken. */
  render(): number {
    const start = performance.now();
    const image = decodeMeans(this.data.model, this.z, this.condition);
    drawImage(this.decoded, image, this.data.images.shape);
    this.drawMarker();
    this.decodes++;
    this.element.dataset.decodes = String(this.decodes);
    this.readout.textContent = `z = (${Array.from(this.z, (v) => v.toFixed(2)).join(', ')})`;
    const ms = performance.now() - start;
    this.timing.textContent = `decoded and drawn in ${ms.toFixed(1)} ms`;
    return ms;
  }

  /** Where latent point (a, b) of the shown dimensions is on the screen (viewport CSS pixels); tests point there. */
  screenPoint(a: number, b: number): { x: number; y: number } {
    const box = this.overlay.canvas.getBoundingClientRect();
    return { x: box.left + this.layout.x(a), y: box.top + this.layout.y(b) };
  }

  /** The plot area on the screen (viewport CSS pixels). */
  plotBox(): { x: number; y: number; width: number; height: number } {
    const box = this.overlay.canvas.getBoundingClientRect();
    const { plot } = this.layout;
    return { x: box.left + plot.x, y: box.top + plot.y, width: plot.width, height: plot.height };
  }

  /**
   * Milliseconds per decode-and-draw of `n` points on a circle around the
   * codes' centre, the path the pointer takes (for the benchmark).
   */
  timeDecodes(n: number): number[] {
    const d = this.data.model.latentDim;
    const centre = centroid(this.data.codes, d);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const z = Float32Array.from(centre);
      z[this.dims[0]] += Math.cos((2 * Math.PI * i) / n);
      z[this.dims[1]] += Math.sin((2 * Math.PI * i) / n);
      this.z.set(z);
      times.push(this.render());
    }
    return times;
  }

  /** For a decoder given the label: which class to render z as (z then holds only the style). */
  private classPicker(): HTMLElement | null {
    const { model } = this.data;
    if (isCategoricalModel(model)) return this.categoryPicker(model.classes, model.kind === 'clustering-aae' ? 'cluster' : 'class');
    if (!isConditional(model.config)) return null;
    const s = h('select', { 'aria-label': 'decode as class' });
    for (let k = 0; k < model.config.labels.classes; k++) s.append(h('option', { value: String(k) }, this.data.classNames?.[k] ?? String(k)));
    s.addEventListener('change', () => {
      this.condition = Number(s.value);
      this.render();
    });
    return h('div', {}, 'decode z as class ', s, h('span', { class: 'muted' }, ' (this decoder is given the label; z holds the style)'));
  }

  /** Dimension j's name: z1, z2, …; for a class-and-style code [y, z], y1…yK then z1…zd. */
  private dimName(j: number): string {
    const k = isCategoricalModel(this.data.model) ? this.data.model.classes : 0;
    return j < k ? `y${j + 1}` : `z${j - k + 1}`;
  }

  /** A class-and-style code: the picker sets the class part y to a one-hot vector; the plane and sliders move the style. */
  private categoryPicker(classes: number, what: string): HTMLElement {
    const s = h('select', { 'aria-label': `decode as ${what}` });
    for (let k = 0; k < classes; k++) s.append(h('option', { value: String(k) }, `${what} ${k}`));
    s.addEventListener('change', () => {
      this.z.set(oneHotRow(classes, Number(s.value)));
      this.sliders.forEach((slider, j) => (slider.value = String(this.z[j])));
      this.render();
    });
    return h('div', {}, `decode as ${what} `, s, h('span', { class: 'muted' }, ` (the code is [y, z]: y one-hot over ${classes} ${what === 'class' ? 'classes' : 'clusters'}, z the style)`));
  }

  private controls(): HTMLElement {
    const d = this.data.model.latentDim;
    const picker = this.classPicker();
    if (d <= 2) return h('div', { class: 'controls' }, ...(picker ? [picker] : []));
    const select = (axis: 0 | 1) => {
      const s = h('select', { 'aria-label': axis ? 'vertical dimension' : 'horizontal dimension' });
      for (let j = 0; j < d; j++) s.append(h('option', { value: String(j) }, this.dimName(j)));
      s.value = String(this.dims[axis]);
      s.addEventListener('change', () => {
        this.dims[axis] = Number(s.value);
        this.drawScatter();
        this.drawMarker();
      });
      return s;
    };
    const rows = Array.from({ length: d }, (_, j) => {
      const [lo, hi] = extent(this.data.codes, d, j);
      const slider = h('input', { type: 'range', min: String(lo), max: String(hi), step: '0.01', value: '0', 'aria-label': this.dimName(j) });
      slider.addEventListener('input', () => {
        this.z[j] = Number(slider.value);
        this.schedule();
      });
      this.sliders.push(slider);
      return h('label', { class: 'slider' }, this.dimName(j), slider);
    });
    return h('div', { class: 'controls' }, ...(picker ? [picker] : []), h('div', {}, 'slice: ', select(0), ' × ', select(1)), h('div', { class: 'sliders' }, ...rows));
  }

  private drawScatter(): void {
    const { model, images, codes, prior, title, classNames } = this.data;
    const [dx, dy] = this.dims;
    const d = model.latentDim;
    this.layout = drawScatter(this.plot.ctx, project(codes, d, dx, dy), images.labels, {
      width: WIDTH, height: HEIGHT, title,
      note: d > 2 ? `slice ${this.dimName(dx)} × ${this.dimName(dy)} of a ${d}-D latent (other dimensions from the sliders)` : model.prior.hasDensity ? 'blue shading: the prior\'s density p(z)' : 'blue shading: a smoothed histogram of prior samples',
      xLabel: this.dimName(dx), yLabel: this.dimName(dy), background: project(prior, d, dx, dy), classNames,
    });
    this.shadeDensity();
  }

  /**
   * Shades the plot by the prior's density (2-D latents with a density):
   * multiplied over the drawn scatter, so high density reads as a blue tint
   * under the codes and the prior samples.
   */
  private shadeDensity(): void {
    const { plot, x, y } = this.layout;
    const cells = 120;
    const density = priorDensity(this.data.model, [x.domain.lo, x.domain.hi], [y.domain.lo, y.domain.hi], cells);
    if (!density) return;
    const tile = new ImageData(cells, cells);
    for (let i = 0; i < density.length; i++) {
      const p = density[i];
      tile.data.set([255 - 90 * p, 255 - 60 * p, 255 - 20 * p, 255], 4 * i);
    }
    const buffer = new OffscreenCanvas(cells, cells);
    buffer.getContext('2d')!.putImageData(tile, 0, 0);
    const { ctx } = this.plot;
    ctx.save();
    ctx.globalCompositeOperation = 'multiply';
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(buffer, plot.x, plot.y, plot.width, plot.height);
    ctx.restore();
  }

  private drawMarker(): void {
    const { ctx } = this.overlay;
    const { x, y } = this.layout;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const px = x(this.z[this.dims[0]]);
    const py = y(this.z[this.dims[1]]);
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

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
      this.onLatent?.(this.z);
    });
  }

  private pointer(e: PointerEvent, click: boolean): void {
    const rect = this.overlay.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const { plot, x, y } = this.layout;
    if (px < plot.x || px > plot.x + plot.width || py < plot.y || py > plot.y + plot.height) return;
    if (click) {
      const hit = this.nearest(px, py);
      if (hit >= 0) {
        this.showPair(hit);
        this.onPick?.(hit);
        return;
      }
    }
    this.z[this.dims[0]] = invert(x, px);
    this.z[this.dims[1]] = invert(y, py);
    for (const j of this.dims) if (this.sliders[j]) this.sliders[j].value = String(this.z[j]);
    this.schedule();
  }

  /** Index of the test point within 6 px of (px, py), or −1. */
  private nearest(px: number, py: number): number {
    const { codes, model } = this.data;
    const d = model.latentDim;
    const [dx, dy] = this.dims;
    let best = -1;
    let bestDist = 36;
    for (let i = 0; i < codes.length / d; i++) {
      const dist = (this.layout.x(codes[i * d + dx]) - px) ** 2 + (this.layout.y(codes[i * d + dy]) - py) ** 2;
      if (dist < bestDist) [best, bestDist] = [i, dist];
    }
    return best;
  }

  /** Shows test image `i` beside its reconstruction (decoder mean at the encoder mean) and moves z there. */
  showPair(i: number): void {
    const { images, codes, model } = this.data;
    const d = model.latentDim;
    const code = codes.subarray(i * d, (i + 1) * d);
    const original = imageCanvas(images.shape, 4, 'digit original');
    const recon = imageCanvas(images.shape, 4, 'digit reconstruction');
    drawImage(original, images.x, images.shape, i * images.dim);
    drawImage(recon, decodeMeans(model, code, images.labels?.[i] ?? 0), images.shape);
    const label = images.labels ? `label ${this.data.classNames?.[images.labels[i]] ?? images.labels[i]}` : '';
    this.pair.replaceChildren(h('div', {}, `test image ${i} ${label}`), h('figure', {}, original, h('figcaption', {}, 'original')), h('figure', {}, recon, h('figcaption', {}, 'reconstruction')));
    this.pair.dataset.index = String(i);
    this.setLatent(code);
  }
}
