import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

/** Plain-JS reference product of row-major matrices, with optional transposes. */
function reference(a: number[][], b: number[][], ta: boolean, tb: boolean): number[][] {
  const A = ta ? a[0].map((_, j) => a.map((r) => r[j])) : a;
  const B = tb ? b[0].map((_, j) => b.map((r) => r[j])) : b;
  return A.map((row) => B[0].map((_, j) => row.reduce((s, v, k) => s + v * B[k][j], 0)));
}

describe('transpose-free matMul', () => {
  // Shapes cover the dense-layer backward passes (small·large and large·small operands).
  const cases: [number, number, number][] = [[5, 7, 3], [3, 40, 9], [40, 6, 30], [2, 1, 50]];
  for (const [m, k, n] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`${m}×${k} · ${k}×${n}, transposeA=${ta}, transposeB=${tb}`, () => {
          const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', m + k);
          const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', n + 2 * k);
          const want = reference(a.arraySync() as number[][], b.arraySync() as number[][], ta, tb);
          const got = tf.matMul(a, b, ta, tb).arraySync() as number[][];
          assert.deepEqual([got.length, got[0].length], [m, n]);
          got.flat().forEach((v, i) => assert.ok(Math.abs(v - want.flat()[i]) < 1e-4, `${v} vs ${want.flat()[i]}`));
          const fused = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.ones([n]), activation: 'relu' }).arraySync() as number[][];
          fused.flat().forEach((v, i) => assert.ok(Math.abs(v - Math.max(0, want.flat()[i] + 1)) < 1e-4));
        });
      }
    }
  }

  it('batched products keep their batch axis', () => {
    const a = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 6, 5], 0, 1, 'float32', 2);
    const got = tf.matMul(a, b, false, true);
    assert.deepEqual(got.shape, [3, 4, 6]);
    const aa = a.arraySync() as number[][][];
    const bb = b.arraySync() as number[][][];
    const g = got.arraySync() as number[][][];
    for (let i = 0; i < 3; i++) {
      reference(aa[i], bb[i], false, true).flat().forEach((v, j) => assert.ok(Math.abs(v - g[i].flat()[j]) < 1e-4));
    }
  });

  it('leaks no tensors or backend memory', () => {
    const a = tf.randomNormal([20, 30]);
    const b = tf.randomNormal([40, 30]);
    tf.matMul(a, b, false, true).dispose();
    tf.matMul(b, b, true, false).dispose();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) {
      tf.matMul(a, b, false, true).dispose();
      tf.matMul(b, b, true, false).dispose();
    }
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });
});
