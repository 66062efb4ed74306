/**
 * The native engine (native/*.cc): each kernel against an independent float64
 * reference on shapes that hit every edge of its tiling, its thread split,
 * its bounds checks, and a short training run against the wasm engine.
 *
 * Under CI the engine must have been built by `npm ci` (its install script);
 * elsewhere, and with LATENTLAB_NATIVE=0 (the fallback run), these tests say
 * why they skip and the rest of the suite runs on the wasm engine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/node/backend.js';
import { loadNative, type NativeAddon } from '../src/node/native.js';
import { installedEngine } from '../src/core/engine/wasm-kernels.js';

const { addon, reason } = loadNative();
const forcedOff = process.env.LATENTLAB_NATIVE === '0';
const skip = addon ? false : `native engine ${reason}`;

describe('native engine availability', () => {
  it('is built and loads wherever CI runs (unless LATENTLAB_NATIVE=0)', { skip: !process.env.CI || forcedOff ? 'not under CI, or forced off' : false }, () => {
    assert.ok(addon, `the native engine should load under CI: ${reason}`);
  });

  it('LATENTLAB_THREADS must be a whole number from 1 to 256 in decimal digits; otherwise the engine says so and is not used', { skip: !addon ? 'native engine not built' : false }, async () => {
    const { spawnSync } = await import('node:child_process');
    const probe = "import('./src/node/native.ts').then((m) => { const r = m.loadNative(); console.log(r.addon ? 'threads ' + r.addon.info().threads : r.reason); })";
    const run = (value: string) => spawnSync(process.execPath, ['--import', 'tsx', '-e', probe], { encoding: 'utf8', env: { ...process.env, LATENTLAB_THREADS: value } }).stdout.trim();
    assert.equal(run('2'), 'threads 2');
    for (const bad of ['0x2', '2e0', ' 2', '0', '257', '1.5', '']) {
      assert.match(run(bad), /LATENTLAB_THREADS must be a whole number from 1 to 256/, `LATENTLAB_THREADS="${bad}"`);
    }
  });

  it('LATENTLAB_NATIVE_ISA picks the kernels it names', { skip: !addon || !process.env.LATENTLAB_NATIVE_ISA ? 'only with LATENTLAB_NATIVE_ISA' : false }, () => {
    const want = process.env.LATENTLAB_NATIVE_ISA === 'generic' ? /^(sse2|neon)$/ : new RegExp(`^${process.env.LATENTLAB_NATIVE_ISA}$`);
    assert.match(addon!.info().isa, want);
  });

  it('with LATENTLAB_NATIVE=0, `auto` runs on the wasm engine and `native` is a clear error', { skip: !forcedOff ? 'only with LATENTLAB_NATIVE=0' : false }, async () => {
    assert.equal(await initBackend('auto'), 'wasm');
    assert.equal(installedEngine('wasm'), 'wasm');
    await assert.rejects(initBackend('native'), /--backend native: the native engine is turned off by LATENTLAB_NATIVE=0/);
  });
});

describe('native kernels', { skip }, () => {
  const native = addon as NativeAddon;
  const threads = native?.info().threads;
  before(async () => {
    assert.equal(await initBackend('native'), 'native');
    assert.equal(installedEngine('wasm'), 'native');
  });
  after(() => native.setThreads(threads));

  /** Deterministic pseudo-random floats in [−1, 1). */
  function fill(a: Float32Array, seed: number): Float32Array {
    let s = seed >>> 0;
    for (let i = 0; i < a.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      a[i] = s / 2 ** 31 - 1;
    }
    return a;
  }

  /** C = act(op(A)·op(B) + bias) in float64 from row-major operands. */
  function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean, bias?: Float32Array, relu = false): Float64Array {
    const c = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = bias ? bias[j] : 0;
        for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
        c[i * n + j] = relu ? (s < 0 ? 0 : s) : s;
      }
    }
    return c;
  }

  function assertClose(got: Float32Array, want: Float64Array, k: number, what: string): void {
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      if (Number.isNaN(w)) assert.ok(Number.isNaN(got[i]), `${what}[${i}]: ${got[i]}, want NaN`);
      else if (!Number.isFinite(w)) assert.equal(got[i], w, `${what}[${i}]`);
      else assert.ok(Math.abs(got[i] - w) <= 2e-6 * (1 + Math.sqrt(k)) * (1 + Math.abs(w)), `${what}[${i}]: ${got[i]} vs ${w}`);
    }
  }

  // Sizes around the micro-tile (MR = 6 or 12 rows, NR = 8, 16 or 32 columns), the
  // cache blocks (256 of the inner dimension) and 1.
  const sizes = [1, 2, 5, 11, 12, 13, 31, 33, 64, 97, 257];
  it('products match float64 on random shapes, transposes, bias and ReLU', () => {
    let seed = 1;
    const pick = () => sizes[(seed = (seed * 48271) % 2147483647) % sizes.length];
    for (let t = 0; t < 60; t++) {
      const [m, n, k] = [pick(), pick(), pick()];
      const ta = t % 2 === 1, tb = t % 4 >= 2, withBias = t % 3 === 0, relu = t % 5 < 2;
      const a = fill(new Float32Array(m * k), t + 1), b = fill(new Float32Array(k * n), t + 100);
      const bias = withBias ? fill(new Float32Array(n), t + 200) : undefined;
      const got = tf.tidy(() => {
        const A = tf.tensor2d(a, ta ? [k, m] : [m, k]), B = tf.tensor2d(b, tb ? [n, k] : [k, n]);
        return withBias || relu
          ? tf.fused.matMul({ a: A, b: B, transposeA: ta, transposeB: tb, bias: bias && tf.tensor1d(bias), activation: relu ? 'relu' : 'linear' })
          : tf.matMul(A, B, ta, tb);
      });
      assertClose(got.dataSync() as Float32Array, reference(a, b, m, n, k, ta, tb, bias, relu), k, `${m}×${k}·${k}×${n} ta=${ta} tb=${tb} bias=${withBias} relu=${relu}`);
      got.dispose();
    }
  });

  it('an inner dimension above the cache block (k = 600) and wide outputs split over threads', () => {
    for (const [m, n, k] of [[130, 70, 600], [7, 900, 300], [900, 7, 300]]) {
      const a = fill(new Float32Array(m * k), m), b = fill(new Float32Array(k * n), n);
      const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
      assertClose(got.dataSync() as Float32Array, reference(a, b, m, n, k, false, false), k, `${m}×${k}·${k}×${n}`);
      got.dispose();
    }
  });

  it('NaN and ±Inf propagate as in float64 arithmetic (NaN·0 and Inf·0 are NaN, ReLU keeps NaN)', () => {
    const [m, n, k] = [13, 35, 17];
    const a = fill(new Float32Array(m * k), 5), b = fill(new Float32Array(k * n), 6);
    a[3 * k + 4] = NaN; // row 3 of C is NaN
    a[7 * k + 2] = Infinity; // row 7: ±Inf, or NaN where B's entry is 0
    b[2 * n + 9] = 0;
    b[5 * n + 20] = -Infinity; // column 20: −Inf·a (sign of a), NaN where it meets the +Inf
    for (const relu of [false, true]) {
      const want = reference(a, b, m, n, k, false, false, undefined, relu);
      const got = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]), activation: relu ? 'relu' : 'linear' }));
      assertClose(got.dataSync() as Float32Array, want, k, `relu=${relu}`);
      got.dispose();
    }
  });

  it('results do not depend on the thread count (each output has one summation order)', () => {
    const [m, n, k] = [300, 200, 150];
    const a = fill(new Float32Array(m * k), 9), b = fill(new Float32Array(k * n), 10);
    const run = (t: number) => {
      native.setThreads(t);
      return tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]), false, false).dataSync());
    };
    const one = run(1);
    for (const t of [2, 3, 5]) assert.deepEqual(run(t), one, `${t} threads`);
    native.setThreads(threads);
  });

  it('resizing the pool in quick succession never loses a worker (a stop issued before a new thread first runs is seen)', { timeout: 60_000 }, () => {
    const memory = new ArrayBuffer(1 << 16);
    for (let i = 0; i < 300; i++) {
      native.setThreads(1 + (i % 3));
      native.gemm(memory, 0, 8, 1, 4096, 8, 1, 8192, 8, 8, 8, 8, -1, false);
    }
    native.setThreads(threads);
  });

  it('Adam, column sums and the Bernoulli likelihood match float64 over a size that splits over threads', async () => {
    const { ADAM_KERNEL, BERNOULLI_KERNEL } = await import('../src/core/engine/wasm-kernels.js');
    const size = 70_001; // above the per-thread grain, odd
    const [w, g, m] = [1, 2, 3].map((s) => fill(new Float32Array(size), s));
    const v = fill(new Float32Array(size), 4).map(Math.abs);
    const attrs = { c1: 0.1, c2: 0.001, alpha: 0.01, eps: 1e-7 };
    const outs = tf.tidy(() => tf.engine().runKernel(ADAM_KERNEL, { w: tf.tensor1d(w), g: tf.tensor1d(g), m: tf.tensor1d(m), v: tf.tensor1d(v) }, attrs) as tf.Tensor[]);
    const [w2, m2, v2] = outs.map((t) => t.dataSync());
    for (let i = 0; i < size; i++) {
      const mi = m[i] + attrs.c1 * (g[i] - m[i]);
      const vi = v[i] + attrs.c2 * (g[i] * g[i] - v[i]);
      const wi = w[i] - (attrs.alpha * mi) / (Math.sqrt(vi) + attrs.eps);
      for (const [got, want] of [[m2[i], mi], [v2[i], vi], [w2[i], wi]]) assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `adam[${i}]: ${got} vs ${want}`);
    }
    tf.dispose(outs);

    const [rows, cols] = [517, 203];
    const x = fill(new Float32Array(rows * cols), 11);
    const sums = tf.tidy(() => tf.sum(tf.tensor2d(x, [rows, cols]), 0).dataSync());
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * cols + j];
      assert.ok(Math.abs(sums[j] - s) <= 1e-5 * rows, `colsum[${j}]`);
    }

    const d = 787;
    const l = fill(new Float32Array(rows * d), 12).map((u) => u * 30);
    l[5] = NaN;
    const xb = fill(new Float32Array(rows * d), 13).map((u) => (u > 0 ? 1 : 0));
    const grad = tf.zeros([rows, d]);
    const value = tf.tidy(() => tf.engine().runKernel(BERNOULLI_KERNEL, { logits: tf.tensor2d(l, [rows, d]), x: tf.tensor2d(xb, [rows, d]), residual: grad }) as tf.Tensor);
    const vs = value.dataSync(), gs = grad.dataSync();
    assert.ok(Number.isNaN(vs[0]) && Number.isNaN(gs[5]), 'a NaN logit gives a NaN value and gradient');
    for (let r = 1; r < rows; r++) {
      let want = 0;
      for (let j = 0; j < d; j++) {
        const li = l[r * d + j], xi = xb[r * d + j];
        want += xi * li - (Math.max(li, 0) + Math.log1p(Math.exp(-Math.abs(li))));
        const sig = 1 / (1 + Math.exp(-li));
        assert.ok(Math.abs(gs[r * d + j] - (xi - sig)) <= 3e-7, `grad ${r},${j}`);
      }
      assert.ok(Math.abs(vs[r] - want) <= 1e-6 * d * 10, `row ${r}: ${vs[r]} vs ${want}`);
    }
    tf.dispose([value, grad]);
    // The residual is written over, so it must be a tensor of the logits' shape that shares its memory with nothing.
    tf.tidy(() => {
      const [lt, xt] = [tf.tensor2d(l, [rows, d]), tf.tensor2d(xb, [rows, d])];
      for (const residual of [undefined, tf.zeros([rows, d - 1]), tf.clone(xt)]) {
        assert.throws(() => tf.engine().runKernel(BERNOULLI_KERNEL, residual ? { logits: lt, x: xt, residual } : { logits: lt, x: xt }), /residual must be a float32 tensor of the logits' shape/);
      }
    });
  });

  it('SGD with momentum (plain, Nesterov, first step) and the ReLU gradient match float64; the optimizer uses them', async () => {
    const { SGD_KERNEL, RELU_GRAD_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
    assert.ok(hasFusedKernel(SGD_KERNEL) && hasFusedKernel(RELU_GRAD_KERNEL));
    const size = 40_003;
    const [w, g, v] = [21, 22, 23].map((s) => fill(new Float32Array(size), s));
    for (const nesterov of [false, true]) {
      for (const first of [false, true]) {
        const attrs = { momentum: 0.9, lr: 0.05, nesterov, first };
        const outs = tf.tidy(() => tf.engine().runKernel(SGD_KERNEL, { w: tf.tensor1d(w), g: tf.tensor1d(g), v: tf.tensor1d(v) }, attrs) as tf.Tensor[]);
        const [w2, v2] = outs.map((t) => t.dataSync());
        for (let i = 0; i < size; i++) {
          const vi = first ? g[i] : attrs.momentum * v[i] + g[i];
          const wi = w[i] - attrs.lr * (nesterov ? g[i] + attrs.momentum * vi : vi);
          assert.ok(Math.abs(v2[i] - vi) <= 1e-6 && Math.abs(w2[i] - wi) <= 1e-6, `sgd nesterov=${nesterov} first=${first} [${i}]`);
        }
        tf.dispose(outs);
      }
    }
    const y = fill(new Float32Array(1001), 24);
    y[0] = 0;
    y[1] = NaN;
    const dy = fill(new Float32Array(1001), 25);
    const out = tf.tidy(() => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: tf.tensor1d(dy), y: tf.tensor1d(y) }) as tf.Tensor);
    const got = out.dataSync();
    assert.ok(got[0] === 0, 'y = 0: no gradient');
    assert.ok(Number.isNaN(got[1]), 'a NaN output gives a NaN gradient, as dy·step(y) does');
    for (let i = 2; i < y.length; i++) assert.ok(got[i] === (y[i] > 0 ? dy[i] : 0), `reluGrad[${i}]`);
    out.dispose();
    // The optimizer takes the fused path and moves the weights as the formula says.
    const { Sgd } = await import('../src/core/training/sgd.js');
    const variable = tf.variable(tf.tensor1d([1, 2, 3]));
    const sgd = new Sgd([variable], { learningRate: 0.1, momentum: 0.5, nesterov: false });
    sgd.apply([tf.tensor1d([1, 1, 1])]);
    sgd.apply([tf.tensor1d([1, 1, 1])]);
    assert.deepEqual(Array.from(variable.dataSync()).map((x) => +x.toFixed(5)), [0.75, 1.75, 2.75]);
  });

  it('tanh (through a product with the tanh activation) is within 3e-7 of float64\'s, ±∞ and NaN included; its gradient is TF.js\'s arithmetic', async () => {
    const { MATMUL_KERNEL, TANH_GRAD_KERNEL } = await import('../src/core/engine/wasm-kernels.js');
    // 1·0 + b runs every value of b through tanh: a product of zeros, b as the bias over 70,001 columns (threaded).
    const size = 70_001;
    const b = new Float32Array(size);
    for (let i = 0; i < size; i++) b[i] = Math.fround(((i / size) - 0.5) * 2 * 12 * (i / size) ** 2);
    const special = [NaN, Infinity, -Infinity, -0, 0, 1e-30, -1e-8, 0.55, Math.fround(0.55 - 1e-7), -0.55, 9, 87, 100, -1e4];
    b.set(special);
    const y = tf.tidy(() => tf.engine().runKernel(MATMUL_KERNEL, { a: tf.tensor2d([1], [1, 1]), b: tf.zeros([1, size]), bias: tf.tensor1d(b) }, { transposeA: false, transposeB: false, activation: 'tanh' }) as tf.Tensor);
    const got = y.dataSync();
    for (let i = 0; i < size; i++) {
      const want = Math.tanh(b[i]);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got[i]), `tanh(${b[i]}) is NaN`);
      else assert.ok(Math.abs(got[i] - want) <= 3e-7 * Math.abs(want) && Math.sign(got[i]) === Math.sign(want), `tanh(${b[i]}): ${got[i]} vs ${want}`);
    }
    const dy = fill(new Float32Array(size), 26);
    const g = tf.tidy(() => tf.engine().runKernel(TANH_GRAD_KERNEL, { dy: tf.tensor2d(dy, [1, size]), y }) as tf.Tensor);
    const want = tf.tidy(() => tf.mul(tf.sub(1, tf.square(y)), tf.tensor2d(dy, [1, size])));
    const [gv, wv] = [g.dataSync(), want.dataSync()];
    for (let i = 0; i < size; i++) assert.ok(Object.is(gv[i], wv[i]) || (Number.isNaN(gv[i]) && Number.isNaN(wv[i])), `tanhGrad[${i}]: ${gv[i]} vs ${wv[i]}`);
    tf.dispose([y, g, want]);
  });

  it('exp (tensors of 1,024 values or more) is within an ulp of float64\'s, overflow, underflow, ±∞, NaN and ±0 included; smaller and int32 tensors too', () => {
    const size = 70_001;
    const x = new Float32Array(size);
    for (let i = 0; i < size; i++) x[i] = Math.fround((i / size - 0.5) * 220);
    x.set([NaN, Infinity, -Infinity, -0, 0, 1e-30, -1e-8, 88.72, 88.73, 89, -87.3, -103.97, -104, -150, 1]);
    const close = (got: number, xi: number, what: string) => {
      const want = Math.exp(xi);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${what}: exp(${xi}) is NaN, got ${got}`);
      else if (want > 3.4028234663852886e38) assert.equal(got, Infinity, `${what}: exp(${xi}) overflows`);
      else assert.ok(Math.abs(got - want) <= Math.max(2 ** -23 * want, 2 ** -149), `${what}: exp(${xi}) = ${got}, float64 ${want}`);
    };
    const big = tf.tidy(() => tf.exp(tf.tensor1d(x)).dataSync());
    for (let i = 0; i < size; i++) close(big[i], x[i], 'large');
    const small = tf.tidy(() => tf.exp(tf.tensor2d(x.subarray(0, 30), [5, 6])).dataSync());
    for (let i = 0; i < 30; i++) close(small[i], x[i], 'small');
    const ints = tf.tidy(() => tf.exp(tf.tensor1d(Array.from({ length: 2000 }, (_, i) => (i % 40) - 20), 'int32')).dataSync());
    for (let i = 0; i < 2000; i++) close(ints[i], (i % 40) - 20, 'int32');
  });

  it('the Gaussian\'s fused sample, KL and log-density match TF.js ops in value and gradient, broadcast, threaded, NaN and ±Inf', async () => {
    const { GAUSSIAN_KL_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
    const { fusedGaussianKl, fusedGaussianLogProb, fusedGaussianSample } = await import('../src/core/distributions/gaussian-fused.js');
    assert.ok(hasFusedKernel(GAUSSIAN_KL_KERNEL));
    // The same three functions written with TF.js ops (what the wasm and cpu engines run).
    const opsSample = (l: tf.Tensor, lv: tf.Tensor, e: tf.Tensor) => tf.add(l, tf.mul(tf.exp(tf.mul(lv, 0.5)), e));
    const opsKl = (l: tf.Tensor, lv: tf.Tensor) => tf.mul(tf.sum(tf.sub(tf.add(tf.square(l), tf.exp(lv)), tf.add(lv, 1)), -1), 0.5);
    const opsLogProb = (x: tf.Tensor, l: tf.Tensor, lv: tf.Tensor) =>
      tf.mul(tf.sum(tf.add(tf.add(tf.mul(tf.square(tf.sub(x, l)), tf.exp(tf.neg(lv))), lv), Math.log(2 * Math.PI)), -1), -0.5);
    const close = (got: Float32Array | Int32Array | Uint8Array, want: Float32Array | Int32Array | Uint8Array, tol: number, what: string) => {
      assert.equal(got.length, want.length, `${what}: length`);
      for (let i = 0; i < got.length; i++) {
        const [g, w] = [got[i], want[i]];
        if (Number.isNaN(w) || !Number.isFinite(w)) assert.ok(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${what}[${i}]: ${g} vs ${w}`);
        else assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g} vs ${w}`);
      }
    };
    for (const [lead, rows, d] of [[[], 37, 23], [[3], 37, 23], [[], 517, 131], [[2, 2], 5, 1], [[], 1, 40]] as [number[], number, number][]) {
      const what = `[${[...lead, rows, d]}]`;
      const loc = tf.tensor2d(fill(new Float32Array(rows * d), rows + d).map((u) => 3 * u), [rows, d]);
      const logVar = tf.tensor2d(fill(new Float32Array(rows * d), rows * d).map((u) => 4 * u), [rows, d]);
      const eps = tf.tensor(fill(new Float32Array(lead.reduce((a, b) => a * b, 1) * rows * d), 7), [...lead, rows, d]);
      const x = tf.tensor(fill(new Float32Array(eps.size), 8).map((u) => 5 * u), eps.shape);
      // Values, no gradient recorded.
      close(fusedGaussianSample(loc, logVar, eps)!.dataSync(), opsSample(loc, logVar, eps).dataSync(), 2e-6, `sample ${what}`);
      close(fusedGaussianLogProb(x, loc, logVar)!.dataSync(), opsLogProb(x, loc, logVar).dataSync(), 2e-6, `logProb ${what}`);
      if (lead.length === 0) close(fusedGaussianKl(loc, logVar)!.dataSync(), opsKl(loc, logVar).dataSync(), 2e-6, `kl ${what}`);
      // Gradients of a weighted sum of each (so every output's gradient differs), to every input.
      const w = tf.tensor(fill(new Float32Array(eps.size / d), 9), eps.shape.slice(0, -1));
      const sampleGrads = (f: typeof opsSample) => tf.grads((l: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.mul(f(l, lv, eps), tf.expandDims(w, -1))))([loc, logVar]);
      const logProbGrads = (f: typeof opsLogProb) => tf.grads((xs: tf.Tensor, l: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.mul(f(xs, l, lv), w)))([x, loc, logVar]);
      sampleGrads((l, lv, e) => fusedGaussianSample(l, lv, e)!).forEach((g, i) => close(g.dataSync(), sampleGrads(opsSample)[i].dataSync(), 2e-5, `sample grad ${i} ${what}`));
      logProbGrads((xs, l, lv) => fusedGaussianLogProb(xs, l, lv)!).forEach((g, i) => close(g.dataSync(), logProbGrads(opsLogProb)[i].dataSync(), 2e-5, `logProb grad ${i} ${what}`));
      if (lead.length === 0) {
        const klGrads = (f: typeof opsKl) => tf.grads((l: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.mul(f(l, lv), w)))([loc, logVar]);
        klGrads((l, lv) => fusedGaussianKl(l, lv)!).forEach((g, i) => close(g.dataSync(), klGrads(opsKl)[i].dataSync(), 2e-5, `kl grad ${i} ${what}`));
      }
      tf.dispose([loc, logVar, eps, x, w]);
    }
    // exp over its whole float32 range, through the KL with μ = 0: ½(e^lv − 1 − lv) per entry.
    const lvs = Float32Array.from([...Array.from({ length: 401 }, (_, i) => -100 + i * 0.5), 88.3, 88.5, 89, Infinity, -Infinity, NaN]);
    const kl = fusedGaussianKl(tf.zeros([lvs.length, 1]), tf.tensor2d(lvs, [lvs.length, 1]))!.dataSync();
    lvs.forEach((lv, i) => {
      const want = Number.isNaN(lv) || lv === Infinity ? NaN : lv > Math.fround(88.3) ? Infinity : 0.5 * (Math.exp(Math.max(lv, -87)) - 1 - lv);
      if (!Number.isFinite(want)) assert.ok(Object.is(kl[i], want) || (Number.isNaN(kl[i]) && Number.isNaN(want)), `kl at lv = ${lv}: ${kl[i]}`);
      else assert.ok(Math.abs(kl[i] - want) <= 2e-7 * Math.max(1, Math.abs(want)) * 4, `kl at lv = ${lv}: ${kl[i]} vs ${want}`);
    });
    // The distributions take the fused path on the native engine.
    const { DiagNormal } = await import('../src/core/distributions/normal.js');
    const { klDivergence } = await import('../src/core/distributions/kl.js');
    const { StandardNormal } = await import('../src/core/distributions/normal.js');
    const q = new DiagNormal(tf.tensor2d([[0.5, -1]]), tf.tensor2d([[0.2, -0.3]]));
    const before = tf.memory().numTensors;
    assert.ok(Math.abs(klDivergence(q, new StandardNormal(2), { seed: 1 }).dataSync()[0] - 0.5 * (0.25 + 1 + Math.exp(0.2) + Math.exp(-0.3) - 2 - 0.2 + 0.3)) < 1e-6);
    assert.equal(tf.memory().numTensors, before + 1, 'the fused KL leaves only its result');
  });

  it('the Bernoulli likelihood with x broadcast over K samples matches TF.js ops in value and gradient', async () => {
    const { Bernoulli } = await import('../src/core/distributions/bernoulli.js');
    const { BERNOULLI_BROADCAST_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
    assert.ok(hasFusedKernel(BERNOULLI_BROADCAST_KERNEL), 'the broadcasting kernel is what runs');
    const [k, rows, d] = [3, 41, 29];
    const logits = tf.tensor3d(fill(new Float32Array(k * rows * d), 31).map((u) => 8 * u), [k, rows, d]);
    const x = tf.tensor2d(fill(new Float32Array(rows * d), 32).map((u) => (u + 1) / 2), [rows, d]);
    const w = tf.tensor2d(fill(new Float32Array(k * rows), 33), [k, rows]);
    const ops = (l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.sub(tf.mul(xs, l), tf.softplus(l)), -1);
    const fused = (l: tf.Tensor, xs: tf.Tensor) => new Bernoulli(l).logProb(xs);
    const grads = (f: typeof ops) => tf.grads((l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.mul(f(l, xs), w)))([logits, x]);
    const [gl, gx] = grads(fused), [wl, wx] = grads(ops);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    assert.ok(maxDiff(tf.tidy(() => tf.grads((l: tf.Tensor) => tf.sum(fused(l, x)))([logits])[0]), tf.tidy(() => tf.grads((l: tf.Tensor) => tf.sum(ops(l, x)))([logits])[0])) < 1e-5);
    assert.ok(maxDiff(gl, wl) < 1e-5, 'gradient to the logits');
    assert.deepEqual(gx.shape, [rows, d]);
    assert.ok(maxDiff(gx, wx) < 1e-4, 'gradient to x, summed over the K samples');
    tf.dispose([logits, x, w, gl, gx, wl, wx]);
  });

  it('checks every range against the memory: a bad offset or size is a RangeError, not a stray write', () => {
    const memory = new ArrayBuffer(4096);
    assert.throws(() => native.gemm(memory, 0, 4, 1, 0, 4, 1, 4048, 4, 4, 4, 4, -1, false), /outside the buffer/);
    assert.throws(() => native.gemm(memory, 2, 4, 1, 0, 4, 1, 0, 4, 4, 4, 4, -1, false), /outside the buffer/);
    assert.throws(() => native.adam(memory, 0, 0, 0, 0, 0, 0, 0, 2000, 0.1, 0.1, 0.1, 0.1), /outside the buffer/);
    assert.throws(() => native.colsum(memory, 0, 0, 100, 100), /outside the buffer/);
    assert.throws(() => native.bernoulli(memory, 0, 0, 20, 20, 100, 0, 0), /outside the buffer/);
    assert.throws(() => native.bernoulli(memory, 0, 0, 10, 3, 10, 0, 0), /must divide/);
    assert.throws(() => native.gemm(new Float32Array(4) as unknown as ArrayBuffer, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, -1, false), /ArrayBuffer/);
    assert.throws(() => native.bernoulliValue(memory, 0, 0, 30, 1, 100, 0), /outside the buffer/);
    assert.throws(() => native.bernoulliValue(memory, 0, 0, 10, 3, 10, 0), /must divide/);
    assert.throws(() => native.sgd(memory, 0, 0, 0, 0, 0, 2000, 0.9, 0.1, false, false), /outside the buffer/);
    assert.throws(() => native.reluGrad(memory, 0, 0, 0, 2000), /outside the buffer/);
    assert.throws(() => native.exp(memory, 0, 4000, 100), /outside the buffer/);
    assert.throws(() => native.exp(memory, 0, 0, -1), /negative size/);
    assert.throws(() => native.gaussSample(memory, 0, 0, 0, 60, 20, 20, 0), /outside the buffer/);
    assert.throws(() => native.gaussSample(memory, 0, 0, 0, 10, 3, 2, 0), /must divide/);
    assert.throws(() => native.gaussSampleGrad(memory, 0, 0, 0, 60, 60, 20, 0), /outside the buffer/);
    assert.throws(() => native.gaussKl(memory, 0, 0, 100, 20, 0), /outside the buffer/);
    assert.throws(() => native.gaussKlGrad(memory, 0, 0, 0, 100, 20, 0, 0), /outside the buffer/);
    assert.throws(() => native.gaussLogProb(memory, 0, 0, 0, 100, 1, 20, 0, -1, -1), /outside the buffer/);
    assert.throws(() => native.gaussLogProb(memory, 0, 0, 0, 4, 4, 4, 0, 4080, 0), /outside the buffer/);
    assert.throws(() => native.gaussKl(memory, 0, 0, 'x' as unknown as number, 4, 0), /not a number/);
    assert.throws(() => native.setThreads(0), /thread count/);
    const peak = native.fmaPeak();
    assert.ok(Number.isFinite(peak) && peak > 0.1, `fmaPeak ${peak}`);
    // in range: runs
    native.gemm(memory, 0, 4, 1, 64, 4, 1, 128, 4, 4, 4, 4, -1, false);
  });

  it('reads 8-bit rows into float32 exactly as the byte datasets\' own loop, and the native backend installs it', async () => {
    const { byteDataset, currentByteRowReader, setByteRowReader } = await import('../src/core/data/dataset.js');
    assert.equal(currentByteRowReader(), native.byteRows, 'initBackend("native") installs the native reader');
    const reader = currentByteRowReader();
    try {
      // Every byte value, rows of odd and long lengths, a view that starts inside its buffer, and enough rows to split over threads.
      for (const dim of [1, 7, 784]) {
        const rows = 700;
        const whole = new Uint8Array(rows * dim + 5);
        for (let i = 0; i < whole.length; i++) whole[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
        for (let k = 0; k < 256; k++) whole[5 + k] = k;
        const bytes = whole.subarray(5);
        const ds = byteDataset('bytes', [dim], bytes);
        const indices = Int32Array.from({ length: 600 }, (_, i) => (i === 0 ? 0 : i === 1 ? rows - 1 : (i * 7919) % rows));
        setByteRowReader(undefined);
        const want = ds.read(indices);
        setByteRowReader(native.byteRows);
        const got = ds.read(indices);
        assert.equal(got.length, indices.length * dim);
        assert.ok(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `dim ${dim}: the same bits as the loop`);
        const expected = [...bytes.subarray(3 * dim, 4 * dim), ...bytes.subarray(0, dim)].map((k) => Math.fround(k / 255));
        assert.deepEqual(Array.from(ds.read([3, 0])), expected, 'a plain array of indices');
      }
      const bytes = new Uint8Array(40);
      assert.throws(() => native.byteRows(bytes, new Int32Array([10]), 4, new Float32Array(4)), /byteRows: an index is outside the examples/);
      assert.throws(() => native.byteRows(bytes, new Int32Array([-1]), 4, new Float32Array(4)), /an index is outside/);
      assert.throws(() => native.byteRows(bytes, new Int32Array([0, 1]), 4, new Float32Array(7)), /output is shorter/);
      assert.throws(() => native.byteRows(new Float32Array(4) as unknown as Uint8Array, new Int32Array([0]), 4, new Float32Array(4)), /must be a Uint8Array/);
      assert.throws(() => native.byteRows(bytes, [0] as unknown as Int32Array, 4, new Float32Array(4)), /must be an Int32Array/);
      assert.throws(() => native.byteRows(bytes, new Int32Array([0]), 0, new Float32Array(4)), /row length/);
    } finally {
      setByteRowReader(reader);
    }
  });

  it('Adam and SGD update in place where nothing shares the memory: the kernels\' values, clones untouched, XNNPACK sees new weights', async () => {
    const { Adam } = await import('../src/core/training/adam.js');
    const { Sgd } = await import('../src/core/training/sgd.js');
    const shapes = [[1, 3, 5], [7], [1, 2, 33]];
    // In a tidy, so each variable holds its memory alone (the tensor it is made from would otherwise share it).
    const start = (seed: number) => tf.tidy(() => shapes.map((shape, i) => tf.variable(tf.tensor(fill(new Float32Array(shape.reduce((a, b) => a * b, 1)), seed + i), shape))));
    const grads = (step: number) => shapes.map((shape, i) => tf.tensor(fill(new Float32Array(shape.reduce((a, b) => a * b, 1)), 100 + 10 * step + i), shape));
    const makers = [
      (vs: tf.Variable[]) => new Adam(vs, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
      (vs: tf.Variable[]) => new Sgd(vs, { learningRate: 0.05, momentum: 0.9, nesterov: true }),
    ];
    for (const make of makers) {
      const free = start(1);
      const held = start(1);
      const optFree = make(free);
      const optHeld = make(held);
      const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
      const offset = (v: tf.Tensor) => backend.dataIdMap.get(v.dataId).memoryOffset;
      const before = free.map((v) => ({ id: v.dataId, at: offset(v) }));
      // Clones share memory (backend reference count 2): the held variables take the kernel's path, fresh tensors.
      const clones = held.map((v) => v.clone());
      const cloneValues = clones.map((c) => Array.from(c.dataSync()));
      const tensorsBefore = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const g = grads(step);
        optFree.apply(g);
        optHeld.apply(g);
        tf.dispose(g);
      }
      free.forEach((v, i) => {
        assert.equal(offset(v), before[i].at, 'updated in place: the same memory');
        assert.notEqual(v.dataId, before[i].id, 'under a new data id, as an assignment gives (caches keyed on it see new values)');
      });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
      held.forEach((v, i) => assert.notEqual(v.dataId, clones[i].dataId, 'a shared variable gets new memory'));
      clones.forEach((c, i) => assert.deepEqual(Array.from(c.dataSync()), cloneValues[i], 'a clone keeps its values'));
      free.forEach((v, i) => assert.ok(Buffer.from(v.dataSync().buffer).equals(Buffer.from(held[i].dataSync().buffer)), `variable ${i}: the same bits both ways`));
      assert.ok(free.some((v, i) => v.dataSync()[0] !== cloneValues[i][0]), 'the update changed the weights');
      tf.dispose([...free, ...held, ...clones]);
      optFree.dispose();
      optHeld.dispose();
    }
    // XNNPACK (TF.js's kernel for a product with a sigmoid) caches packed weights by tensor id: after an update in place it must see the new ones.
    const x = tf.tensor3d([[[1, 2], [3, 4]]]);
    const w = tf.tidy(() => tf.variable(tf.tensor3d([[[0.5, -1], [0.25, 2]]])));
    const sigmoidProduct = (b: tf.Tensor) => (tf.engine().runKernel('_FusedMatMul', { a: x, b }, { transposeA: false, transposeB: false, activation: 'sigmoid' }) as tf.Tensor);
    const first = sigmoidProduct(w);
    const adam = new Adam([w], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const at = (tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(w.dataId).memoryOffset;
    const g = tf.ones([1, 2, 2]);
    adam.apply([g]);
    assert.equal((tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(w.dataId).memoryOffset, at, 'updated in place');
    const copy = tf.tensor(w.dataSync(), w.shape);
    const after = sigmoidProduct(w);
    assert.deepEqual(Array.from(after.dataSync()), Array.from(sigmoidProduct(copy).dataSync()), 'the product reads the updated weights');
    assert.notDeepEqual(Array.from(after.dataSync()), Array.from(first.dataSync()));
    tf.dispose([x, w, first, g, copy, after]);
    adam.dispose();
  });

  it('a short training run on the native engine follows the wasm engine\'s test loss', async () => {
    const { resolveConfig } = await import('../src/core/config/resolve.js');
    const { buildModel, modelFamily } = await import('../src/core/models/registry.js');
    const { trainEpoch } = await import('../src/core/training/trainer.js');
    const { evaluateObjective } = await import('../src/core/metrics/evaluate.js');
    const { loadDataSplits } = await import('../src/node/datasets.js');
    const { train, test } = loadDataSplits('mnist', { trainLimit: 3000, testLimit: 1000 });
    const curve = async (engine: 'native' | 'wasm'): Promise<number[]> => {
      await initBackend(engine);
      const config = resolveConfig({ latentDim: 10, encoder: { hidden: [200] }, decoder: { hidden: [200] }, train: { batchSize: 100 } });
      const model = buildModel(config, train.shape);
      const family = modelFamily(config);
      const phases = family.phases(model, { stepsPerEpoch: 30 });
      const losses: number[] = [];
      for (let epoch = 1, step = 0; epoch <= 3; epoch++) {
        step += (await trainEpoch({ phases, data: train, batchSize: 100, epoch, seed: 1, startStep: step })).steps;
        losses.push((await evaluateObjective((x, s) => family.evaluate(model, x, s), test, { seed: 5 })).loss);
      }
      model.dispose();
      return losses;
    };
    const wasm = await curve('wasm');
    const nat = await curve('native');
    assert.equal(installedEngine('wasm'), 'native');
    assert.ok(nat[2] < nat[0] - 20, `native training learns: ${nat.join(', ')}`);
    // Same seed, same data order: the two differ only by float32 rounding in the products.
    nat.forEach((v, i) => assert.ok(Math.abs(v - wasm[i]) <= 0.01 * wasm[i], `epoch ${i + 1}: native ${v.toFixed(2)} vs wasm ${wasm[i].toFixed(2)}`));
  });
});
