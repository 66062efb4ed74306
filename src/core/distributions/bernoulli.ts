/**
 * Independent Bernoulli distributions over [0,1]-valued vectors, parameterised
 * by logits l (probability p = sigmoid(l)).
 *
 *   log p(x) = Σ_d [ x_d·l_d − softplus(l_d) ]        (x_d ∈ [0, 1])
 *
 * For x in (0,1) this is the "continuous Bernoulli without normaliser", i.e.
 * the binary cross-entropy that the canonical MNIST VAE uses. The gradient
 * w.r.t. the logits is written by hand (x − sigmoid(l)): one fused
 * expression instead of differentiating through softplus step by step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkedEventShape, type Distribution, type SampleOptions } from './types.js';
import { BERNOULLI_BROADCAST_KERNEL, BERNOULLI_KERNEL, BERNOULLI_VALUE_KERNEL, bernoulliWithResidual, hasFusedKernel, recordingGradients } from '../engine/wasm-kernels.js';

type CustomOp = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * Σ_d [x·l − softplus(l)], with softplus(l) = max(l,0) − log σ(|l|): σ(|l|)
 * lies in [½, 1], so the logarithm never overflows, and it costs one
 * transcendental kernel instead of exp + log1p.
 */
const bernoulliLogProbOps = tf.customGrad(((logits: tf.Tensor, x: tf.Tensor, save: tf.GradSaveFunc) => {
  const softplus = tf.sub(tf.relu(logits), tf.log(tf.sigmoid(tf.abs(logits))));
  const value = tf.sum(tf.sub(tf.mul(x, logits), softplus), -1);
  save([logits, x]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [l, xs] = saved;
      const dyExpanded = tf.expandDims(dy, -1);
      const dLogits = tf.mul(dyExpanded, tf.sub(xs, tf.sigmoid(l)));
      const dx = tf.mul(dyExpanded, l);
      return [dLogits, dx];
    },
  };
}) as unknown as CustomOp);

/** Σ_d x·l − softplus(l) with TF.js ops, x broadcast by the ops themselves (no gradient). */
function bernoulliLogProbValue(logits: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.sub(tf.mul(x, logits), tf.sub(tf.relu(logits), tf.log(tf.sigmoid(tf.abs(logits))))), -1));
}

function bernoulliLogProb(logits: tf.Tensor, x: tf.Tensor): tf.Tensor {
  // The fused kernel (engine/kernels/bernoulli.wat, or the native engine's):
  // one pass gives the sum and x − σ(l), which its gradient only scales by dy.
  const fused = logits.dtype === 'float32' && x.dtype === 'float32' && hasFusedKernel(BERNOULLI_KERNEL);
  return fused ? bernoulliWithResidual(logits, x) : (bernoulliLogProbOps(logits, x) as unknown as tf.Tensor);
}

export class Bernoulli implements Distribution {
  readonly kind = 'bernoulli';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  /**
   * @param logits shape [batch, d] or [n, batch, d]
   * @param eventShape what the d values are (default [d]); see Distribution
   */
  constructor(readonly logits: tf.Tensor, eventShape?: readonly number[]) {
    this.eventSize = logits.shape[logits.rank - 1];
    this.eventShape = checkedEventShape(eventShape, this.eventSize);
  }

  mean(): tf.Tensor {
    return tf.sigmoid(this.logits);
  }

  sample({ seed, n }: SampleOptions): tf.Tensor {
    const shape = n === undefined ? this.logits.shape : [n, ...this.logits.shape];
    return tf.tidy(() => tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), this.mean()), 'float32'));
  }

  logProb(x: tf.Tensor): tf.Tensor {
    // Nothing records gradients (evaluation, importance sampling): the value
    // alone, x read once per row of logits however many samples share it.
    if (x.rank <= this.logits.rank && !recordingGradients() && this.logits.dtype === 'float32' && x.dtype === 'float32') {
      const suffix = this.logits.shape.slice(this.logits.rank - x.rank);
      if (suffix.join() === x.shape.join()) {
        if (hasFusedKernel(BERNOULLI_VALUE_KERNEL)) return tf.engine().runKernel(BERNOULLI_VALUE_KERNEL, { logits: this.logits, x }) as tf.Tensor;
        // Binary ops broadcast by themselves; TF.js's Tile (broadcastTo) is slow on the wasm backend.
        if (x.rank < this.logits.rank) return bernoulliLogProbValue(this.logits, x);
      }
    }
    if (x.rank < this.logits.rank && this.logits.dtype === 'float32' && x.dtype === 'float32' && hasFusedKernel(BERNOULLI_BROADCAST_KERNEL)
      && this.logits.shape.slice(this.logits.rank - x.rank).join() === x.shape.join()) {
      // x read once per leading index (K samples of one batch) instead of copied K times.
      return bernoulliWithResidual(this.logits, x, true);
    }
    const logits = x.rank > this.logits.rank ? tf.broadcastTo(this.logits, x.shape) : this.logits;
    const xs = logits.rank > x.rank ? tf.broadcastTo(x, logits.shape) : x;
    return bernoulliLogProb(logits, xs);
  }
}
