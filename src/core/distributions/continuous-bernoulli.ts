/**
 * The continuous Bernoulli (Loaiza-Ganem & Cunningham 2019): a density on
 * [0, 1] for each value, the Bernoulli's x·η − softplus(η) made a proper
 * density by its normalising constant,
 *
 *   log p(x | η) = x·η − softplus(η) + log C(η),   C(η) = η / tanh(η/2)  (2 at η = 0),
 *
 * with η the decoder's logit. Its bound is a density bound on [0, 1]^D, in
 * nats; for 8-bit data, −log P(value) ≈ −log p(x) + log 255 per value.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkedEventShape, type Distribution, type SampleOptions } from './types.js';

/** Below this |η| the constant and the mean use their Taylor series. */
const SMALL = 1e-3;

/** |η| < SMALL as a 0/1 mask with a zero gradient (TF.js has no gradient for comparisons). */
const nearZero = tf.customGrad((...inputs) => {
  const eta = inputs[0] as tf.Tensor;
  return { value: tf.cast(tf.less(tf.abs(eta), SMALL), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

export class ContinuousBernoulli implements Distribution {
  readonly kind = 'continuous-bernoulli';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  /** @param logits η, [batch, d] (or [n, batch, d]) */
  constructor(readonly logits: tf.Tensor, eventShape?: readonly number[]) {
    this.eventSize = logits.shape[logits.rank - 1];
    this.eventShape = checkedEventShape(eventShape, this.eventSize);
  }

  /** log C(η), elementwise. */
  private logNormaliser(): tf.Tensor {
    return tf.tidy(() => {
      const eta = this.logits;
      const small = tf.cast(nearZero(eta), 'bool');
      // Away from 0: log|η| − log|tanh(η/2)|; the masked entries get η = 1 so no log(0) reaches the gradient.
      const safe = tf.where(small, tf.onesLike(eta), eta);
      const far = tf.sub(tf.log(tf.abs(safe)), tf.log(tf.abs(tf.tanh(tf.mul(safe, 0.5)))));
      const near = tf.add(Math.log(2), tf.div(tf.square(eta), 12));
      return tf.where(small, near, far);
    });
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const bernoulli = tf.sub(tf.mul(x, this.logits), tf.softplus(this.logits));
      return tf.sum(tf.add(bernoulli, this.logNormaliser()), -1);
    });
  }

  /** E[x] = σ(η)/tanh(η/2) − 1/η (½ + η/12 near 0). */
  mean(): tf.Tensor {
    return tf.tidy(() => {
      const eta = this.logits;
      const small = tf.less(tf.abs(eta), SMALL);
      const safe = tf.where(small, tf.onesLike(eta), eta);
      const far = tf.sub(tf.div(tf.sigmoid(safe), tf.tanh(tf.mul(safe, 0.5))), tf.div(1, safe));
      return tf.clipByValue(tf.where(small, tf.add(0.5, tf.div(eta, 12)), far), 0, 1);
    });
  }

  /** Inverse CDF: x = log(1 + u·(e^η − 1)) / η (u near 0). */
  sample({ seed, n }: SampleOptions): tf.Tensor {
    return tf.tidy(() => {
      const shape = n === undefined ? this.logits.shape : [n, ...this.logits.shape];
      const u = tf.randomUniform(shape, 0, 1, 'float32', seed);
      const eta = tf.clipByValue(tf.broadcastTo(this.logits, shape), -50, 50);
      const small = tf.less(tf.abs(eta), SMALL);
      const safe = tf.where(small, tf.onesLike(eta), eta);
      const far = tf.div(tf.log1p(tf.mul(u, tf.expm1(safe))), safe);
      return tf.clipByValue(tf.where(small, u, far), 0, 1);
    });
  }
}
