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
  const cases: [number, number, number][] = [[5, 7, 3], [3, 40, 9], [40, 6, 30], [2, 1, 50], [4, 30, 45], [6, 9, 40]];
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
          const bias = tf.range(0, n);
          const linear = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias }).arraySync() as number[][];
          linear.flat().forEach((v, i) => assert.ok(Math.abs(v - (want.flat()[i] + (i % n))) < 1e-4));
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

describe('hand-written wasm kernels', () => {
  it('kernels/binaries.ts is assembled from the current .wat sources', async () => {
    // @ts-expect-error: a plain .mjs build script without type declarations
    const { assembleKernels, renderBinaries } = await import('../scripts/build-kernels.mjs');
    const { readFileSync } = await import('node:fs');
    const committed = readFileSync(new URL('../src/core/engine/kernels/binaries.ts', import.meta.url), 'utf8');
    assert.equal(committed, renderBinaries(await assembleKernels()), 'run: node scripts/build-kernels.mjs');
  });

  it('the fused Adam kernel equals the update written with TF.js ops', async () => {
    const { ADAM_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
    if (tf.getBackend() !== 'wasm') return;
    assert.ok(hasFusedKernel(ADAM_KERNEL), 'the wasm backend should have the fused Adam kernel');
    // 1 + 4k + 3 elements: the SIMD body and the scalar tail both run.
    const n = 4 * 25 + 3;
    const [w, g, m] = [1, 2, 3].map((s) => tf.randomNormal([n], 0, 1, 'float32', s));
    const v = tf.abs(tf.randomNormal([n], 0, 1, 'float32', 4));
    const attrs = { c1: 0.1, c2: 0.001, alpha: 0.01, eps: 1e-7 };
    const [w2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { w, g, m, v }, attrs) as tf.Tensor[];
    const mRef = tf.add(m, tf.mul(tf.sub(g, m), attrs.c1));
    const vRef = tf.add(v, tf.mul(tf.sub(tf.square(g), v), attrs.c2));
    const wRef = tf.sub(w, tf.div(tf.mul(mRef, attrs.alpha), tf.add(tf.sqrt(vRef), attrs.eps)));
    for (const [a, b] of [[w2, wRef], [m2, mRef], [v2, vRef]]) {
      const x = a.dataSync();
      const y = b.dataSync();
      x.forEach((val, i) => assert.ok(Math.abs(val - y[i]) <= 1e-6 * Math.max(1, Math.abs(y[i])), `${val} vs ${y[i]}`));
    }
    assert.notDeepEqual(Array.from(w2.dataSync()), Array.from(w.dataSync()), 'the weights moved');
  });
});

describe('column sums (bias gradients)', () => {
  const cases: [number[], number | number[], boolean][] = [
    [[7, 9], 0, false], [[5, 4], [0], true], [[1, 6, 13], [0, 1], false], [[2, 3, 8], [-3, -2], true], [[3, 1], 0, false], [[0, 4], 0, false],
    // a leading run shorter than all but the last: [K, batch, d] → [batch, d]
    [[50, 20, 7], 0, false], [[3, 4, 5, 6], [1, 0], true], [[3, 4, 5, 6], [0, 1, 2], false], [[4, 0, 3], 0, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`sum over the leading axes of [${shape}] (axis ${JSON.stringify(axis)}, keepDims ${keepDims})`, () => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', shape.length);
      const got = tf.sum(x, axis, keepDims);
      const flat = (x.dataSync() as Float32Array);
      const lead = Array.isArray(axis) ? axis.length : 1;
      const kept = shape.slice(lead);
      const cols = kept.reduce((a, b) => a * b, 1);
      const want = new Array(cols).fill(0);
      flat.forEach((v, i) => (want[i % cols] += v));
      assert.deepEqual(got.shape, keepDims ? [...shape.slice(0, lead).map(() => 1), ...kept] : kept);
      Array.from(got.dataSync()).forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-4, `${v} vs ${want[j]}`));
    });
  }

  it('other reductions are untouched', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(Array.from(tf.sum(x, 1).dataSync()), [6, 15]);
    assert.deepEqual(Array.from(tf.sum(x).dataSync()), [21]);
    assert.deepEqual(Array.from(tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), 0).dataSync()), [4, 6]);
  });
});

