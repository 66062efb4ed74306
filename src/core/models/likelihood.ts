/**
 * Decoder likelihoods p(x|z): how many outputs the decoder net needs, and how
 * its raw outputs become a distribution.
 *
 * - bernoulli: outputs are logits.
 * - gaussian, fixed σ²: outputs are means; log σ² is a constant.
 * - gaussian, learned: two heads, means and raw log-variances; the
 *   log-variance is bounded below softly, log σ² = softplus(r + 6) − 6 ≥ −6
 *   (σ ≥ 0.05), so constant background pixels cannot drive the density to
 *   infinity.
 * - continuous-bernoulli: outputs are logits; a density on [0, 1]
 *   (the Bernoulli normalised for continuous values).
 * - discretized-logistic: two heads, μ and raw log-scales, log s =
 *   softplus(r + 7) − 7 ≥ −7; a probability for 8-bit values (images),
 *   so the bound is in nats of the 8-bit data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli } from '../distributions/bernoulli.js';
import { DiagNormal } from '../distributions/normal.js';
import { DiscretizedLogistic } from '../distributions/discretized-logistic.js';
import { ContinuousBernoulli } from '../distributions/continuous-bernoulli.js';
import type { Distribution } from '../distributions/types.js';
import type { LikelihoodSpec } from '../config/schema.js';

export const MIN_LOG_VARIANCE = -6;
/** The discretised logistic's floor on log s (s ≥ 0.0009, under half a bin of 1/255). */
export const MIN_LOG_SCALE = -7;

/** The decoder's output heads for data of `dataDim` values. */
export function likelihoodHeads(spec: LikelihoodSpec, dataDim: number): { name: string; size: number }[] {
  if (spec.kind === 'bernoulli' || spec.kind === 'continuous-bernoulli') return [{ name: 'logits', size: dataDim }];
  if (spec.kind === 'discretized-logistic') return [{ name: 'loc', size: dataDim }, { name: 'logscale', size: dataDim }];
  if (spec.variance === 'learned') return [{ name: 'loc', size: dataDim }, { name: 'logvar', size: dataDim }];
  return [{ name: 'loc', size: dataDim }];
}

/**
 * Turns the decoder's head outputs (each [batch, dataDim], flat) into
 * p(x|z); `eventShape` is one example's shape (e.g. [28, 28]), which the
 * distribution reports as its event shape.
 */
export function likelihoodFromOutputs(spec: LikelihoodSpec, heads: tf.Tensor[], eventShape?: readonly number[]): Distribution {
  if (spec.kind === 'bernoulli') return new Bernoulli(heads[0], eventShape);
  if (spec.kind === 'continuous-bernoulli') return new ContinuousBernoulli(heads[0], eventShape);
  if (spec.kind === 'discretized-logistic') {
    const [loc, raw] = heads;
    return new DiscretizedLogistic(loc, tf.sub(tf.softplus(tf.add(raw, -MIN_LOG_SCALE)), -MIN_LOG_SCALE), eventShape);
  }
  if (spec.variance === 'learned') {
    const [loc, raw] = heads;
    const logVar = tf.sub(tf.softplus(tf.add(raw, -MIN_LOG_VARIANCE)), -MIN_LOG_VARIANCE);
    return new DiagNormal(loc, logVar, eventShape);
  }
  return new DiagNormal(heads[0], tf.scalar(Math.log(spec.variance)), eventShape);
}
