/**
 * The importance-weighted bound as a training objective (Burda, Grosse &
 * Salakhutdinov 2015):
 *
 *   L_K(x) = log (1/K) Σ_k w_k,   w_k = p(x|z_k) p(z_k) / q(z_k|x),   z_k = μ + σ·ε_k
 *
 * L_1 is the ELBO; L_K ≤ L_{K+1} ≤ log p(x) in expectation. The gradient
 * weights each sample's ELBO gradient by its normalised weight w_k / Σ w, so
 * the encoder may spread q(z|x) where the ELBO would make it too narrow.
 * It is the bound `eval --iw K` reports (metrics/iw.ts), computed here in one
 * pass with its gradient. In nats per example:
 *   iwLoss = −L_K (what is minimised; not `loss`, which is the VAE's −ELBO),
 *   reconstruction = the mean over the K samples of −log p(x|z_k),
 *   kl = the mean of log q(z_k|x) − log p(z_k) (a Monte Carlo KL),
 * so iwLoss ≤ reconstruction + kl, equal when K = 1.
 *
 * `gradient: 'dreg'` (one stochastic layer with a Gaussian q) changes how the
 * encoder's gradient is estimated, not the bound (Tucker, Lawson, Gu &
 * Maddison 2019, "doubly reparameterized gradients"). The bound's own
 * gradient to the encoder's parameters φ is
 *   Σ_k w̃_k [ ∂log w_k/∂z_k · ∂z_k/∂φ − ∂log q(z_k|x)/∂φ ],   w̃ = w / Σ w,
 * whose second (score) term is noisy and whose signal fades as K grows
 * (Rainforth et al. 2018). Reparameterising that term once more gives the
 * same expectation as
 *   Σ_k w̃_k² ∂log w_k/∂z_k · ∂z_k/∂φ
 * with log q read at stopped parameters (only its path through z counts).
 * The decoder's (and a learned prior's) gradient stays Σ_k w̃_k ∇ log w_k.
 * One backward pass gives both: the bound's gradient reaches each log w_k
 * as w̃_k (dregBound's gradient records w̃), and where z_k enters the
 * decoder, the prior and log q, the gradient back to the encoder is
 * multiplied by w̃_k once more (scaleByWeights). Only while gradients are
 * recorded: the value, and so every evaluation, is the bound's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DiagNormal } from '../distributions/normal.js';
import { recordingGradients } from '../engine/wasm-kernels.js';
import { logSumExp } from '../util/ops.js';
import type { Autoencoder } from '../models/types.js';
import type { ObjectiveValue } from './types.js';

/** How the encoder's gradient of L_K is estimated (see the header). */
export type IwGradient = 'standard' | 'dreg';

export interface IwaeOptions {
  /** Seed for the K·batch draws of ε. */
  readonly seed: number;
  /** Importance samples per example. */
  readonly k: number;
  readonly training?: boolean;
  /** Labels [batch] for a conditional VAE. */
  readonly labels?: tf.Tensor1D;
  /** The encoder's gradient estimator (default 'standard'); 'dreg' needs one stochastic layer and a Gaussian q(z|x). */
  readonly gradient?: IwGradient;
}

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
const customGrad = <A extends tf.Tensor[]>(f: (...args: [...A, (t: tf.Tensor[]) => void]) => { value: tf.Tensor; gradFunc: GradFunc }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: A) => tf.Tensor;

/** The value of x with no gradient back to it. */
const stopGradient = customGrad<[tf.Tensor]>((x) => ({ value: tf.clone(x), gradFunc: (dy) => tf.zerosLike(dy) }));

