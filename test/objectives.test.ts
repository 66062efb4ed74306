import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { DiagNormal } from '../src/core/distributions/index.js';
import { likelihoodFromOutputs, MIN_LOG_VARIANCE } from '../src/core/models/likelihood.js';
import { buildModel } from '../src/core/models/registry.js';
import { negativeElbo } from '../src/core/objectives/elbo.js';
import { negativeIwBound } from '../src/core/objectives/iwae.js';
import { importanceWeightedBound } from '../src/core/metrics/iw.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { linearWarmup } from '../src/core/training/schedules.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);

describe('negative ELBO', () => {
  it('sums over pixels and latents, averages over the batch, and weights the KL by β', () => {
    const config = resolveConfig({ latentDim: 3, encoder: { hidden: [8] }, decoder: { hidden: [8] } });
    const model = buildModel(config, [6]);
    const x = tf.randomUniform([5, 6], 0, 1, 'float32', 1);
    const { total, terms } = negativeElbo(model, x, { seed: 4 });
    // By hand, with the same ε: −mean_b log p(x_b|z_b) and mean_b KL_b.
    const q = model.encode(x) as DiagNormal;
    const z = q.sample({ seed: 4 });
    const rec = -values(tf.mean(model.decode(z).logProb(x)))[0];
    const kl = values(tf.mean(tf.mul(tf.sum(tf.sub(tf.add(tf.square(q.loc), tf.exp(q.logVar)), tf.add(q.logVar, 1)), -1), 0.5)))[0];
    assert.ok(Math.abs(values(terms.reconstruction)[0] - rec) < 1e-3);
    assert.ok(Math.abs(values(terms.kl)[0] - kl) < 1e-4);
    assert.ok(Math.abs(values(terms.loss)[0] - rec - kl) < 1e-3);
    assert.ok(Math.abs(values(total)[0] - rec - kl) < 1e-3);
    const weighted = negativeElbo(model, x, { seed: 4, beta: 0.25 });
    assert.ok(Math.abs(values(weighted.total)[0] - (rec + 0.25 * kl)) < 1e-3);
    assert.ok(Math.abs(values(weighted.terms.loss)[0] - (rec + kl)) < 1e-3, 'the reported loss stays the ELBO');
  });
});

