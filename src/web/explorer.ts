/**
 * The latent explorer for one loaded run: every test code (means of q(z|x))
 * coloured by label over samples of the prior, on a plane that zooms and
 * pans (plane.ts). The pointer decodes the point under it live; hovering
 * shows the nearest test image; a click picks a test point and shows it
 * beside its reconstruction, with a traversal of its code, one dimension per
 * row. Latents above 2-D are shown as a slice of two dimensions (a slider
 * per dimension sets the rest), their principal components, or UMAP.
 * Classes can be hidden, test images found by index or classes by name, and
 * a rectangle of codes exported as CSV. The state (projection, view, picked
 * point, z, hidden classes) is reported for the page's URL.
 */
import type { Autoencoder } from '../core/models/types.js';
import type { ImageSet } from './api.js';
import { chartCanvas, drawImage, h, imageCanvas } from './dom.js';
import { isConditional } from '../core/models/conditioning.js';
import { isCategoricalModel } from '../core/models/categorical-aae.js';
import { categoryColor } from '../core/figures/style.js';
import { codeSpread, decodeMeans, defaultSlice, priorDensity, traversalLatents } from './latent.js';
import { hashFor } from './nav.js';
import { Plane, type ViewBox } from './plane.js';
import { pcaProjection, sliceProjection, umapProjection, type Projected, type ProjectionKind } from './projection.js';

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

/** What the URL keeps of an explorer. */
export interface ExplorerState {
  readonly proj: ProjectionKind;
  readonly dims: readonly [number, number];
  readonly view: ViewBox | null;
  readonly picked: number;
  readonly z: readonly number[] | null;
  readonly hidden: readonly number[];
}

export interface ExplorerOptions {
  /** Canvas size of the plane (CSS pixels). */
  readonly width?: number;
  readonly height?: number;
  /** Leave out the traversal (compare shows several explorers). */
  readonly traversal?: boolean;
}

const SCALE = 7;

