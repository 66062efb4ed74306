/**
 * core/util/ops.ts: TF.js ops with the same values and cheaper gradients —
 * each against TF.js's own op, value and gradient, edge cases included; and
 * core/util/random-ops.ts's randomNormal against tf.randomNormal, bit for bit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers/tf.js';
import { clipByValue, logSumExp } from '../src/core/util/ops.js';
import { randomNormal } from '../src/core/util/random-ops.js';
import { normalValues } from '../src/core/util/random.js';

before(setupBackend);

function assertClose(got: tf.Tensor, want: tf.Tensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  const [g, w] = [got.dataSync(), want.dataSync()];
  w.forEach((v, i) => {
    if (Number.isNaN(v)) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, want NaN`);
    else assert.ok(Math.abs(g[i] - v) <= tol * (1 + Math.abs(v)), `${what}[${i}]: ${g[i]} vs ${v}`);
  });
}

describe('ops with cheaper gradients (core/util/ops.ts)', () => {
  it('logSumExp: TF.js\'s values bit for bit; its gradient is softmax·dy, on any axis, with −∞ entries and keepDims', () => {
    const x = tf.tensor3d(Array.from({ length: 2 * 5 * 7 }, (_, i) => Math.sin(i * 1.7) * 30), [2, 5, 7]);
    const masked = tf.where(tf.less(tf.randomUniform([2, 5, 7], 0, 1, 'float32', 3), 0.2), tf.fill([2, 5, 7], -Infinity), x);
    const dyOf = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 9);
    for (const input of [x, masked]) {
      for (const axis of [0, 1, 2, -1]) {
        for (const keepDims of [false, true]) {
          const ours = logSumExp(input, axis, keepDims);
          const theirs = tf.logSumExp(input, axis, keepDims);
          assert.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), `value, axis ${axis}`);
          const dy = dyOf(theirs.shape);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t, axis, keepDims), dy)))(input);
          const h = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(t, axis, keepDims), dy)))(input);
          assertClose(g, h, 1e-6, `gradient, axis ${axis}, keepDims ${keepDims}`);
          if (input !== x) continue; // a slice of −∞ only has no softmax (NaN, as TF.js's)
          // softmax along the axis sums to one: the gradient of Σ lse is 1 per slice
          const ones = tf.grad((t: tf.Tensor) => tf.sum(logSumExp(t, axis, keepDims)))(input);
          assertClose(tf.sum(ones, axis), tf.onesLike(tf.sum(ones, axis)), 1e-6, `Σ softmax, axis ${axis}`);
        }
      }
    }
  });

  it('clipByValue: TF.js\'s values, and exactly TF.js\'s gradient (dy inside [min, max], bounds included; 0 outside and for NaN)', () => {
    const values = [-2, -0, 0, 1e-7, 0.5, 1, 1 + 1e-6, 3, NaN, Infinity, -Infinity];
    const x = tf.tensor2d([...values, ...Array.from({ length: 39_989 }, (_, i) => Math.sin(i) * 1.5)], [200, 200]);
    const dy = tf.randomNormal([200, 200], 0, 1, 'float32', 4);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(clipByValue(t, 0, 1), dy)))(x);
    const theirs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(t, 0, 1), dy)))(x);
    assert.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()));
    const v = tf.tidy(() => [clipByValue(x, 0, 1), tf.clipByValue(x, 0, 1)].map((t) => Array.from(t.dataSync())));
    assert.deepEqual(v[0], v[1]);
  });
});

describe('randomNormal (core/util/random-ops.ts)', () => {
  it('draws tf.randomNormal\'s values bit for bit: any seed (fractional, negative, large), size (odd, 1, 0) and mean/std', () => {
    for (const seed of [1, 2, 77, -5, 0.25, 2147483646, 1e12]) {
      for (const shape of [[1], [3], [2, 5], [0, 4], [20, 7, 3]]) {
        for (const [mean, std] of [[0, 1], [-1.5, 0.3]]) {
          const want = tf.randomNormal(shape, mean, std, 'float32', seed);
          const got = randomNormal(shape, mean, std, seed);
          assert.deepEqual(got.shape, want.shape);
          assert.equal(got.dtype, 'float32');
          const [g, w] = [got.dataSync(), want.dataSync()];
          w.forEach((v, i) => assert.ok(Object.is(g[i], v), `seed ${seed}, shape [${shape}], mean ${mean}: [${i}] ${g[i]} vs ${v}`));
        }
      }
    }
  });

  it('is standard normal over many draws, and draws afresh without a seed', () => {
    const v = normalValues(200_000, 0, 1, 12345);
    let sum = 0, sq = 0, beyond2 = 0;
    for (const x of v) (sum += x), (sq += x * x), (beyond2 += Math.abs(x) > 2 ? 1 : 0);
    const mean = sum / v.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(sq / v.length - mean * mean - 1) < 0.015, `variance ${sq / v.length}`);
    assert.ok(Math.abs(beyond2 / v.length - 0.0455) < 0.003, `P(|x| > 2) ${beyond2 / v.length}`);
    const [a, b] = [randomNormal([64]).dataSync(), randomNormal([64], 0, 1, 0).dataSync()];
    assert.ok(a.some((x, i) => x !== b[i]), 'unseeded draws differ');
    assert.throws(() => normalValues(4, 0, 1, 0), /seed/);
  });
});
