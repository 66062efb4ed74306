/**
 * Two numbers about a latent space, computed on codes:
 *
 * - `knnAccuracy`: how well the label can be read off a code — the accuracy
 *   of a k-nearest-neighbour vote (Euclidean) for held-out codes against
 *   reference codes. Chance is 1/classes.
 * - `twoSampleAccuracy`: how distinguishable codes are from samples of the
 *   prior — a small neural classifier is fit on half of each set and scored
 *   on the other half. 50 % means indistinguishable by that classifier,
 *   100 % fully separable.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../engine/gradients.js';
import { permutation } from '../util/random.js';

/** k-NN accuracy of `queries` (with labels) against `reference` codes (with labels). */
export function knnAccuracy(
  reference: Float32Array, referenceLabels: Int32Array, queries: Float32Array, queryLabels: Int32Array, dim: number, k = 5,
): number {
  const nr = referenceLabels.length;
  const nq = queryLabels.length;
  const nearest = tf.tidy(() => {
    const r = tf.tensor2d(reference, [nr, dim]);
    const q = tf.tensor2d(queries, [nq, dim]);
    const d = tf.add(tf.sub(tf.sum(tf.square(q), 1, true), tf.mul(tf.matMul(q, r, false, true), 2)), tf.transpose(tf.sum(tf.square(r), 1, true)));
    return tf.topk(tf.neg(d), Math.min(k, nr)).indices.dataSync() as Int32Array;
  });
  const kk = Math.min(k, nr);
  let correct = 0;
  for (let i = 0; i < nq; i++) {
    const votes = new Map<number, number>();
    for (let j = 0; j < kk; j++) {
      const l = referenceLabels[nearest[i * kk + j]];
      votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    const best = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    if (best === queryLabels[i]) correct++;
  }
  return correct / nq;
}

export interface TwoSampleOptions {
  readonly seed?: number;
  /** Width of the classifier's two hidden layers (default 64). */
  readonly hidden?: number;
  /** Full-batch Adam steps (default 500). */
  readonly steps?: number;
  readonly learningRate?: number;
}

/**
 * Held-out accuracy of a small neural classifier telling `codes` from
 * `priorSamples` (both [n, d] row-major): an MLP d → h → h → 1 (ReLU) on
 * standardised inputs, trained with Adam on half of each set, scored on the
 * other half. Unlike a linear or quadratic classifier it also sees a
 * multi-modal prior's empty components or a code distribution's holes.
 */
export async function twoSampleAccuracy(codes: Float32Array, priorSamples: Float32Array, dim: number, options: TwoSampleOptions = {}): Promise<number> {
  const { seed = 1, hidden = 64, steps = 500, learningRate = 0.01 } = options;
  // A scope around the whole fit: tf.train.adam leaves two scalars behind after dispose() otherwise.
  tf.engine().startScope();
  const n = Math.min(codes.length, priorSamples.length) / dim;
  const half = Math.floor(n / 2);
  const order = permutation(n, seed);
  const take = (src: Float32Array, from: number, to: number) => {
    const out = new Float32Array((to - from) * dim);
    for (let i = from; i < to; i++) out.set(src.subarray(order[i] * dim, (order[i] + 1) * dim), (i - from) * dim);
    return out;
  };
  const split = (lo: number, hi: number) => tf.tidy(() => {
    const x = tf.concat([tf.tensor2d(take(codes, lo, hi), [hi - lo, dim]), tf.tensor2d(take(priorSamples, lo, hi), [hi - lo, dim])]) as tf.Tensor2D;
    const y = tf.concat([tf.ones([hi - lo]), tf.zeros([hi - lo])]);
    return { x, y };
  });
  const train = split(0, half);
  const test = split(half, n);
  // Standardise with the training statistics.
  const { mean, variance } = tf.moments(train.x, 0);
  const std = tf.sqrt(tf.add(variance, 1e-6));
  const norm = (x: tf.Tensor2D) => tf.div(tf.sub(x, mean), std) as tf.Tensor2D;
  const xs = norm(train.x);
  const layer = (fanIn: number, fanOut: number, s: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.tidy(() => ({ w: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', s)), b: tf.variable(tf.zeros([fanOut])) }));
  };
  const layers = [layer(dim, hidden, seed + 1), layer(hidden, hidden, seed + 2), layer(hidden, 1, seed + 3)];
  const logitsOf = (x: tf.Tensor2D) => {
    let h: tf.Tensor = x;
    layers.forEach(({ w, b }, i) => {
      h = tf.add(tf.matMul(h, w), b);
      if (i < layers.length - 1) h = tf.relu(h);
    });
    return tf.reshape(h, [-1]);
  };
  const optimizer = tf.train.adam(learningRate);
  const variables = layers.flatMap(({ w, b }) => [w, b]);
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => {
      const logits = logitsOf(xs);
      return tf.mean(tf.sub(tf.softplus(logits), tf.mul(train.y, logits))) as tf.Scalar;
    }, false, variables);
  }
  const accuracy = tf.tidy(() => {
    const logits = logitsOf(norm(test.x));
    return tf.mean(tf.cast(tf.equal(tf.greater(logits, 0), tf.cast(test.y, 'bool')), 'float32'));
  });
  const value = (await accuracy.data())[0];
  tf.dispose([train.x, train.y, test.x, test.y, mean, variance, std, xs, ...variables, accuracy]);
  optimizer.dispose();
  tf.engine().endScope();
  return value;
}