/** Per example, log (1/K) Σ_k exp(logW[k]) over axis 0 of [K, batch]; its gradient (dy·w̃) leaves w̃ in `weights` for scaleByWeights. */
function dregBound(logW: tf.Tensor, k: number, weights: { value?: tf.Tensor }): tf.Tensor {
  return customGrad<[tf.Tensor]>((input, save) => {
    const lse = tf.logSumExp(input, 0, true);
    save([input, lse]);
    return {
      value: tf.sub(tf.squeeze(lse, [0]), Math.log(k)),
      gradFunc: (dy, [w, l]) => {
        // The backward pass reaches this before scaleByWeights (recorded earlier); both run in its scope.
        weights.value = tf.exp(tf.sub(w, l));
        return tf.mul(tf.expandDims(dy, 0), weights.value);
      },
    };
  })(logW);
}

/** z unchanged; its gradient [K, batch, d] multiplied by the normalised weights [K, batch] that dregBound's gradient recorded. */
function scaleByWeights(z: tf.Tensor, weights: { value?: tf.Tensor }): tf.Tensor {
  return customGrad<[tf.Tensor]>((input) => ({
    value: tf.clone(input),
    gradFunc: (dy) => {
      if (!weights.value) throw new Error('scaleByWeights: the bound\'s gradient has not run (it must be recorded after this op)');
      return tf.mul(dy, tf.expandDims(weights.value, -1));
    },
  }))(z);
}

/** −L_K with the doubly reparameterised encoder gradient (see the header), while gradients are recorded. */
function dregTerms(model: Autoencoder, x: tf.Tensor, { seed, k, training = false, labels }: IwaeOptions): { bound: tf.Tensor; logLikelihood: tf.Tensor; logRatio: tf.Tensor } {
  const q = model.encode(x, { training, labels });
  if (!(q instanceof DiagNormal)) throw new Error(`the doubly reparameterised gradient needs a Gaussian q(z|x), not ${q.kind}`);
  const weights: { value?: tf.Tensor } = {};
  const z = scaleByWeights(q.sample({ seed, n: k }), weights); // [K, batch, latent]
  const logLikelihood = model.decode(z, { training, labels }).logProb(x);
  const stopped = new DiagNormal(stopGradient(q.loc), stopGradient(q.logVar), q.eventShape);
  const logRatio = tf.sub(stopped.logProb(z), model.prior.logProb(z));
  return { bound: dregBound(tf.sub(logLikelihood, logRatio), k, weights), logLikelihood, logRatio };
}

export function negativeIwBound(model: Autoencoder, x: tf.Tensor, options: IwaeOptions): ObjectiveValue {
  const { seed, k, training = false, labels, gradient = 'standard' } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`importance samples must be a positive integer, got ${k}`);
  if (gradient === 'dreg' && model.sampleJoint) throw new Error('the doubly reparameterised gradient is for one stochastic layer');
  if (gradient === 'dreg' && recordingGradients()) {
    const { bound, logLikelihood, logRatio } = dregTerms(model, x, options);
    const loss = tf.neg(tf.mean(bound)) as tf.Scalar;
    return { total: loss, terms: { iwLoss: loss, reconstruction: tf.neg(tf.mean(logLikelihood)) as tf.Scalar, kl: tf.mean(logRatio) as tf.Scalar } };
  }
  let logLikelihood: tf.Tensor; // [K, batch]
  let logRatio: tf.Tensor; // log q − log p, [K, batch]
  if (model.sampleJoint) {
    const joint = model.sampleJoint(x, { k, seed, training });
    logLikelihood = joint.likelihood.logProb(x);
    logRatio = joint.logRatio;
  } else {
    const q = model.encode(x, { training, labels });
    const z = q.sample({ seed, n: k }); // [K, batch, latent]
    logLikelihood = model.decode(z, { training, labels }).logProb(x);
    logRatio = tf.sub(q.logProb(z), model.prior.logProb(z));
  }
  const logW = tf.sub(logLikelihood, logRatio);
  const bound = tf.sub(logSumExp(logW, 0), Math.log(k)); // [batch]
  const loss = tf.neg(tf.mean(bound)) as tf.Scalar;
  const reconstruction = tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
  const kl = tf.mean(logRatio) as tf.Scalar;
  return { total: loss, terms: { iwLoss: loss, reconstruction, kl } };
}
