import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli, DiagNormal, StandardNormal, hasAnalyticKl, klDivergence, monteCarloKl } from '../src/core/distributions/index.js';
import { mean, setupBackend, values, variance } from './helpers/tf.js';

before(setupBackend);

const LOG_2PI = Math.log(2 * Math.PI);

describe('DiagNormal', () => {
  it('logProb matches the closed form, summed over dimensions', () => {
    const loc = tf.tensor2d([[0.5, -1], [2, 0]]);
    const logVar = tf.tensor2d([[0, Math.log(4)], [Math.log(0.25), 1]]);
    const x = tf.tensor2d([[1, 1], [2, -3]]);
    const got = values(new DiagNormal(loc, logVar).logProb(x));
    const lp = (xv: number, m: number, v: number) => -0.5 * (LOG_2PI + Math.log(v) + (xv - m) ** 2 / v);
    const want = [lp(1, 0.5, 1) + lp(1, -1, 4), lp(2, 2, 0.25) + lp(-3, 0, Math.E)];
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${g} vs ${want[i]}`));
  });

  it('reparameterised samples have mean μ and variance σ², and are repeatable by seed', () => {
    const n = 20000;
    const q = new DiagNormal(tf.tensor2d([[1.5, -2]]), tf.tensor2d([[Math.log(0.25), Math.log(9)]]));
    const z = tf.reshape(q.sample({ seed: 7, n }), [n, 2]);
    const cols = tf.unstack(z, 1).map((c) => c.dataSync());
    assert.ok(Math.abs(mean(cols[0]) - 1.5) < 0.02, `mean ${mean(cols[0])}`);
    assert.ok(Math.abs(mean(cols[1]) + 2) < 0.1, `mean ${mean(cols[1])}`);
    assert.ok(Math.abs(variance(cols[0]) - 0.25) < 0.02, `var ${variance(cols[0])}`);
    assert.ok(Math.abs(variance(cols[1]) - 9) < 0.4, `var ${variance(cols[1])}`);
    assert.deepEqual(values(q.sample({ seed: 7, n: 5 })), values(q.sample({ seed: 7, n: 5 })));
    assert.notDeepEqual(values(q.sample({ seed: 7, n: 5 })), values(q.sample({ seed: 8, n: 5 })));
  });

  it('gradients flow through the reparameterised sample to μ and log σ²', () => {
    const loc = tf.tensor2d([[0.3]]);
    const logVar = tf.tensor2d([[0.2]]);
    const [dLoc, dLogVar] = tf.grads((m: tf.Tensor, lv: tf.Tensor) => tf.sum(new DiagNormal(m, lv).sample({ seed: 3 })))([loc, logVar]);
    assert.equal(values(dLoc)[0], 1);
    const eps = (values(new DiagNormal(loc, logVar).sample({ seed: 3 }))[0] - 0.3) / Math.exp(0.1);
    assert.ok(Math.abs(values(dLogVar)[0] - 0.5 * Math.exp(0.1) * eps) < 1e-5);
  });
});

describe('StandardNormal', () => {
  it('logProb is −½(‖z‖² + d log 2π)', () => {
    const z = tf.tensor2d([[0, 0, 0], [1, -2, 0.5]]);
    const got = values(new StandardNormal(3).logProb(z));
    [0, 1 + 4 + 0.25].forEach((sq, i) => assert.ok(Math.abs(got[i] + 0.5 * (sq + 3 * LOG_2PI)) < 1e-5));
  });
});

describe('Bernoulli', () => {
  let logits: tf.Tensor2D;
  let x: tf.Tensor2D;
  before(() => {
    logits = tf.tensor2d([[-3, 0, 2.5, 40], [-40, 1, -0.5, 0.1]]);
    x = tf.tensor2d([[0, 1, 0.3, 1], [0, 0, 1, 0.7]]);
  });
  const sig = (l: number) => 1 / (1 + Math.exp(-l));
  const naive = (l: number, xv: number) => xv * Math.log(sig(l) || 1e-300) + (1 - xv) * Math.log(1 - sig(l) || 1e-300);
  const softplus = (l: number) => Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));

  it('logProb equals Σ x log p + (1−x) log(1−p), stable for large logits', () => {
    const got = values(new Bernoulli(logits).logProb(x));
    const l = logits.arraySync();
    const xs = x.arraySync();
    const want = l.map((row, i) => row.reduce((s, li, j) => s + xs[i][j] * li - softplus(li), 0));
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${g} vs ${want[i]}`));
    // Where the naive form is representable, it agrees.
    assert.ok(Math.abs(values(new Bernoulli(tf.tensor2d([[0.7]])).logProb(tf.tensor2d([[0.2]])))[0] - naive(0.7, 0.2)) < 1e-5);
    assert.ok(got.every(Number.isFinite));
  });

  it('the hand-written gradient equals autodiff of the plain formula', () => {
    const f = (l: tf.Tensor) => tf.sum(new Bernoulli(l).logProb(x));
    const plain = (l: tf.Tensor) => tf.sum(tf.sub(tf.mul(x, l), tf.softplus(l)));
    const a = values(tf.grad(f)(logits));
    const b = values(tf.grad(plain)(logits));
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${v} vs ${b[i]}`));
  });

  it('gradients to the logits and to x, weighted per row, equal autodiff of the plain formula (also with x broadcast over samples)', () => {
    const w = tf.tensor1d([0.5, -2]);
    const f = (l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.mul(new Bernoulli(l).logProb(xs), w));
    const plain = (l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.mul(tf.sum(tf.sub(tf.mul(xs, l), tf.softplus(l)), -1), w));
    const [gl, gx] = tf.grads(f)([logits, x]);
    const [pl, px] = tf.grads(plain)([logits, x]);
    values(gl).forEach((v, i) => assert.ok(Math.abs(v - values(pl)[i]) < 1e-5, `∂logits ${v} vs ${values(pl)[i]}`));
    values(gx).forEach((v, i) => assert.ok(Math.abs(v - values(px)[i]) < 1e-4, `∂x ${v} vs ${values(px)[i]}`));
    // K = 3 samples of logits against one x: ∂x sums over the samples.
    const many = tf.stack([logits, tf.mul(logits, 0.5), tf.neg(logits)]);
    const fm = (l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.mul(new Bernoulli(l).logProb(xs), w));
    const pm = (l: tf.Tensor, xs: tf.Tensor) => tf.sum(tf.mul(tf.sum(tf.sub(tf.mul(xs, l), tf.softplus(l)), -1), w));
    const [gml, gmx] = tf.grads(fm)([many, x]);
    const [pml, pmx] = tf.grads(pm)([many, x]);
    assert.deepEqual(gmx.shape, x.shape);
    values(gml).forEach((v, i) => assert.ok(Math.abs(v - values(pml)[i]) < 1e-5, `∂logits ${v} vs ${values(pml)[i]}`));
    values(gmx).forEach((v, i) => assert.ok(Math.abs(v - values(pmx)[i]) < 1e-4, `∂x ${v} vs ${values(pmx)[i]}`));
    tf.dispose([w, gl, gx, pl, px, many, gml, gmx, pml, pmx]);
  });

  it('broadcasts data over a leading sample axis', () => {
    const many = tf.stack([logits, tf.mul(logits, 0.5)]);
    const got = new Bernoulli(many).logProb(x);
    assert.deepEqual(got.shape, [2, 2]);
    assert.ok(Math.abs(values(got)[0] - values(new Bernoulli(logits).logProb(x))[0]) < 1e-5);
  });
});

describe('KL registry', () => {
  it('analytic KL(N(μ,σ²) ‖ N(0,I)) agrees with a 10k-sample Monte Carlo estimate', () => {
    const q = new DiagNormal(tf.tensor2d([[0.5, -1, 2], [0, 0, 0]]), tf.tensor2d([[Math.log(0.5), 0.3, -1], [0, 0, 0]]));
    const p = new StandardNormal(3);
    assert.ok(hasAnalyticKl(q, p));
    const exact = values(klDivergence(q, p, { seed: 1 }));
    const mc = values(monteCarloKl(q, p, { seed: 5, samples: 10000 }));
    // Closed form by hand for the first row.
    const row = [[0.5, 0.5], [-1, Math.exp(0.3)], [2, Math.exp(-1)]].reduce((s, [m, v]) => s + 0.5 * (m * m + v - 1 - Math.log(v)), 0);
    assert.ok(Math.abs(exact[0] - row) < 1e-4);
    assert.ok(Math.abs(exact[1]) < 1e-6, 'KL of a distribution with itself is 0');
    assert.ok(Math.abs(mc[0] - exact[0]) < 0.05, `MC ${mc[0]} vs exact ${exact[0]}`);
  });

  it('KL between two diagonal Gaussians matches Monte Carlo', () => {
    const q = new DiagNormal(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, -0.5]]));
    const p = new DiagNormal(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.4, 0.2]]));
    const exact = values(klDivergence(q, p, { seed: 1 }))[0];
    const mc = values(monteCarloKl(q, p, { seed: 9, samples: 10000 }))[0];
    assert.ok(exact > 0 && Math.abs(mc - exact) < 0.05, `MC ${mc} vs exact ${exact}`);
  });

  it('falls back to Monte Carlo for pairs without a closed form', () => {
    const q = new StandardNormal(2);
    const p = new DiagNormal(tf.tensor2d([[0, 0]]), tf.tensor2d([[0, 0]]));
    assert.ok(!hasAnalyticKl(q, p));
    const kl = values(klDivergence(q, p, { seed: 2, samples: 500 }));
    assert.ok(Math.abs(kl[0]) < 1e-5, 'same distribution: every sample gives log q − log p = 0');
  });
});
