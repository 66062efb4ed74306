/**
 * The prior of a model whose code is a class and a style (the semi-supervised
 * and clustering AAEs of Makhzani et al. 2015, §5–6): the code is
 * [y, z] with y a one-hot vector of K classes, uniform, and z drawn from the
 * style prior (N(0, I) by default), independently:
 *
 *   p(y, z) = Cat(y; 1/K) · p(z)
 *
 * It has no density on ℝ^(K+d) (y is discrete), so it serves adversarial
 * models only. Component k is the class k (a picker in the page and the
 * figures fix y and vary z).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from '../distributions/types.js';
import { deriveSeed, uniformGenerator } from '../util/random.js';
import type { ComponentPrior, Prior } from './types.js';

export class CategoricalStylePrior implements ComponentPrior {
  readonly kind = 'categorical-style';
  readonly hasDensity = false;
  readonly fullSupport = false;
  readonly eventSize: number;

  /** @param components K, the number of classes (or clusters) */
  constructor(readonly components: number, readonly style: Prior) {
    this.eventSize = components + style.eventSize;
  }

  sample({ seed, n = 1 }: SampleOptions): tf.Tensor2D {
    const rand = uniformGenerator(seed);
    const classes = Int32Array.from({ length: n }, () => Math.min(this.components - 1, Math.floor(rand() * this.components)));
    return tf.tidy(() => this.sampleComponents(tf.tensor1d(classes, 'int32'), seed));
  }

  sampleComponents(components: tf.Tensor1D, seed: number): tf.Tensor2D {
    return tf.tidy(() => {
      const y = tf.cast(tf.oneHot(tf.cast(components, 'int32'), this.components), 'float32');
      const z = this.style.sample({ seed: deriveSeed(seed, 1), n: components.shape[0] });
      return tf.concat([y, z], 1) as tf.Tensor2D;
    });
  }

  logProb(): tf.Tensor {
    throw new Error('the class-and-style prior has no density (its class part is discrete)');
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.concat([tf.fill([1, this.components], 1 / this.components), tf.reshape(this.style.mean(), [1, this.style.eventSize])], 1));
  }

  /** The class part [.., K] and the style part [.., d] of codes [.., K + d]. */
  split(code: tf.Tensor): { y: tf.Tensor; z: tf.Tensor } {
    const lead = code.shape.slice(0, -1);
    const begin = lead.map(() => 0);
    return {
      y: tf.slice(code, [...begin, 0], [...lead, this.components]),
      z: tf.slice(code, [...begin, this.components], [...lead, this.style.eventSize]),
    };
  }
}
