/**
 * Training curves fed incrementally (from server-sent events or from training
 * in the page): step-level running means of the loss terms, and per-epoch
 * train / test loss. Drawn with the same chart code as the CLI's loss.png.
 */
import { drawLineChart, type LineSeries } from '../core/figures/index.js';
import type { EpochRecord } from '../core/training/fit.js';
import { chartCanvas, h } from './dom.js';

export interface ProgressPoint {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly terms: Readonly<Record<string, number>>;
}

const WIDTH = 560;
const HEIGHT = 300;

export class Curves {
  readonly element: HTMLElement;
  readonly progress: ProgressPoint[] = [];
  readonly epochs: EpochRecord[] = [];
  private readonly live = chartCanvas(WIDTH, HEIGHT, 'chart live');
  private readonly perEpoch = chartCanvas(WIDTH, HEIGHT, 'chart epochs');
  private readonly status = h('p', { class: 'status muted' }, 'waiting for data…');
  private pending = false;

  constructor() {
    this.element = h('div', { class: 'curves' }, this.status, h('div', { class: 'row' }, this.live.canvas, this.perEpoch.canvas));
    this.draw();
  }

  addProgress(p: ProgressPoint): void {
    this.progress.push(p);
    this.schedule();
  }

  addEpoch(r: EpochRecord): void {
    this.epochs.push(r);
    this.schedule();
  }

  /** Forgets everything (the run was resumed and its files rewritten). */
  clear(): void {
    this.progress.length = 0;
    this.epochs.length = 0;
    this.schedule();
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  private schedule(): void {
    this.element.dataset.progressPoints = String(this.progress.length);
    this.element.dataset.epochPoints = String(this.epochs.length);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const names = [...new Set(this.progress.flatMap((p) => Object.keys(p.terms)))];
    const x = this.progress.map((p) => p.epoch - 1 + p.batch / p.batches);
    const live: LineSeries[] = names.map((n) => ({ name: n, x, y: this.progress.map((p) => p.terms[n] ?? NaN) }));
    drawLineChart(this.live.ctx, live, {
      width: WIDTH, height: HEIGHT, title: 'Training terms, live', note: 'running means within each epoch (nats per image)',
      xLabel: 'epoch', yLabel: 'nats',
    });
    const ex = this.epochs.map((r) => r.epoch);
    drawLineChart(this.perEpoch.ctx, [
      { name: 'train loss', x: ex, y: this.epochs.map((r) => r.train.loss ?? NaN) },
      { name: 'test loss', x: ex, y: this.epochs.map((r) => r.test.loss ?? NaN), dashed: true },
    ], { width: WIDTH, height: HEIGHT, title: 'Loss per epoch', note: 'train: mean over the epoch; test: after it', xLabel: 'epoch', yLabel: 'nats' });
  }
}
