import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { DiagNormal } from '../src/core/distributions/index.js';
import { likelihoodFromOutputs, MIN_LOG_VARIANCE } from '../src/core/models/likelihood.js';
import { buildModel } from '../src/core/models/registry.js';
import { negativeElbo } from '../src/core/objectives/elbo.js';
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