describe('importance-weighted bound (IWAE objective)', () => {
  // A VAE trained for a few hundred steps on structured binary vectors, so q(z|x) is far from the posterior and the bounds differ.
  const config = resolveConfig({ latentDim: 4, encoder: { hidden: [32] }, decoder: { hidden: [32] }, objective: { kind: 'iwae', k: 5 } });
  const n = 400, dim = 24;
  const xs = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) xs[i * dim + j] = ((i * 7 + j * (i % 5 + 1)) % 11) < 5 ? 1 : 0;
  /** Mean and standard error over the examples of L_K (−iwLoss per example, from batches of one example each would be slow: per-batch means of 20). */
  const boundStats = (model: ReturnType<typeof buildModel>, k: number, seed: number) => {
    const means: number[] = [];
    for (let b = 0; b < n / 20; b++) {
      const x = tf.tensor2d(xs.subarray(b * 20 * dim, (b + 1) * 20 * dim), [20, dim]);
      means.push(-values(negativeIwBound(model, x, { seed: seed + b, k }).terms.iwLoss)[0]);
      x.dispose();
    }
    const mean = means.reduce((a, v) => a + v, 0) / means.length;
    const se = Math.sqrt(means.reduce((a, v) => a + (v - mean) ** 2, 0) / (means.length - 1) / means.length);
    return { mean, se };
  };
  let model: ReturnType<typeof buildModel>;
  before(async () => {
    model = buildModel(config, [dim]);
    const { trainEpoch } = await import('../src/core/training/trainer.js');
    const { modelFamily } = await import('../src/core/models/registry.js');
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 20 });
    const data = makeDataset('bits', [dim], xs);
    for (let epoch = 1, step = 0; epoch <= 8; epoch++) step += (await trainEpoch({ phases, data, batchSize: 20, epoch, seed: 3, startStep: step })).steps;
  });

  it('is at least the ELBO and grows with K on a fixed model; L_1 is the ELBO', () => {
    const [l1, l5, l50] = [1, 5, 50].map((k) => boundStats(model, k, 100));
    assert.ok(l5.mean - l1.mean > 3 * Math.hypot(l5.se, l1.se), `L_5 ${l5.mean.toFixed(3)} ± ${l5.se.toFixed(3)} above L_1 ${l1.mean.toFixed(3)} ± ${l1.se.toFixed(3)}`);
    assert.ok(l50.mean - l5.mean > 3 * Math.hypot(l50.se, l5.se), `L_50 ${l50.mean.toFixed(3)} above L_5 ${l5.mean.toFixed(3)}`);
    // L_1 estimates the ELBO with a Monte Carlo KL; negativeElbo's KL is analytic: equal in expectation.
    let elbo = 0;
    for (let b = 0; b < n / 20; b++) {
      const x = tf.tensor2d(xs.subarray(b * 20 * dim, (b + 1) * 20 * dim), [20, dim]);
      elbo -= values(negativeElbo(model, x, { seed: 500 + b }).terms.loss)[0] / (n / 20);
      x.dispose();
    }
    assert.ok(Math.abs(l1.mean - elbo) < 4 * l1.se + 0.05, `L_1 ${l1.mean.toFixed(3)} ± ${l1.se.toFixed(3)} vs ELBO ${elbo.toFixed(3)}`);
  });

  it('is the bound eval --iw K reports, its terms are consistent, and it has finite gradients', async () => {
    const mine = boundStats(model, 5, 900);
    const evalBound = await importanceWeightedBound(model, makeDataset('bits', [dim], xs), { k: 5, seed: 77, batchSize: 20 });
    assert.ok(Math.abs(evalBound.logLikelihoodBound - mine.mean) < 4 * mine.se + 0.05, `eval --iw 5: ${evalBound.logLikelihoodBound.toFixed(3)} vs ${mine.mean.toFixed(3)} ± ${mine.se.toFixed(3)}`);
    const x = tf.tensor2d(xs.subarray(0, 20 * dim), [20, dim]);
    const { terms } = negativeIwBound(model, x, { seed: 1, k: 5 });
    assert.ok(values(terms.iwLoss)[0] <= values(terms.reconstruction)[0] + values(terms.kl)[0] + 1e-4, 'L_K ≥ the mean of the K single-sample ELBOs');
    const { value, grads } = tf.variableGrads(() => negativeIwBound(model, x, { seed: 1, k: 5, training: true }).total, model.variables());
    assert.ok(Number.isFinite(values(value)[0]));
    for (const [name, g] of Object.entries(grads)) assert.ok(values(g).every(Number.isFinite) && values(tf.abs(g)).some((v) => v > 0), `${name}: a finite, non-zero gradient`);
    assert.throws(() => negativeIwBound(model, x, { seed: 1, k: 0 }), /positive integer/);
    tf.dispose([x, value, ...Object.values(grads)]);
  });

  it('with the doubly reparameterised gradient: the same bound and decoder gradient, the encoder gradient unbiased and far less noisy', () => {
    const x = tf.tensor2d(xs.subarray(0, 20 * dim), [20, dim]);
    const vars = model.variables();
    const gradients = (seed: number, gradient: 'standard' | 'dreg') => {
      const { value, grads } = tf.variableGrads(() => negativeIwBound(model, x, { seed, k: 5, training: true, gradient }).total, vars);
      const out = { value: values(value)[0], grads: Object.fromEntries(vars.map((v) => [v.name, values(grads[v.name])])) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const before = tf.memory().numTensors;
    const [standard, dreg] = [gradients(1, 'standard'), gradients(1, 'dreg')];
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind by a step');
    assert.equal(dreg.value, standard.value, 'the same bound');
    const encoder = vars.map((v) => v.name).filter((n) => n.startsWith('encoder'));
    const decoder = vars.map((v) => v.name).filter((n) => n.startsWith('decoder'));
    assert.ok(encoder.length > 0 && decoder.length > 0);
    for (const name of decoder) assert.deepEqual(dreg.grads[name], standard.grads[name], `${name}: the decoder's gradient is the bound's own`);
    for (const name of encoder) assert.notDeepEqual(dreg.grads[name], standard.grads[name], `${name}: the encoder's gradient is estimated differently`);
    // Over many draws of ε the two encoder gradients have the same mean (each entry's squared difference of
    // means over its standard error, averaged: about 1 or below when they agree; 20–60 for the biased
    // estimator that leaves out the second weighting) and the doubly reparameterised one a small variance.
    const draws = 200;
    const moments = (gradient: 'standard' | 'dreg') => {
      const sum = Object.fromEntries(encoder.map((n) => [n, new Float64Array(standard.grads[n].length)]));
      const sq = Object.fromEntries(encoder.map((n) => [n, new Float64Array(standard.grads[n].length)]));
      for (let d = 0; d < draws; d++) {
        const { grads } = gradients(1000 + d, gradient);
        for (const n of encoder) grads[n].forEach((g, i) => { sum[n][i] += g; sq[n][i] += g * g; });
      }
      return { sum, sq };
    };
    const [a, b] = [moments('standard'), moments('dreg')];
    for (const n of encoder) {
      let chi = 0, varA = 0, varB = 0, entries = 0;
      a.sum[n].forEach((_, i) => {
        const [ma, mb] = [a.sum[n][i] / draws, b.sum[n][i] / draws];
        const [va, vb] = [a.sq[n][i] / draws - ma * ma, b.sq[n][i] / draws - mb * mb];
        varA += va;
        varB += vb;
        if (va + vb <= 0) return; // a weight of an input that is 0 in every example: no gradient either way
        chi += (ma - mb) ** 2 / ((va + vb) / draws);
        entries++;
      });
      assert.ok(entries > 0);
      chi /= entries;
      assert.ok(chi < 2, `${n}: the means differ by ${Math.sqrt(chi).toFixed(2)} standard errors on average`);
      assert.ok(varB < 0.2 * varA, `${n}: variance ${varB.toExponential(2)} against the standard estimator's ${varA.toExponential(2)}`);
    }
    x.dispose();
  });

  it('is refused with β ≠ 1 or a KL warm-up, and only a VAE has an objective', () => {
    assert.throws(() => resolveConfig({ objective: { kind: 'iwae' }, train: { beta: 2 } }), /no KL term to weight/);
    assert.throws(() => resolveConfig({ objective: { kind: 'iwae' }, train: { klWarmupEpochs: 1 } }), /no KL term to weight/);
    assert.throws(() => resolveConfig({ model: 'aae', objective: { kind: 'iwae' } } as never));
    assert.equal((resolveConfig({ objective: { kind: 'iwae' } }) as { objective: { k: number } }).objective.k, 50);
    // Absent, not defaulted: a run's config.json from before the field resolves to the same config (and digest).
    assert.equal('gradient' in (resolveConfig({ objective: { kind: 'iwae' } }) as { objective: object }).objective, false);
    assert.throws(() => resolveConfig({ objective: { kind: 'iwae', gradient: 'dreg' }, latentLayers: [{ size: 8 }] }), /one stochastic layer/);
    assert.throws(() => resolveConfig({ objective: { kind: 'elbo', gradient: 'dreg' } } as never));
  });
});