describe('matrix-product kernel (kernels/gemm.wat)', () => {
  /**
   * Float64 reference C = act(op(A)·op(B) + bias) and, per entry, Σ_k |A(i,k)·B(k,j)|:
   * a float32 sum of K products in any order is within K·2⁻²⁴·Σ|terms| of the exact
   * value, so |got − want| ≤ 1e-5·Σ|terms| (+1e-6 for zero sums) holds for K ≤ 160.
   */
  function expected(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, bias?: tf.Tensor, relu = false) {
    const A = a.arraySync() as number[][];
    const B = b.arraySync() as number[][];
    const [m, k] = ta ? [A[0].length, A.length] : [A.length, A[0].length];
    const n = tb ? B.length : B[0].length;
    const bv = bias ? Array.from(bias.dataSync()) : undefined;
    const want: number[][] = [];
    const scale: number[][] = [];
    for (let i = 0; i < m; i++) {
      want.push([]);
      scale.push([]);
      for (let j = 0; j < n; j++) {
        let s = bv ? bv[j] : 0;
        let abs = bv ? Math.abs(bv[j]) : 0;
        for (let p = 0; p < k; p++) {
          const t = (ta ? A[p][i] : A[i][p]) * (tb ? B[j][p] : B[p][j]);
          s += t;
          abs += Math.abs(t);
        }
        want[i].push(relu ? Math.max(0, s) : s);
        scale[i].push(abs);
      }
    }
    return { want, scale };
  }

  function check(got: tf.Tensor, ref: { want: number[][]; scale: number[][] }, label: string) {
    const g = got.arraySync() as number[][];
    assert.deepEqual([g.length, g[0]?.length ?? 0], [ref.want.length, ref.want[0]?.length ?? 0], label);
    g.forEach((row, i) => row.forEach((v, j) => {
      const tol = 1e-5 * ref.scale[i][j] + 1e-6;
      assert.ok(Math.abs(v - ref.want[i][j]) <= tol, `${label} [${i},${j}]: ${v} vs ${ref.want[i][j]}`);
    }));
  }

  // M covers 5-row packed blocks with 0-4 rows left over; N covers 8- and 4-column panels and single columns.
  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 2], [4, 7, 4], [5, 3, 8], [9, 16, 12], [13, 9, 20], [14, 33, 21], [22, 128, 11], [40, 20, 35], [6, 160, 9],
  ];
  for (const [m, k, n] of shapes) {
    it(`${m}×${k} · ${k}×${n}: every transpose, with and without bias and ReLU, equals a float64 reference`, async () => {
      const { MATMUL_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', m * 31 + k);
          const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', n * 17 + k);
          const bias = tf.randomNormal([n], 0, 1, 'float32', n);
          const label = `tA=${ta} tB=${tb}`;
          check(tf.matMul(a, b, ta, tb), expected(a, b, ta, tb), label);
          check(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias }), expected(a, b, ta, tb, bias), `${label} +bias`);
          check(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }), expected(a, b, ta, tb, bias, true), `${label} +bias relu`);
          check(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, activation: 'relu' }), expected(a, b, ta, tb, undefined, true), `${label} relu`);
          if (tf.getBackend() === 'wasm') {
            assert.ok(hasFusedKernel(MATMUL_KERNEL));
            // The kernel itself, on rank-3 operands with a batch of one (what tf.matMul hands the backend).
            const a3 = tf.expandDims(a, 0);
            const b3 = tf.expandDims(b, 0);
            const out = tf.engine().runKernel(MATMUL_KERNEL, { a: a3, b: b3, bias }, { transposeA: ta, transposeB: tb, activation: 'linear' }) as tf.Tensor;
            assert.deepEqual(out.shape, [1, m, n]);
            check(tf.squeeze(out, [0]), expected(a, b, ta, tb, bias), `${label} kernel`);
          }
        }
      }
    });
  }

  it('a product with an empty inner dimension is the bias alone', () => {
    const a = tf.zeros([6, 0]);
    const b = tf.zeros([0, 9]);
    const bias = tf.range(0, 9);
    assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), new Array(54).fill(0));
    assert.deepEqual(Array.from(tf.fused.matMul({ a, b, bias }).dataSync()), Array.from({ length: 54 }, (_, i) => i % 9));
  });

  it('what the kernel does not cover goes to TF.js: batched products, other activations', () => {
    const a = tf.randomNormal([2, 7, 6], 0, 1, 'float32', 3);
    const b = tf.randomNormal([2, 6, 5], 0, 1, 'float32', 4);
    const got = tf.matMul(a, b).arraySync() as number[][][];
    const [A, B] = [a.arraySync() as number[][][], b.arraySync() as number[][][]];
    for (let s = 0; s < 2; s++) check(tf.tensor2d(got[s]), expected(tf.tensor2d(A[s]), tf.tensor2d(B[s]), false, false), `batch ${s}`);
    const a2 = tf.randomNormal([7, 6], 0, 1, 'float32', 5);
    const b2 = tf.randomNormal([6, 5], 0, 1, 'float32', 6);
    const elu = tf.fused.matMul({ a: a2, b: b2, activation: 'elu' }).arraySync() as number[][];
    const want = expected(a2, b2, false, false);
    elu.forEach((row, i) => row.forEach((v, j) => {
      const x = want.want[i][j];
      assert.ok(Math.abs(v - (x > 0 ? x : Math.expm1(x))) <= 1e-5 * want.scale[i][j] + 1e-6);
    }));
  });

  it('leaves no tensors or backend memory behind (its packing scratch is freed)', () => {
    const a = tf.randomNormal([23, 30]);
    const b = tf.randomNormal([40, 30]);
    const bias = tf.randomNormal([40]);
    tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }).dispose();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) {
      tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }).dispose();
      tf.matMul(b, a, false, true).dispose();
    }
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });
});

