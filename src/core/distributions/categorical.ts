/**
 * A categorical distribution over K classes, given by logits [batch, K];
 * values are one-hot vectors of length K (the event).
 *
 *   p(y = k) = softmax(logits)_k,   log p(y) = Σ_k y_k · log softmax(logits)_k
 *
 * `sample` draws by the Gumbel-max trick (argmax of logits + Gumbel noise),
 * returning one-hot rows; it has no gradient (the semi-supervised and
 * clustering AAEs pass the softmax itself to the decoder, not a sample).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, SampleOptions } from './types.js';

export class Categorical implements Distribution {
  readonly kind = 'categorical';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  constructor(readonly logits: tf.Tensor) {
    this.eventSize = logits.shape[logits.rank - 1];
    this.eventShape = [this.eventSize];
  }

  /** Class probabilities, [batch, K]. */
  probs(): tf.Tensor {
    return tf.softmax(this.logits);
  }

  /** The expected one-hot vector: the probabilities. */
  mean(): tf.Tensor {
    return this.probs();
  }

  /** The most probable class, int32 [batch]. */
  mode(): tf.Tensor {
    return tf.argMax(this.logits, -1);
  }

  /** log p(y) for one-hot (or soft) y of the logits' shape, summed over classes: [batch]. */
  logProb(y: tf.Tensor): tf.Tensor {
    return tf.sum(tf.mul(y, tf.logSoftmax(this.logits)), -1);
  }

  sample({ seed, n }: SampleOptions): tf.Tensor {
    return tf.tidy(() => {
      const shape = n === undefined ? this.logits.shape : [n, ...this.logits.shape];
      const u = tf.randomUniform(shape, 1e-7, 1 - 1e-7, 'float32', seed);
      const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
      return tf.cast(tf.oneHot(tf.argMax(tf.add(this.logits, gumbel), -1), this.eventSize), 'float32');
    });
  }
}
