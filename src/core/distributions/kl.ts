/**
 * KL(q ‖ p) through a registry of closed forms, with a Monte Carlo fallback.
 *
 * Registered pairs use the analytic divergence, e.g. for a diagonal Gaussian
 * against N(0, I):
 *
 *   KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_d [ μ_d² + σ_d² − 1 − log σ_d² ]
 *
 * Any other pair falls back to the reparameterised single-sample estimate
 * KL ≈ (1/S) Σ_s [ log q(z_s) − log p(z_s) ], z_s ~ q, which needs only
 * `q.sample` and both `logProb`s (so a mixture prior just works).
 * Results are per batch element, shape [batch], in nats.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DiagNormal } from './normal.js';
import { fusedGaussianKl } from './gaussian-fused.js';
import type { Distribution } from './types.js';

/** Either side of a KL: a distribution over latent vectors, or a prior (priors/types.ts), which has no event shape of its own. */
export type KlOperand = Omit<Distribution, 'eventShape'>;

export type KlFn = (q: KlOperand, p: KlOperand) => tf.Tensor;

const registry = new Map<string, KlFn>();

/** Registers the closed-form KL for distributions of kinds (qKind, pKind). */
export function registerKl(qKind: string, pKind: string, fn: KlFn): void {
  registry.set(`${qKind}|${pKind}`, fn);
}

/** True when KL(q ‖ p) has a registered closed form. */
export function hasAnalyticKl(q: KlOperand, p: KlOperand): boolean {
  return registry.has(`${q.kind}|${p.kind}`);
}

export interface KlOptions {
  /** Seed for the Monte Carlo fallback. */
  readonly seed: number;
  /** Samples for the Monte Carlo fallback (default 1). */
  readonly samples?: number;
}

/** KL(q ‖ p) per batch element: analytic when registered, Monte Carlo otherwise. */
export function klDivergence(q: KlOperand, p: KlOperand, options: KlOptions): tf.Tensor {
  const exact = registry.get(`${q.kind}|${p.kind}`);
  if (exact) return exact(q, p);
  return monteCarloKl(q, p, options);
}

/** (1/S) Σ_s [log q(z_s) − log p(z_s)] with z_s ~ q, per batch element. */
export function monteCarloKl(q: KlOperand, p: KlOperand, { seed, samples = 1 }: KlOptions): tf.Tensor {
  return tf.tidy(() => {
    const z = q.sample({ seed, n: samples });
    return tf.mean(tf.sub(q.logProb(z), p.logProb(z)), 0);
  });
}

registerKl('normal', 'standard-normal', (q) => {
  const { loc, logVar } = q as unknown as DiagNormal;
  const fused = fusedGaussianKl(loc, logVar);
  if (fused) return fused;
  return tf.tidy(() => tf.mul(tf.sum(tf.sub(tf.add(tf.square(loc), tf.exp(logVar)), tf.add(logVar, 1)), -1), 0.5));
});

registerKl('normal', 'normal', (q, p) => {
  const a = q as unknown as DiagNormal;
  const b = p as unknown as DiagNormal;
  // ½ Σ [ log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1 ]
  return tf.tidy(() => {
    const ratio = tf.mul(tf.add(tf.exp(a.logVar), tf.square(tf.sub(a.loc, b.loc))), tf.exp(tf.neg(b.logVar)));
    return tf.mul(tf.sum(tf.sub(tf.add(tf.sub(b.logVar, a.logVar), ratio), 1), -1), 0.5);
  });
});
