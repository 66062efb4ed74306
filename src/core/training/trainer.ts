/**
 * One trainer for every model: an epoch runs each batch through a list of
 * phases (a VAE has one; an AAE has reconstruction, discriminator and
 * generator). Each phase owns an optimizer over the variables it may change,
 * and nothing else is touched: gradients are taken w.r.t. exactly
 * `phase.optimizer.variables` and applied to them alone.
 *
 * Memory: the objective runs inside the gradient tape; its named terms are
 * kept and, after the step, summed over the epoch: on a backend that keeps
 * tensors in the process's memory (wasm, the native engine, cpu,
 * tfjs-node) by reading the scalars at once, in double precision, which costs
 * less than the three kernels of a sum on the device; elsewhere (WebGL)
 * stacked and summed on the device, and read back asynchronously every
 * `reportEvery` steps — never inside the tape.
 * Each read-back also checks them: a term that is no longer finite stops the
 * epoch with a DivergenceError (divergence.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../engine/gradients.js';
import { batchCount, batches, type DataSource } from '../data/dataset.js';
import type { ObjectiveValue } from '../objectives/types.js';
import type { Optimizer } from './optimizers.js';
import { deriveSeed } from '../util/random.js';
import { nowMs } from '../util/clock.js';
import { yieldToEventLoop } from '../util/yield.js';
import { DivergenceError, EXPLOSION_FACTOR, growth, nonFiniteTerms } from './divergence.js';

export interface StepContext {
  /** Global step (batches seen since the run began), starting at 0. */
  readonly step: number;
  readonly epoch: number;
  /** A fresh seed for this phase at this step. */
  readonly seed: number;
  /** The batch's labels [batch] when the dataset has them. */
  readonly labels?: tf.Tensor1D;
}

export interface Phase {
  readonly name: string;
  /** Updates exactly `optimizer.variables`: the variables this phase may change. */
  readonly optimizer: Optimizer;
  /** The objective for one batch; runs inside the gradient tape. */
  loss(x: tf.Tensor2D, context: StepContext): ObjectiveValue;
}

export interface EpochOptions {
  readonly phases: readonly Phase[];
  readonly data: DataSource;
  readonly batchSize: number;
  /** 1-based epoch number; with `seed` it fixes the data order. */
  readonly epoch: number;
  readonly seed: number;
  /** Global step at the start of this epoch. */
  readonly startStep: number;
  readonly binarize?: boolean;
  /** Scale each phase's gradients down to this global L2 norm when they exceed it (config `train.clipGradNorm`). */
  readonly clipGradNorm?: number;
  readonly reportEvery?: number;
  /** Called every `reportEvery` steps and after the last step. */
  readonly onProgress?: (progress: EpochProgress) => void;
  /**
   * The size (Σ |term|) of the first phase's terms on the run's first batch; set by the
   * first epoch that finds it unset and kept by the caller across epochs. A running mean
   * EXPLOSION_FACTOR times larger stops training with a DivergenceError.
   */
  readonly start?: { size?: number };
}

export interface EpochProgress {
  readonly batch: number;
  readonly batches: number;
  readonly examples: number;
  /** Running means of every phase's terms over this epoch so far. */
  readonly terms: Readonly<Record<string, number>>;
}

export interface EpochResult {
  readonly steps: number;
  readonly examples: number;
  readonly seconds: number;
  /** Means of the terms over the epoch's examples (nats per example). */
  readonly terms: Readonly<Record<string, number>>;
}

/**
 * `grads` scaled by min(1, maxNorm / ‖grads‖₂), the norm taken over all of
 * them together (as torch.nn.utils.clip_grad_norm_ does), on the device: no
 * read-back. The inputs are disposed.
 */
export function clipByGlobalNorm(grads: (tf.Tensor | undefined)[], maxNorm: number): (tf.Tensor | undefined)[] {
  const present = grads.filter((g): g is tf.Tensor => g !== undefined);
  if (!present.length) return grads;
  const clipped = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return grads.map((g) => (g === undefined ? undefined : tf.mul(g, factor)));
  });
  tf.dispose(present);
  return clipped;
}

/** Runs one phase on a batch: gradients of `total` w.r.t. its variables only. */
function runPhase(phase: Phase, x: tf.Tensor2D, context: StepContext, clipGradNorm?: number): { names: string[]; values: tf.Tensor[] } {
  let names: string[] = [];
  let values: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = phase.loss(x, context);
    names = Object.keys(out.terms);
    values = Object.values(out.terms).map((t) => tf.keep(t));
    return out.total;
  }, phase.optimizer.variables as tf.Variable[]);
  // A variable the loss does not reach (e.g. the style head in a classification phase) has no gradient: it is left as it is.
  let ordered = phase.optimizer.variables.map((v) => grads[v.name] as tf.Tensor | undefined);
  if (clipGradNorm !== undefined) ordered = clipByGlobalNorm(ordered, clipGradNorm);
  phase.optimizer.apply(ordered, context.epoch);
  // A term may be the total itself: it is the caller's to dispose.
  tf.dispose([value, ...ordered].filter((t) => t !== undefined && !values.includes(t)) as tf.Tensor[]);
  return { names, values };
}