/** A one-hot row of length `k` with a 1 at `index`. */
function oneHotRow(k: number, index: number): Float32Array {
  const row = new Float32Array(k);
  row[index] = 1;
  return row;
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

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class Explorer {
  readonly element: HTMLElement;
  readonly plane: Plane;
  /** The current latent point; pointer and sliders edit it. */
  readonly z: Float32Array;
  /** Called when the user moves the latent point (for linked views). */
  onLatent: ((z: Float32Array) => void) | null = null;
  /** Called when the user picks test image `i` (for linked views). */
  onPick: ((i: number) => void) | null = null;
  /** Called when the user zooms or pans (for linked views). */
  onView: ((view: ViewBox) => void) | null = null;
  /** Called when anything the URL keeps changes. */
  onState: ((state: ExplorerState) => void) | null = null;
  projection!: Projected;
  private dims: [number, number] = [0, 1];
  private readonly decoded: HTMLCanvasElement;
  private readonly pair: HTMLElement;
  private readonly readout = h('div', { class: 'readout' });
  private readonly timing = h('div', { class: 'timing muted' });
  private readonly note = h('p', { class: 'plane-note muted' });
  private readonly heading: HTMLElement;
  private readonly legend = h('div', { class: 'legend', role: 'group', 'aria-label': 'classes shown' });
  private readonly status = h('span', { class: 'muted', 'aria-live': 'polite' });
  private readonly selectionInfo = h('span', { class: 'muted selection-info' });
  private readonly sliders: HTMLInputElement[] = [];
  private readonly tipCanvas: HTMLCanvasElement;
  private readonly traversal: HTMLElement | null;
  private readonly spread: Float64Array;
  private projSelect: HTMLSelectElement | null = null;
  private sliceControls: HTMLElement | null = null;
  private pending = false;
  private umapJob: { cancel(): void } | null = null;
  private readonly projections = new Map<string, Projected>();
  /** The class a conditional decoder renders the pointer's z as. */
  private condition = 0;
  picked = -1;
  /** The test code the pointer last decoded where the projection has no inverse (UMAP). */
  private nearestDecoded = -1;
  /** The test image picked before the current one (interpolation's other end). */
  previous = -1;
  hovered = -1;
  decodes = 0;

  constructor(readonly data: ExplorerData, initial: Partial<ExplorerState> = {}, options: ExplorerOptions = {}) {
    const { model, images } = data;
    const d = model.latentDim;
    this.z = new Float32Array(d);
    this.spread = codeSpread(data.codes, d);
    // A class-and-style code [y, z]: show the style plane; the class comes from the picker.
    const k = isCategoricalModel(model) ? model.classes : 0;
    this.dims = defaultSlice(this.spread, k);
    if (initial.dims && initial.dims.every((j) => Number.isInteger(j) && j >= 0 && j < d) && initial.dims[0] !== initial.dims[1]) this.dims = [initial.dims[0], initial.dims[1]];
    this.plane = new Plane(options.width ?? 560, options.height ?? 460, `latent plane of ${data.title}`);
    this.decoded = imageCanvas(images.shape, SCALE, 'digit decoded');
    this.tipCanvas = imageCanvas(images.shape, 2, 'digit hover');
    this.plane.tooltip.append(this.tipCanvas, h('span', {}));
    this.pair = h('div', { class: 'pair' }, 'Click a test point (or press Enter on the plane) to see it beside its reconstruction.');
    this.heading = h('h3', { class: 'plane-title' }, data.title);
    const side = h('div', { class: 'side' }, h('h3', {}, 'decoded z'), this.decoded, this.readout, this.timing, this.pair);
    this.traversal = options.traversal === false ? null : h('section', { class: 'traversal', 'aria-label': 'latent traversal' });
    const left = h('div', { class: 'plane-column' }, this.heading, this.toolbar(), this.plane.element, this.note, this.legend, this.tools());
    this.element = h('div', { class: 'explorer' }, h('div', { class: 'row' }, left, side), this.controls(), ...(this.traversal ? [this.traversal] : []));
    this.plane.onPointer = (x, y) => this.pointer(x, y);
    this.plane.onHover = (i) => this.hover(i);
    this.plane.onPick = (i) => this.pick(i);
    this.plane.onEnter = () => this.pickNearestToMarker();
    this.plane.onSelect = (sel) => this.selectionChanged(sel);
    this.plane.onView = (view) => {
      this.onView?.(view);
      this.emitState();
      this.refreshDensity();
    };
    this.buildLegend();
    if (initial.hidden?.length) this.plane.setHidden(initial.hidden);
    this.setProjection(this.sliceOrIdentity(), false);
    this.updateLegend();
    if (initial.proj && initial.proj !== 'slice' && d > 2) void this.useProjection(initial.proj, initial.view ?? null);
    else if (initial.view) this.plane.setView(initial.view, true);
    const start = centroid(data.codes, d);
    if (k) start.set(oneHotRow(k, 0));
    // Finite as float32 too: 1e308 from a URL would become Infinity in z.
    const zGiven = !!initial.z && initial.z.length === d && initial.z.every((v) => Number.isFinite(Math.fround(v)));
    if (zGiven) start.set(initial.z!);
    this.setLatent(start);
    if (initial.picked !== undefined && initial.picked >= 0 && initial.picked < images.count) this.showPair(initial.picked, !zGiven);
    else this.renderTraversal();
  }

  /** Stops work still running for this explorer (a UMAP worker) when its view goes. */
  close(): void {
    this.umapJob?.cancel();
    this.umapJob = null;
  }

  /** The state the URL keeps. */
  state(): ExplorerState {
    const view = this.plane.view;
    const home = this.plane.homeView();
    const same = view.x.lo === home.x.lo && view.x.hi === home.x.hi && view.y.lo === home.y.lo && view.y.hi === home.y.hi;
    return { proj: this.projection.kind, dims: this.dims, view: same ? null : view, picked: this.picked, z: Array.from(this.z), hidden: [...this.plane.hidden].sort((a, b) => a - b) };
  }

  private emitState(): void {
    this.onState?.(this.state());
  }

  /** Sets the latent point (all dimensions), decodes it and moves the marker. */
  setLatent(z: ArrayLike<number>): void {
    this.z.set(z);
    this.sliders.forEach((s, j) => (s.value = String(this.z[j])));
    this.placeMarker();
    this.render();
  }

  private placeMarker(): void {
    const at = this.projection.toPlane(this.z);
    const i = this.codeShown;
    // A projection that cannot place z (UMAP) marks the test code being decoded, if z is one.
    this.plane.marker = at ?? (i >= 0 ? [this.projection.points[2 * i], this.projection.points[2 * i + 1]] : null);
    this.plane.drawOverlay();
  }

  /** The test image whose code z is, or −1. */
  private get codeShown(): number {
    const d = this.z.length;
    for (const i of [this.nearestDecoded, this.picked]) {
      if (i >= 0 && this.z.every((v, j) => v === this.data.codes[i * d + j])) return i;
    }
    return -1;
  }

  /** Decodes the current point now and draws it; returns the milliseconds taken. */
  render(): number {
    const start = performance.now();
    const image = decodeMeans(this.data.model, this.z, this.condition);
    drawImage(this.decoded, image, this.data.images.shape);
    this.decodes++;
    this.element.dataset.decodes = String(this.decodes);
    this.readout.textContent = `z = (${Array.from(this.z, (v) => v.toFixed(2)).join(', ')})`;
    const ms = performance.now() - start;
    this.timing.textContent = `decoded and drawn in ${ms.toFixed(1)} ms`;
    return ms;
  }

  /** Where latent point (a, b) of the plane is on the screen (viewport CSS pixels); tests point there. */
  screenPoint(a: number, b: number): { x: number; y: number } {
    return this.plane.screenPoint(a, b);
  }

  /** Where test code i is on the screen. */
  screenPointOf(i: number): { x: number; y: number } {
    return this.plane.screenPoint(this.projection.points[2 * i], this.projection.points[2 * i + 1]);
  }

  /** The plot area on the screen (viewport CSS pixels). */
  plotBox(): { x: number; y: number; width: number; height: number } {
    return this.plane.plotBox();
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

  /**
   * Milliseconds per full redraw of the plane (every point, the density, the
   * axes) over `n` frames of zooming in and out about the centre, as a user's
   * wheel does (for the benchmark).
   */
  timeFrames(n: number): number[] {
    const home = this.plane.homeView();
    const cx = (home.x.lo + home.x.hi) / 2;
    const cy = (home.y.lo + home.y.hi) / 2;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = 0.4 + 0.6 * Math.abs(Math.cos((Math.PI * i) / n));
      this.plane.view = { x: { lo: cx - ((cx - home.x.lo) * f), hi: cx + (home.x.hi - cx) * f }, y: { lo: cy - (cy - home.y.lo) * f, hi: cy + (home.y.hi - cy) * f } };
      times.push(this.plane.draw());
    }
    this.plane.setView(home, true);
    return times;
  }

  /** Dimension j's name: z1, z2, …; for a class-and-style code [y, z], y1…yK then z1…zd. */
  private dimName(j: number): string {
    const k = isCategoricalModel(this.data.model) ? this.data.model.classes : 0;
    return j < k ? `y${j + 1}` : `z${j - k + 1}`;
  }

  private sliceOrIdentity(): Projected {
    const { codes, prior, model } = this.data;
    return sliceProjection(codes, prior, model.latentDim, this.dims, (j) => this.dimName(j));
  }

  private setProjection(p: Projected, keepView: boolean): void {
    this.projection = p;
    this.plane.setContent({ points: p.points, labels: this.data.images.labels, background: p.background, xLabel: p.xLabel, yLabel: p.yLabel }, keepView);
    const { model } = this.data;
    this.note.textContent = p.note || (model.latentDim === 2 ? (model.prior.hasDensity ? 'blue shading: the prior\'s density p(z); grey dots: prior samples' : 'blue shading: a smoothed histogram of prior samples; grey dots: prior samples') : '');
    this.plane.setDensity(null);
    this.refreshDensity();
    this.element?.setAttribute('data-projection', p.kind);
    if (this.projSelect) this.projSelect.value = p.kind;
    if (this.sliceControls) this.sliceControls.hidden = p.kind !== 'slice';
    if (this.element) this.placeMarker();
  }

  private densityTimer = 0;

  /** The prior's density under a 2-D latent, for the box shown (recomputed when zooming settles; a histogram prior only once). */
  private refreshDensity(): void {
    const { model } = this.data;
    if (model.latentDim !== 2 || this.projection.kind !== 'slice' || this.dims[0] === this.dims[1]) return;
    if (!model.prior.hasDensity && this.densityDone) return;
    clearTimeout(this.densityTimer);
    this.densityTimer = window.setTimeout(() => {
      const v = this.plane.view;
      const wx = v.x.hi - v.x.lo;
      const wy = v.y.hi - v.y.lo;
      // A margin around the view, so a pan shows shading before the next recomputation.
      const x: [number, number] = [v.x.lo - wx / 2, v.x.hi + wx / 2];
      const y: [number, number] = [v.y.lo - wy / 2, v.y.hi + wy / 2];
      const [dx, dy] = this.dims;
      const grid = priorDensity(model, dx === 0 ? x : y, dx === 0 ? y : x, 160);
      this.densityDone = true;
      if (!grid) return;
      // priorDensity is over (z1, z2); a swapped slice shows (z2, z1): transpose.
      let values = grid;
      if (dx === 1 && dy === 0) {
        values = new Float32Array(grid.length);
        for (let r = 0; r < 160; r++) for (let c = 0; c < 160; c++) values[r * 160 + c] = grid[(159 - c) * 160 + (159 - r)];
      }
      this.plane.setDensity({ values, cols: 160, rows: 160, x, y });
    }, this.densityDone ? 200 : 0);
  }

  private densityDone = false;

  /** Switches the projection (computing PCA at once and UMAP in a worker, each once). */
  async useProjection(kind: ProjectionKind, view: ViewBox | null = null): Promise<void> {
    const { codes, prior, model } = this.data;
    const d = model.latentDim;
    this.umapJob?.cancel();
    this.umapJob = null;
    if (kind === 'slice' || d <= 2) {
      this.setProjection(this.sliceOrIdentity(), false);
    } else if (this.projections.has(kind)) {
      this.setProjection(this.projections.get(kind)!, false);
    } else if (kind === 'pca') {
      const p = pcaProjection(codes, prior, d);
      this.projections.set('pca', p);
      this.setProjection(p, false);
    } else {
      this.status.textContent = 'UMAP: starting…';
      this.element?.setAttribute('data-umap', 'running');
      const job = umapProjection(codes, d, (f, stage) => {
        this.status.textContent = `UMAP: ${stage} ${(100 * f).toFixed(0)} %`;
      });
      this.umapJob = job;
      try {
        const p = await job.result;
        this.projections.set('umap', p);
        if (this.umapJob !== job) return;
        this.umapJob = null;
        this.status.textContent = '';
        this.element.setAttribute('data-umap', 'done');
        this.setProjection(p, false);
      } catch (e) {
        if (this.umapJob !== job) return;
        this.status.textContent = (e as Error).message;
        this.element.setAttribute('data-umap', 'failed');
        if (this.projSelect) this.projSelect.value = this.projection.kind;
        return;
      }
    }
    if (view) this.plane.setView(view, true);
    this.emitState();
  }

  /** The projection and slice pickers above the plane. */
  private toolbar(): HTMLElement {
    const d = this.data.model.latentDim;
    if (d <= 2) return h('div', { class: 'plane-toolbar' });
    const proj = h('select', { 'aria-label': 'projection' },
      h('option', { value: 'slice' }, 'slice: two dimensions'), h('option', { value: 'pca' }, 'PCA'), h('option', { value: 'umap' }, 'UMAP'));
    proj.addEventListener('change', () => void this.useProjection(proj.value as ProjectionKind));
    this.projSelect = proj;
    const select = (axis: 0 | 1) => {
      const s = h('select', { 'aria-label': axis ? 'vertical dimension' : 'horizontal dimension' });
      for (let j = 0; j < d; j++) s.append(h('option', { value: String(j) }, this.dimName(j)));
      s.value = String(this.dims[axis]);
      s.addEventListener('change', () => {
        this.dims[axis] = Number(s.value);
        this.setProjection(this.sliceOrIdentity(), false);
        this.emitState();
      });
      return s;
    };
    this.sliceControls = h('span', { class: 'slice-dims' }, ' slice: ', select(0), ' × ', select(1));
    return h('div', { class: 'plane-toolbar' }, h('label', {}, 'show ', proj), this.sliceControls);
  }

  /** Search, selection and export under the plane. */
  private tools(): HTMLElement {
    const search = h('input', { type: 'search', placeholder: 'test image # or class', 'aria-label': 'find a test image by index, or show one class by name', size: '18' });
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.search(search.value);
      }
    });
    const exportButton = h('button', { type: 'button' }, 'Export CSV');
    exportButton.addEventListener('click', () => this.exportSelection());
    this.selectionInfo.textContent = 'shift-drag to select a rectangle';
    return h('div', { class: 'plane-tools' }, search, ' ', exportButton, ' ', this.selectionInfo, h('div', { class: 'plane-status' }, this.status));
  }

  /**
   * A search: an index ("123" or "#123") picks that test image; anything
   * else is matched against the class names ("7", "label 7", "crimson") and
   * shows that class alone. Returns what it did, as the status says.
   */
  search(text: string): string {
    const q = text.trim();
    const { images, classNames } = this.data;
    let message: string;
    const index = /^#?(\d+)$/.exec(q);
    const labelled = /^(?:label|class)\s+(.+)$/i.exec(q);
    if (index && !labelled) {
      const i = Number(index[1]);
      if (i >= images.count) message = `no test image ${i}: there are ${images.count} (0–${images.count - 1})`;
      else {
        if (images.labels && this.plane.hidden.has(images.labels[i])) {
          this.plane.hidden.delete(images.labels[i]);
          this.plane.setHidden([...this.plane.hidden]);
          this.updateLegend();
        }
        this.pick(i);
        this.reveal(i);
        message = `test image ${i}`;
      }
    } else {
      const name = (labelled ? labelled[1] : q).toLowerCase();
      const classes = this.classList();
      const k = classes.find((c) => this.className(c).toLowerCase() === name || String(c) === name);
      if (k === undefined) message = images.labels ? `no class named ${JSON.stringify(q)} (classes: ${classes.map((c) => this.className(c)).join(', ')})` : 'this run\'s test images have no labels';
      else {
        this.plane.setHidden(classes.filter((c) => c !== k));
        this.updateLegend();
        this.emitState();
        message = `showing class ${this.className(k)} only`;
      }
    }
    this.status.textContent = message;
    return message;
  }

  /** Pans so test point i is in view (when it is not). */
  private reveal(i: number): void {
    const x = this.projection.points[2 * i];
    const y = this.projection.points[2 * i + 1];
    const v = this.plane.view;
    if (x >= v.x.lo && x <= v.x.hi && y >= v.y.lo && y <= v.y.hi) return;
    const wx = (v.x.hi - v.x.lo) / 2;
    const wy = (v.y.hi - v.y.lo) / 2;
    this.plane.setView({ x: { lo: x - wx, hi: x + wx }, y: { lo: y - wy, hi: y + wy } });
  }

  private classList(): number[] {
    const { labels } = this.data.images;
    if (!labels) return [];
    return [...new Set(labels)].sort((a, b) => a - b);
  }

  private className(k: number): string {
    return this.data.classNames?.[k] ?? String(k);
  }

  private legendButtons = new Map<number, HTMLButtonElement>();

  /** One toggle per class (with its colour and count); "all" shows every class again. */
  private buildLegend(): void {
    const { labels } = this.data.images;
    if (!labels) return;
    const counts = new Map<number, number>();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const buttons = this.classList().map((k) => {
      const b = h('button', { type: 'button', class: 'class-toggle', 'aria-pressed': 'true', title: 'click: hide or show · alt+click: show only this class' },
        h('span', { class: 'swatch', style: `background:${categoryColor(k)}` }), `${this.className(k)} (${counts.get(k)})`);
      b.dataset.class = String(k);
      b.addEventListener('click', (e) => {
        const classes = this.classList();
        if (e.altKey) this.plane.setHidden(classes.filter((c) => c !== k));
        else if (this.plane.hidden.has(k)) {
          this.plane.hidden.delete(k);
          this.plane.setHidden([...this.plane.hidden]);
        } else this.plane.setHidden([...this.plane.hidden, k]);
        this.updateLegend();
        this.emitState();
      });
      this.legendButtons.set(k, b);
      return b;
    });
    const all = h('button', { type: 'button', class: 'class-all' }, 'all');
    all.addEventListener('click', () => {
      this.plane.setHidden([]);
      this.updateLegend();
      this.emitState();
    });
    this.legend.append(...buttons, all);
  }

  private updateLegend(): void {
    for (const [k, b] of this.legendButtons) b.setAttribute('aria-pressed', String(!this.plane.hidden.has(k)));
    let shown = 0;
    for (let i = 0; i < this.data.images.count; i++) if (this.plane.isShown(i)) shown++;
    this.element?.setAttribute('data-shown', String(shown));
  }

  private selectionChanged(selected: number[]): void {
    this.selectionInfo.textContent = selected.length ? `${selected.length} selected (Export CSV writes them; Escape clears)` : 'shift-drag to select a rectangle';
    this.element.dataset.selected = String(selected.length);
  }

  /** The selection as CSV (or every shown point when nothing is selected): index, label, z…, plane x, y. */
  selectionCsv(): string {
    const { images, codes, model } = this.data;
    const d = model.latentDim;
    const rows = this.plane.selected.length ? this.plane.selected : Array.from({ length: images.count }, (_, i) => i).filter((i) => this.plane.isShown(i));
    const head = ['index', ...(images.labels ? ['label'] : []), ...Array.from({ length: d }, (_, j) => this.dimName(j)), `${this.projection.kind}_x`, `${this.projection.kind}_y`];
    const lines = [head.join(',')];
    for (const i of rows) {
      const label = images.labels ? [`"${this.className(images.labels[i]).replace(/"/g, '""')}"`] : [];
      lines.push([String(i), ...label, ...Array.from(codes.subarray(i * d, (i + 1) * d), (v) => String(v)), String(this.projection.points[2 * i]), String(this.projection.points[2 * i + 1])].join(','));
    }
    return `${lines.join('\n')}\n`;
  }

  private exportSelection(): void {
    const n = this.plane.selected.length;
    download(`latent-codes-${n ? `${n}-selected` : 'shown'}.csv`, this.selectionCsv(), 'text/csv');
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
    return h('div', { class: 'controls' }, ...(picker ? [picker] : []), h('details', { open: '' }, h('summary', {}, `z, one slider per dimension (${d})`), h('div', { class: 'sliders' }, ...rows)));
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.placeMarker();
      this.render();
      this.onLatent?.(this.z);
      this.emitState();
    });
  }

  private pointer(x: number, y: number): void {
    const moved = this.projection.toLatent(x, y, this.z);
    if (moved) this.z.set(moved);
    else {
      // No inverse (UMAP): the code of the nearest test point.
      const [px, py] = this.plane.toPixel(x, y);
      const i = this.plane.nearestPixel(px, py);
      if (i < 0) return;
      const d = this.data.model.latentDim;
      this.z.set(this.data.codes.subarray(i * d, (i + 1) * d));
      this.nearestDecoded = i;
    }
    this.sliders.forEach((s, j) => (s.value = String(this.z[j])));
    this.schedule();
  }

  /** Hover: the nearest shown test image, in a tip beside it. */
  private hover(i: number): void {
    this.hovered = i;
    this.element.dataset.hover = String(i);
    const tip = this.plane.tooltip;
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    const { images } = this.data;
    drawImage(this.tipCanvas, images.x, images.shape, i * images.dim);
    const label = images.labels ? ` · ${this.className(images.labels[i])}` : '';
    tip.lastElementChild!.textContent = `#${i}${label}`;
    const [px, py] = this.plane.toPixel(this.projection.points[2 * i], this.projection.points[2 * i + 1]);
    tip.hidden = false;
    const right = px + 14 + tip.offsetWidth < this.plane.width;
    tip.style.left = `${right ? px + 14 : px - 14 - tip.offsetWidth}px`;
    tip.style.top = `${Math.max(0, Math.min(this.plane.height - tip.offsetHeight, py - tip.offsetHeight / 2))}px`;
  }

  private pick(i: number): void {
    this.showPair(i);
    this.onPick?.(i);
  }

  private pickNearestToMarker(): void {
    const m = this.plane.marker;
    if (!m) return;
    const [px, py] = this.plane.toPixel(m[0], m[1]);
    const i = this.plane.nearestPixel(px, py);
    if (i >= 0) this.pick(i);
  }

  /** Shows test image `i` beside its reconstruction (decoder mean at the encoder mean), moves z there and traverses from it. */
  showPair(i: number, moveZ = true): void {
    const { images, codes, model } = this.data;
    const d = model.latentDim;
    if (i !== this.picked) [this.previous, this.picked] = [this.picked, i];
    this.plane.picked = i;
    const code = codes.subarray(i * d, (i + 1) * d);
    const original = imageCanvas(images.shape, 4, 'digit original');
    const recon = imageCanvas(images.shape, 4, 'digit reconstruction');
    drawImage(original, images.x, images.shape, i * images.dim);
    drawImage(recon, decodeMeans(model, code, images.labels?.[i] ?? 0), images.shape);
    const label = images.labels ? `label ${this.className(images.labels[i])}` : '';
    const links: HTMLElement[] = [];
    if (this.previous >= 0) {
      const params = new URLSearchParams(location.hash.slice(1));
      const run = params.get('run');
      if (run) links.push(h('a', { href: hashFor({ view: 'interpolate', run, a: String(this.previous), b: String(i) }), class: 'interpolate-link' }, `interpolate #${this.previous} → #${i}`));
    }
    this.pair.replaceChildren(h('div', {}, `test image ${i} ${label}`), h('figure', {}, original, h('figcaption', {}, 'original')), h('figure', {}, recon, h('figcaption', {}, 'reconstruction')), ...links);
    this.pair.dataset.index = String(i);
    if (moveZ) this.setLatent(code);
    else this.placeMarker();
    this.renderTraversal();
    this.emitState();
  }

  private traversalSteps = 9;
  private traversalSpan = 2;
  private traversalRows = 10;

  /**
   * The traversal from the current z: one row per dimension (the codes' most
   * spread dimensions first), that dimension moved over ±span standard
   * deviations of the codes, the others held.
   */
  renderTraversal(): void {
    const section = this.traversal;
    if (!section) return;
    const { model, images } = this.data;
    const d = model.latentDim;
    const k = isCategoricalModel(model) ? model.classes : 0;
    const candidates = Array.from({ length: d - k }, (_, j) => j + k).sort((a, b) => this.spread[b] - this.spread[a]);
    const rows = candidates.slice(0, Math.min(this.traversalRows, candidates.length));
    const steps = this.traversalSteps;
    const z0 = Float32Array.from(this.z);
    const latents = traversalLatents(z0, rows, steps, this.traversalSpan, this.spread);
    const images0 = decodeMeans(model, latents, this.condition);
    const number = (label: string, value: number, min: number, max: number, step: number, set: (v: number) => void) => {
      const input = h('input', { type: 'number', value: String(value), min: String(min), max: String(max), step: String(step), 'aria-label': `traversal ${label}` });
      input.addEventListener('change', () => {
        const v = Number(input.value);
        if (Number.isFinite(v) && v >= min && v <= max) {
          set(v);
          this.renderTraversal();
        }
      });
      return h('label', {}, `${label} `, input);
    };
    const from = h('button', { type: 'button' }, 'traverse from the decoded z');
    from.addEventListener('click', () => this.renderTraversal());
    const grid = h('div', { class: 'traversal-grid', style: `grid-template-columns: 3.5rem repeat(${steps}, auto)` });
    rows.forEach((j, r) => {
      grid.append(h('span', { class: 'dim', title: `σ of the codes along ${this.dimName(j)}: ${this.spread[j].toFixed(2)}` }, this.dimName(j)));
      for (let s = 0; s < steps; s++) {
        const c = imageCanvas(images.shape, 2, 'digit traversal-cell');
        drawImage(c, images0, images.shape, (r * steps + s) * images.dim);
        c.dataset.dim = String(j);
        grid.append(c);
      }
    });
    section.replaceChildren(
      h('h3', {}, `Traversal from ${this.codeShown >= 0 ? `test image ${this.codeShown}` : 'the decoded z'}`),
      h('p', { class: 'muted' }, `Each row moves one dimension from −${this.traversalSpan} σ to +${this.traversalSpan} σ of the codes along it (σ per dimension), the others held; rows: the ${rows.length} most spread dimension${rows.length === 1 ? '' : 's'} of ${d - k}.`),
      h('div', { class: 'traversal-controls' }, number('steps', steps, 2, 25, 1, (v) => (this.traversalSteps = Math.round(v))), ' ',
        number('span (σ)', this.traversalSpan, 0.25, 6, 0.25, (v) => (this.traversalSpan = v)), ' ',
        number('rows', this.traversalRows, 1, Math.max(1, d - k), 1, (v) => (this.traversalRows = Math.round(v))), ' ', from),
      grid);
    section.dataset.rows = String(rows.length);
    section.dataset.steps = String(steps);
  }
}
