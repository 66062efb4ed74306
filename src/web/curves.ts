/**
 * Training curves fed incrementally (from server-sent events or from training
 * in the page): step-level running means of the loss terms, and per-epoch
 * train / test loss. Drawn with the same chart code as the CLI's loss.png.
 */
import { drawLineChart, type LineSeries } from '../core/figures/index.js';
import type { EpochRecord } from '../core/training/fit.js';
import { headlineTerm, termInfo } from '../core/models/registry.js';
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
  /** Adversarial losses (binary cross-entropies), shown only when a run reports them. */
  private readonly adversarial = chartCanvas(WIDTH, HEIGHT, 'chart adversarial');
  /** A kernel penalty (the WAE's MMD²), shown only when a run reports one. */
  private readonly penalty = chartCanvas(WIDTH, HEIGHT, 'chart penalty');
  private readonly status = h('p', { class: 'status muted' }, 'waiting for data…');
  private pending = false;

  constructor() {
    this.adversarial.canvas.hidden = true;
    this.penalty.canvas.hidden = true;
    this.element = h('div', { class: 'curves' }, this.status,
      h('div', { class: 'row' }, this.live.canvas, this.perEpoch.canvas, this.adversarial.canvas, this.penalty.canvas));
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
    // Terms in nats share one axis; cross-entropies of a discriminator and generator (≈ 0.7) get their own, and so does an MMD² (≈ 0.01).
    const names = [...new Set(this.progress.flatMap((p) => Object.keys(p.terms)))];
    const x = this.progress.map((p) => p.epoch - 1 + p.batch / p.batches);
    const series = (unit: string): LineSeries[] => names.filter((n) => termInfo(n).unit === unit)
      .map((n) => ({ name: termInfo(n).label, x, y: this.progress.map((p) => p.terms[n] ?? NaN) }));
    drawLineChart(this.live.ctx, series('nats'), {
      width: WIDTH, height: HEIGHT, title: 'Training terms, live', note: 'running means within each epoch (nats per image)',
      xLabel: 'epoch', yLabel: 'nats',
    });
    const adversarial = series('cross-entropy');
    this.adversarial.canvas.hidden = adversarial.length === 0;
    if (adversarial.length) {
      drawLineChart(this.adversarial.ctx, adversarial, {
        width: WIDTH, height: HEIGHT, title: 'Cross-entropy terms, live', note: 'discriminator and generator: log 2 ≈ 0.69 when D cannot tell codes from prior samples',
        xLabel: 'epoch', yLabel: 'cross-entropy',
      });
    }
    const penalty = series('mmd');
    this.penalty.canvas.hidden = penalty.length === 0;
    if (penalty.length) {
      drawLineChart(this.penalty.ctx, penalty, {
        width: WIDTH, height: HEIGHT, title: 'MMD² to the prior, live', note: 'the WAE\'s penalty on each batch of codes: 0 when they match the prior',
        xLabel: 'epoch', yLabel: 'MMD²',
      });
    }
    const ex = this.epochs.map((r) => r.epoch);
    const { key, label } = this.epochs.length ? headlineTerm(this.epochs[0].test) : { key: 'loss', label: 'loss' };
    drawLineChart(this.perEpoch.ctx, [
      { name: `train ${label}`, x: ex, y: this.epochs.map((r) => r.train[key] ?? NaN) },
      { name: `test ${label}`, x: ex, y: this.epochs.map((r) => r.test[key] ?? NaN), dashed: true },
    ], { width: WIDTH, height: HEIGHT, title: `${label} per epoch`, note: 'train: mean over the epoch; test: after it (nats per image)', xLabel: 'epoch', yLabel: 'nats' });
  }
}
