/**
 * The continuous Bernoulli (Loaiza-Ganem & Cunningham 2019): a density on
 * [0, 1] for each value, the Bernoulli's x·η − softplus(η) made a proper
 * density by its normalising constant,
 *
 *   log p(x | η) = x·η − softplus(η) + log C(η),   C(η) = η / tanh(η/2)  (2 at η = 0),
 *
 * with η the decoder's logit. Its bound is a density bound on [0, 1]^D, in
 * nats. For 8-bit data, `logProbOfBins` gives each value the mass over its
 * bin [a, b] from the CDF F(x) = (e^{ηx} − 1)/(e^η − 1):
 *
 *   P = (e^{ηb} − e^{ηa}) / (e^η − 1)
 *   log P = η·(b − 1) + ℓ(η·(b − a)) − ℓ(η)    (η > 0; η·a in place of η·(b − 1) for η < 0)
 *
 * with ℓ(t) = log(1 − e^{−|t|}) = log(−expm1(−|t|)), exact to float32 for
 * bins of 1/255 and |η| up to the decoder's range (b − a as η → 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gridValues, HALF_BIN } from './bins.js';
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

  /** log of the mass over each 8-bit value's bin (see the header), summed over the event. */
  logProbOfBins(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { value, first, last } = gridValues(x);
      const a = tf.where(first, tf.zerosLike(value), tf.sub(value, HALF_BIN));
      const b = tf.where(last, tf.onesLike(value), tf.add(value, HALF_BIN));
      // |η| below 1e-6 is taken as ±1e-6 (the masses are then b − a to float32).
      const positive = tf.greaterEqual(this.logits, 0);
      const magnitude = tf.maximum(tf.abs(this.logits), 1e-6);
      const eta = tf.where(positive, magnitude, tf.neg(magnitude));
      const ell = (t: tf.Tensor) => tf.log(tf.neg(tf.expm1(tf.neg(t))));
      const lead = tf.where(positive, tf.mul(eta, tf.sub(b, 1)), tf.mul(eta, a));
      return tf.sum(tf.sub(tf.add(lead, ell(tf.mul(magnitude, tf.sub(b, a)))), ell(magnitude)), -1);
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
