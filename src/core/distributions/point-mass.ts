/**
 * A point mass at `loc`: the "distribution" of a deterministic encoder,
 * z = E(x). Sampling returns the point; there is no density.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, SampleOptions } from './types.js';

export class PointMass implements Distribution {
  readonly kind = 'point-mass';
  readonly eventSize: number;
  readonly eventShape: readonly number[];

  constructor(readonly loc: tf.Tensor) {
    this.eventSize = loc.shape[loc.rank - 1];
    this.eventShape = [this.eventSize];
  }

  mean(): tf.Tensor {
    return this.loc;
  }

  sample({ n }: SampleOptions): tf.Tensor {
    return n === undefined ? this.loc : tf.broadcastTo(tf.expandDims(this.loc, 0), [n, ...this.loc.shape]);
  }

  logProb(): tf.Tensor {
    throw new Error('a deterministic encoder has no density: use --iw only with Gaussian encoders');
  }
}
