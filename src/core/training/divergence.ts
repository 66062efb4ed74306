/**
 * Divergence: a loss or a weight that is no longer a finite number. The
 * trainer checks its running training terms whenever it reads them (every
 * `reportEvery` steps), `fit` checks the held-out terms and every weight
 * before an epoch is handed on to be saved, so a diverged model never
 * reaches a checkpoint: the caller keeps its last finite one.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Training stopped because a loss or a weight stopped being finite. */
export class DivergenceError extends Error {
  constructor(
    readonly epoch: number,
    /** The global step by which it was seen (at most `reportEvery` steps after it happened). */
    readonly step: number,
    /** What diverged: 'the training loss', 'the test loss' or 'the weights'. */
    readonly what: string,
    readonly terms: Readonly<Record<string, number>>,
    /** How: not finite, or grown far beyond its value at the start. */
    readonly how = 'is not finite',
  ) {
    const shown = Object.entries(terms).map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toPrecision(4) : String(v)}`).join(', ');
    super(`training diverged in epoch ${epoch} (by step ${step}): ${what} ${how}${shown ? ` (${shown})` : ''}`);
    this.name = 'DivergenceError';
  }
}

/**
 * A running loss this many times its value on the run's first batch (or
 * the first batch after a resume), or this many times the values per
 * example if that is more, counts as diverged: no model that is learning
 * gets there, and one that does only gets worse.
 */
export const EXPLOSION_FACTOR = 100;

/**
 * How far a phase's terms have grown, for the explosion check: Σ max(term, 0),
 * against Σ |term| on the first batch (the trainer's scale).
 * Only growth counts: a term that falls below zero is a density bound
 * improving (a continuous Bernoulli's or a Gaussian's −log p goes negative
 * as the model learns), not a divergence.
 */
export const growth = (terms: Readonly<Record<string, number>>): number => Object.values(terms).reduce((a, v) => a + Math.max(v, 0), 0);

/** The names of the terms that are NaN or infinite. */
export function nonFiniteTerms(terms: Readonly<Record<string, number>>): string[] {
  return Object.entries(terms).filter(([, v]) => !Number.isFinite(v)).map(([k]) => k);
}

/** True when every value of every variable is finite (one small read-back). */
export async function allFinite(variables: readonly tf.Variable[]): Promise<boolean> {
  if (!variables.length) return true;
  const bad = tf.tidy(() => tf.addN(variables.map((v) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(v)), 'float32')))));
  const [count] = await bad.data();
  bad.dispose();
  return count === 0;
}