describe('the test set binarised once (eval --binarize)', () => {
  it('draws each value from Bernoulli(intensity), the same draws every time, in the data\'s shape', async () => {
    const { binarizedOnce } = await import('../src/core/data/dataset.js');
    const n = 2000, dim = 50;
    const x = Float32Array.from({ length: n * dim }, (_, i) => (i % dim) / (dim - 1));
    const data = makeDataset('ramp', [dim], x);
    const a = binarizedOnce(data), b = binarizedOnce(data), c = binarizedOnce(data, 5);
    assert.ok(a.x.every((v) => v === 0 || v === 1));
    assert.deepEqual(a.x, b.x);
    assert.notDeepEqual(a.x, c.x);
    assert.deepEqual(a.shape, [dim]);
    for (const j of [0, 10, 25, 49]) {
      let ones = 0;
      for (let i = 0; i < n; i++) ones += a.x[i * dim + j];
      const p = j / (dim - 1);
      assert.ok(Math.abs(ones / n - p) <= 4 * Math.sqrt(p * (1 - p) / n) + 1e-9, `column ${j}: ${ones / n} ones, intensity ${p}`);
    }
  });
});

describe('two stochastic layers', () => {
  it('the importance-weighted bound with K = 5000 reaches log p(x) computed by integrating over both layers', async () => {
    // x (3 binary values) ← z₁ (1-D) ← z₂ (1-D): log p(x) = log ∫∫ p(x|z₁) p(z₁|z₂) p(z₂) on a grid, in float64.
    const config = resolveConfig({ latentDim: 1, latentLayers: [{ size: 1, hidden: [4] }], encoder: { hidden: [4] }, decoder: { hidden: [4] }, seed: 7 });
    const model = buildModel(config, [3]);
    assert.ok(model.sampleJoint, 'a model with stacked layers samples them jointly');
    const grid = (lo: number, hi: number, step: number) => Float32Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
    const [g2, g1] = [grid(-7, 7, 0.02), grid(-12, 12, 0.02)];
    const down = model.nets.decoder1.predict(tf.tensor2d(g2, [g2.length, 1])) as tf.Tensor[];
    const [mu, lv] = down.map((t) => values(t));
    const logits = values(model.nets.decoder.predict(tf.tensor2d(g1, [g1.length, 1])) as tf.Tensor);
    const xs = [[0, 0, 0], [1, 0, 1], [1, 1, 1], [0, 1, 0]];
    const exact = xs.map((x) => {
      const logPx1 = Array.from(g1, (_, j) => x.reduce((s, xi, d) => { const l = logits[j * 3 + d]; return s + xi * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)))); }, 0));
      let max = -Infinity;
      const terms: number[] = [];
      g2.forEach((z2, i) => {
        const logPz2 = -0.5 * (Math.log(2 * Math.PI) + z2 * z2);
        g1.forEach((z1, j) => {
          const t = logPz2 - 0.5 * (Math.log(2 * Math.PI) + lv[i] + (z1 - mu[i]) ** 2 / Math.exp(lv[i])) + logPx1[j];
          terms.push(t);
          if (t > max) max = t;
        });
      });
      return max + Math.log(terms.reduce((a, t) => a + Math.exp(t - max), 0)) + Math.log(0.02 * 0.02);
    });
    const data = makeDataset('bits', [3], Float32Array.from(xs.flat()));
    const iw = await importanceWeightedBound(model, data, { k: 5000, seed: 3, batchSize: 4 });
    const mean = exact.reduce((a, v) => a + v, 0) / xs.length;
    assert.ok(iw.logLikelihoodBound <= mean + 0.02, `L_5000 ${iw.logLikelihoodBound.toFixed(4)} is a lower bound on ${mean.toFixed(4)}`);
    assert.ok(mean - iw.logLikelihoodBound < 0.05, `L_5000 ${iw.logLikelihoodBound.toFixed(4)} within 0.05 nats of log p(x) ${mean.toFixed(4)}`);
    let elbo = 0;
    for (let seed = 0; seed < 200; seed++) elbo -= values(negativeElbo(model, tf.tensor2d(xs), { seed }).terms.loss)[0] / 200;
    assert.ok(elbo < iw.logLikelihoodBound - 0.01, `the ELBO ${elbo.toFixed(3)} (200 draws) is below L_5000 ${iw.logLikelihoodBound.toFixed(3)}`);
    model.dispose();
  });
});