/** Backends whose tensors live in this process's memory: reading a scalar back costs a copy of 4 bytes, not a wait. */
const HOST_BACKENDS = new Set(['wasm', 'cpu', 'tensorflow']);

/**
 * Backends that copy the values a tensor is made from (into wasm memory, a
 * TensorFlow tensor), so the batch's array can be read into again at once;
 * the cpu backend keeps the array itself, and WebGL reads it when it uploads.
 */
const COPYING_BACKENDS = new Set(['wasm', 'tensorflow']);

/** One phase's terms summed over the examples it saw: in doubles on the host, or as a tensor on the device. */
type TermSums = { names: string[]; host?: Float64Array; device?: tf.Tensor1D; examples: number };

/** Trains every phase over one pass of the data. */
export async function trainEpoch(options: EpochOptions): Promise<EpochResult> {
  const { phases, data, batchSize, epoch, seed, startStep, clipGradNorm, reportEvery = 10, onProgress, start: scale = {} } = options;
  const start = nowMs();
  const total = batchCount(data, { batchSize });
  // Per phase name: its terms summed over the examples it saw (a phase may run several times per batch).
  const sums = new Map<string, TermSums>();
  const onHost = HOST_BACKENDS.has(tf.getBackend());
  let examples = 0;
  let step = startStep;
  let batchIndex = 0;

  const readTerms = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const { names, host, device, examples: seen } of sums.values()) {
      const v = host ?? (await device!.data());
      names.forEach((n, i) => (out[n] = v[i] / Math.max(seen, 1)));
    }
    const first = sums.values().next().value;
    const firstTerms = first ? Object.fromEntries(first.names.map((n) => [n, out[n]])) : {};
    // At least the values per example: a density likelihood's loss can start near 0 (a continuous Bernoulli's does) while its KL grows by tens of nats.
    const limit = EXPLOSION_FACTOR * Math.max(scale.size ?? Infinity, data.dim, 1);
    if (nonFiniteTerms(out).length || growth(firstTerms) > limit) {
      for (const { device } of sums.values()) device?.dispose();
      throw nonFiniteTerms(out).length
        ? new DivergenceError(epoch, step, 'the training loss', out)
        : new DivergenceError(epoch, step, 'the training loss', out, `grew to over ${EXPLOSION_FACTOR}× its size at the start (${scale.size!.toPrecision(4)})`);
    }
    return out;
  };

  const iterator = batches(data, {
    batchSize,
    reuse: COPYING_BACKENDS.has(tf.getBackend()), // x is copied into a tensor before the next batch is read
    shuffleSeed: deriveSeed(seed, 7, epoch),
    binarizeSeed: options.binarize ? deriveSeed(seed, 11, epoch) : undefined,
  });
  for (const batch of iterator) {
    const x = tf.tensor2d(batch.x, [batch.count, data.dim]);
    const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
    phases.forEach((phase, p) => {
      const { names, values } = runPhase(phase, x, { step, epoch, seed: deriveSeed(seed, 13, step, p), labels }, clipGradNorm);
      const prev = sums.get(phase.name);
      const next: TermSums = { names, examples: (prev?.examples ?? 0) + batch.count };
      let read: ArrayLike<number> | undefined;
      if (onHost) {
        read = values.map((t) => t.dataSync()[0]);
        next.host = prev?.host ?? new Float64Array(names.length);
        for (let i = 0; i < read.length; i++) next.host[i] += read[i] * batch.count;
      } else {
        next.device = tf.tidy(() => {
          const stacked = tf.stack(values);
          return prev?.device ? tf.add(prev.device, tf.mul(stacked, batch.count)) : tf.mul(stacked, batch.count);
        }) as tf.Tensor1D;
        prev?.device?.dispose();
      }
      // The first phase's terms on the first batch: the scale against which an explosion is judged (one read-back).
      if (p === 0 && scale.size === undefined) scale.size = Array.from(read ?? values.map((t) => t.dataSync()[0]), Math.abs).reduce((a, v) => a + v, 0);
      tf.dispose(values);
      sums.set(phase.name, next);
    });
    tf.dispose([x, labels]);
    examples += batch.count;
    step++;
    batchIndex++;
    if (batchIndex % reportEvery === 0 || batchIndex === total) {
      const terms = await readTerms();
      if (onProgress) onProgress({ batch: batchIndex, batches: total, examples, terms });
      await yieldToEventLoop();
    }
  }
  const terms = await readTerms();
  for (const { device } of sums.values()) device?.dispose();
  return { steps: step - startStep, examples, seconds: (nowMs() - start) / 1000, terms };
}