describe('Identity without a copy', () => {
  it('a clone keeps its values when the original is disposed, and frees its memory when it goes', () => {
    const before = tf.memory();
    const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = tf.clone(a);
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4, 5, 6]);
    const c = tf.add(b, 1);
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4, 5, 6], 'an op on the clone leaves it unchanged');
    tf.dispose([b, c]);
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });

  it('a variable assigned from a clone does not change the clone', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
    tf.dispose([v, snapshot]);
  });

  it('gradients through saved tensors are unchanged', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.exp(t), tf.square(t))))(x);
    const want = [0.5, -1, 2].map((t) => Math.exp(t) * (t * t + 2 * t));
    Array.from(g.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5 * Math.max(1, Math.abs(want[i]))));
  });
});

describe('fused Bernoulli log-likelihood (kernels/bernoulli.wat)', () => {
  // Logits from −100 to 100 (softplus and σ saturate), around 0, and tiny; rows of d = 7 and 787 (SIMD body and tail).
  for (const d of [7, 787]) {
    it(`value and gradient match float64 for rows of ${d}`, async () => {
      const { BERNOULLI_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
      const { Bernoulli } = await import('../src/core/distributions/bernoulli.js');
      if (tf.getBackend() === 'wasm') assert.ok(hasFusedKernel(BERNOULLI_KERNEL));
      const rows = 3;
      const l = Float32Array.from({ length: rows * d }, (_, i) => {
        const u = Math.sin(i * 12.9898) * 43758.5453;
        const f = u - Math.floor(u);
        return i % 5 === 0 ? (f - 0.5) * 200 : i % 5 === 1 ? (f - 0.5) * 1e-6 : (f - 0.5) * 16;
      });
      const xv = Float32Array.from({ length: rows * d }, (_, i) => (i % 3 === 0 ? (i % 2) : ((i * 7919) % 101) / 100));
      const logits = tf.tensor2d(l, [rows, d]);
      const x = tf.tensor2d(xv, [rows, d]);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => tf.sum(tf.mul(new Bernoulli(a).logProb(x), tf.tensor1d([1, -2, 0.5]))))([logits]);
      const perRow = new Bernoulli(logits).logProb(x).dataSync();
      const g = grads[0].dataSync();
      const weights = [1, -2, 0.5];
      let total = 0;
      for (let r = 0; r < rows; r++) {
        let want = 0;
        let scale = 0;
        for (let j = 0; j < d; j++) {
          const li = l[r * d + j];
          const xi = xv[r * d + j];
          const softplus = Math.max(li, 0) + Math.log1p(Math.exp(-Math.abs(li)));
          want += xi * li - softplus;
          scale += Math.abs(xi * li) + softplus;
          const sigma = 1 / (1 + Math.exp(-li));
          // float32 x − σ(l): within a few ulps of 1
          assert.ok(Math.abs(g[r * d + j] - weights[r] * (xi - sigma)) <= 3e-7 * Math.abs(weights[r]), `grad ${r},${j}: ${g[r * d + j]} vs ${weights[r] * (xi - sigma)}`);
        }
        // each term within ~3 ulps, plus the float32 sum's rounding (d·2⁻²⁴ of Σ|terms|)
        assert.ok(Math.abs(perRow[r] - want) <= (2e-7 + d * 6e-8) * scale, `row ${r}: ${perRow[r]} vs ${want}`);
        total += weights[r] * want;
      }
      assert.ok(Math.abs(value.dataSync()[0] - total) <= 1e-4 * Math.abs(total));
    });
  }

  it('evaluation (no gradient) reads x once for K samples of logits: equal to the float64 sum, NaN kept', async () => {
    const { Bernoulli } = await import('../src/core/distributions/bernoulli.js');
    const [k, rows, d] = [3, 5, 37];
    const logits = tf.randomNormal([k, rows, d], 0, 6, 'float32', 21);
    const x = tf.randomUniform([rows, d], 0, 1, 'float32', 22);
    const l = logits.dataSync();
    const xv = x.dataSync();
    const got = new Bernoulli(logits).logProb(x).dataSync();
    assert.equal(got.length, k * rows);
    for (let s = 0; s < k; s++) {
      for (let r = 0; r < rows; r++) {
        let want = 0;
        for (let j = 0; j < d; j++) {
          const li = l[(s * rows + r) * d + j];
          want += xv[r * d + j] * li - (Math.max(li, 0) + Math.log1p(Math.exp(-Math.abs(li))));
        }
        assert.ok(Math.abs(got[s * rows + r] - want) <= 1e-5 * (1 + Math.abs(want)), `sample ${s} row ${r}: ${got[s * rows + r]} vs ${want}`);
      }
    }
    const withNaN = tf.tensor3d(Float32Array.from(l, (v, i) => (i === d + 3 ? NaN : v)), [k, rows, d]);
    const nan = new Bernoulli(withNaN).logProb(x).dataSync();
    assert.ok(Number.isNaN(nan[1]) && Number.isFinite(nan[0]) && Number.isFinite(nan[2]));
  });

  it('agrees with the TF.js-op formula it replaces', async () => {
    const { Bernoulli } = await import('../src/core/distributions/bernoulli.js');
    const logits = tf.randomNormal([16, 784], 0, 4, 'float32', 9);
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 10);
    const softplus = tf.sub(tf.relu(logits), tf.log(tf.sigmoid(tf.abs(logits))));
    const want = tf.sum(tf.sub(tf.mul(x, logits), softplus), -1).dataSync();
    const got = new Bernoulli(logits).logProb(x).dataSync();
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-5 * Math.abs(want[i]), `${v} vs ${want[i]}`));
  });
});