describe('likelihoods', () => {
  it('a Gaussian with fixed variance has the closed-form log-density', () => {
    const p = likelihoodFromOutputs({ kind: 'gaussian', variance: 0.5 }, [tf.tensor2d([[0.2, 0.8]])]);
    const got = values(p.logProb(tf.tensor2d([[0, 1]])))[0];
    const want = [[0, 0.2], [1, 0.8]].reduce((s, [x, m]) => s - 0.5 * (Math.log(2 * Math.PI * 0.5) + (x - m) ** 2 / 0.5), 0);
    assert.ok(Math.abs(got - want) < 1e-5);
  });

  it('a learned Gaussian variance is bounded below softly', () => {
    const p = likelihoodFromOutputs({ kind: 'gaussian', variance: 'learned' }, [tf.zeros([1, 3]), tf.tensor2d([[-1000, 0, 5]])]) as DiagNormal;
    const lv = values(p.logVar);
    assert.ok(Math.abs(lv[0] - MIN_LOG_VARIANCE) < 1e-4, `${lv[0]}`);
    assert.ok(Math.abs(lv[1] - (Math.log1p(Math.exp(6)) - 6)) < 1e-4);
    assert.ok(lv[2] > 4.9 && lv[2] < 5.01);
  });
});

describe('schedules', () => {
  it('linear KL warm-up grows β from 0 and then holds it', () => {
    const beta = linearWarmup(2, 100);
    assert.deepEqual([0, 50, 100, 1000].map(beta), [0, 1, 2, 2]);
    assert.equal(linearWarmup(0.5, 0)(0), 0.5);
  });
});
