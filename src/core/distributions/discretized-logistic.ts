/**
 * Discretised logistic for 8-bit data (Salimans et al. 2017, PixelCNN++,
 * without the mixture): each value x ∈ {0, 1/255, …, 1} gets the logistic's
 * probability mass over its bin of width 1/255,
 *
 *   P(x) = σ((x + h − μ)/s) − σ((x − h − μ)/s),   h = 1/510,
 *
 * with the bins of 0 and 1 extended to −∞ and +∞, so the masses sum to 1 and
 * log P ≤ 0: the ELBO is a bound on the log-probability of the 8-bit data
 * (nats, comparable across models of the same data). Parameters: μ and
 * log s per value. Where a bin's mass underflows, its log is taken as the
 * density at the bin's centre times the bin width.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gridValues, HALF_BIN, LOG_BIN } from './bins.js';
import { checkedEventShape, type Distribution, type SampleOptions } from './types.js';
/** Below this mass a bin's log is taken from the density at its centre. */
const MIN_MASS = 1e-5;

/** mass > MIN_MASS as a 0/1 mask with a zero gradient (the branch choice is not differentiated; TF.js has no gradient for comparisons). */
const aboveMinMass = tf.customGrad((...inputs) => {
  const mass = inputs[0] as tf.Tensor;
  return { value: tf.cast(tf.greater(mass, MIN_MASS), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});


export class DiscretizedLogistic implements Distribution {
  readonly kind = 'discretized-logistic';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  /**
   * @param loc μ, [batch, d] (or [n, batch, d])
   * @param logScale log s, the same shape
   */
  constructor(readonly loc: tf.Tensor, readonly logScale: tf.Tensor, eventShape?: readonly number[]) {
    this.eventSize = loc.shape[loc.rank - 1];
    this.eventShape = checkedEventShape(eventShape, this.eventSize);
  }

  /** μ clipped to [0, 1] (the mass beyond the ends sits on 0 and 1). */
  mean(): tf.Tensor {
    return tf.clipByValue(this.loc, 0, 1);
  }

  sample({ seed, n }: SampleOptions): tf.Tensor {
    return tf.tidy(() => {
      const shape = n === undefined ? this.loc.shape : [n, ...this.loc.shape];
      const u = tf.randomUniform(shape, 1e-5, 1 - 1e-5, 'float32', seed);
      const logistic = tf.add(this.loc, tf.mul(tf.exp(this.logScale), tf.sub(tf.log(u), tf.log1p(tf.neg(u)))));
      return tf.div(tf.round(tf.mul(tf.clipByValue(logistic, 0, 1), 255)), 255);
    });
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const centred = tf.sub(x, this.loc);
      const inverse = tf.exp(tf.neg(this.logScale));
      const plus = tf.mul(inverse, tf.add(centred, HALF_BIN));
      const minus = tf.mul(inverse, tf.sub(centred, HALF_BIN));
      // log σ(a) = a − softplus(a); log(1 − σ(b)) = −softplus(b).
      const logCdfPlus = tf.sub(plus, tf.softplus(plus));
      const logSurvivalMinus = tf.neg(tf.softplus(minus));
      const mass = tf.sub(tf.sigmoid(plus), tf.sigmoid(minus));
      const mid = tf.mul(inverse, centred);
      // The logistic density at the centre: σ'(y)/s, log = y − 2·softplus(y) − log s.
      const logDensityMid = tf.sub(tf.sub(mid, tf.mul(tf.softplus(mid), 2)), this.logScale);
      const inner = tf.where(tf.cast(aboveMinMass(mass), 'bool'), tf.log(tf.maximum(mass, 1e-12)), tf.add(logDensityMid, LOG_BIN));
      const value = tf.where(tf.less(x, HALF_BIN), logCdfPlus, tf.where(tf.greater(x, 1 - HALF_BIN), logSurvivalMinus, inner));
      return tf.sum(value, -1);
    });
  }

  /** The same masses as `logProb`, for x moved to the nearest 8-bit value. */
  logProbOfBins(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.logProb(gridValues(x).value));
  }
}
