// SGD with momentum against its closed form, learning-rate schedules, optimizer
// state per slot (save → load, wrong optimizer), and earlier configs' AAE
// optimizer keys migrated.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { configOf } from '../src/core/config/schema.js';
import { configFromFlags } from '../src/node/cli/train.js';
import { optimizerStateFromFiles, optimizerStateToFiles } from '../src/core/io/layers-io.js';
import { createOptimizer, scheduledLearningRate } from '../src/core/training/optimizers.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);

const sgd = (extra: object = {}) => resolveConfig({ train: { optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.5, ...extra } } }).train.optimizer;

describe('SGD with momentum', () => {
  for (const nesterov of [false, true]) {
    it(`follows v ← μv + g, w ← w − α·${nesterov ? '(g + μv)' : 'v'} step for step`, () => {
      const w = tf.variable(tf.tensor1d([1, -2]));
      const opt = createOptimizer(sgd({ nesterov }), [w]);
      const grads = [[0.5, 1], [-1, 2], [0.25, -0.5]];
      let expected = [1, -2];
      let v = [0, 0];
      for (const g of grads) {
        v = v.map((vi, i) => 0.5 * vi + g[i]);
        expected = expected.map((wi, i) => wi - 0.1 * (nesterov ? g[i] + 0.5 * v[i] : v[i]));
        opt.apply([tf.tensor1d(g)]);
      }
      values(w).forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6, `${x} vs ${expected[i]}`));
    });
  }

  it('matches tf.train.momentum on a quartic', () => {
    const init = tf.randomNormal([5, 3], 0, 1, 'float32', 7);
    const target = tf.randomNormal([5, 3], 0, 1, 'float32', 8);
    const ours = tf.variable(init.clone());
    const theirs = tf.variable(init.clone());
    const opt = createOptimizer(sgd({ learningRate: 0.01, momentum: 0.9 }), [ours]);
    const reference = tf.train.momentum(0.01, 0.9);
    const loss = (v: tf.Variable) => () => tf.sum(tf.pow(tf.sub(v, target), 4)) as tf.Scalar;
    for (let i = 0; i < 20; i++) {
      const { grads } = tf.variableGrads(loss(ours), [ours]);
      opt.apply([grads[ours.name]]);
      reference.minimize(loss(theirs), false, [theirs]);
    }
    const b = values(theirs);
    values(ours).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `${v} vs ${b[i]}`));
  });

  it('restores its velocity: continuing equals never stopping', async () => {
    const grad = tf.tensor1d([0.5, -1, 2]);
    const a = tf.variable(tf.tensor1d([1, -2, 3]));
    const optA = createOptimizer(sgd(), [a]);
    for (let i = 0; i < 4; i++) optA.apply([grad]);
    const b = tf.variable(tf.tensor1d([1, -2, 3]));
    const optB = createOptimizer(sgd(), [b]);
    optB.apply([grad]);
    optB.apply([grad]);
    const files = await optimizerStateToFiles(optB.getState());
    const c = tf.variable(b.clone());
    const optC = createOptimizer(sgd(), [c]);
    optC.setState(optimizerStateFromFiles(files['optimizer.json'] as string, files['optimizer.bin'] as Uint8Array));
    optC.apply([grad]);
    optC.apply([grad]);
    assert.deepEqual(values(c), values(a));
  });

  it("refuses another optimizer's state, saying which", async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const adam = createOptimizer(resolveConfig({}).train.optimizer, [w]);
    adam.apply([tf.tensor1d([1, 1])]);
    const files = await optimizerStateToFiles(adam.getState());
    const state = optimizerStateFromFiles(files['optimizer.json'] as string, files['optimizer.bin'] as Uint8Array);
    assert.throws(() => createOptimizer(sgd(), [w]).setState(state), /holds m, v .* SGD keeps velocity/);
  });
});

describe('learning-rate schedules', () => {
  it('are piecewise constant by epoch, in any order', () => {
    const spec = sgd({ learningRate: 0.01, schedule: [{ fromEpoch: 1001, learningRate: 1e-4 }, { fromEpoch: 51, learningRate: 1e-3 }] });
    assert.deepEqual([1, 50, 51, 1000, 1001, 5000].map((e) => scheduledLearningRate(spec, e)), [0.01, 0.01, 1e-3, 1e-3, 1e-4, 1e-4]);
  });

  it('the optimizer steps with the rate of the epoch it is given', () => {
    const w = tf.variable(tf.tensor1d([0]));
    const opt = createOptimizer(sgd({ momentum: 0, learningRate: 1, schedule: [{ fromEpoch: 2, learningRate: 0.5 }] }), [w]);
    opt.apply([tf.tensor1d([1])], 1);
    opt.apply([tf.tensor1d([1])], 2);
    assert.deepEqual(values(w), [-1.5]);
  });
});

describe('AAE optimizer settings', () => {
  it('earlier configs (one learning rate per regularisation phase, one β₁) load as the Adams they meant', () => {
    const c = configOf(resolveConfig({
      model: 'aae', train: { optimizer: { kind: 'adam', beta2: 0.99, epsilon: 1e-7 } },
      adversarial: { discriminatorLearningRate: 3e-4, generatorLearningRate: 5e-4, beta1: 0.6 },
    }), 'aae');
    assert.deepEqual(c.adversarial.discriminatorOptimizer, { kind: 'adam', learningRate: 3e-4, beta1: 0.6, beta2: 0.99, epsilon: 1e-7, schedule: [] });
    assert.equal(c.adversarial.generatorOptimizer.learningRate, 5e-4);
    assert.equal(c.adversarial.discriminatorSteps, 1, 'the old default step count');
  });

  it('a resolved config round-trips unchanged (a new run folder reloads as written)', () => {
    const c = resolveConfig({ model: 'aae', adversarial: { generatorOptimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.1 } } });
    assert.deepEqual(resolveConfig(JSON.parse(JSON.stringify(c))), c);
  });

  it('--discriminator-lr and --generator-lr change only the rate of the optimizer the defaults or the preset give', () => {
    const c = configOf(configFromFlags({ model: 'aae', discriminatorLr: 3e-4, generatorLr: 1e-4, backend: 'auto', out: 'runs' }), 'aae');
    assert.deepEqual(c.adversarial.discriminatorOptimizer, { kind: 'adam', learningRate: 3e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, schedule: [] });
    assert.equal(c.adversarial.generator, 'separate', 'a generator rate asks for a generator phase');
    const paper = configOf(configFromFlags({ preset: 'aae-paper', discriminatorLr: 0.05, backend: 'auto', out: 'runs' }), 'aae');
    assert.equal(paper.adversarial.discriminatorOptimizer.kind, 'sgd');
    assert.equal(paper.adversarial.discriminatorOptimizer.learningRate, 0.05);
    assert.equal(paper.adversarial.discriminatorOptimizer.schedule.length, 2);
  });

  it('names the field of a bad per-phase optimizer', () => {
    assert.throws(() => resolveConfig({ model: 'aae', adversarial: { discriminatorOptimizer: { kind: 'sgd', beta1: 0.5 } } }), /unknown key "beta1" in adversarial\.discriminatorOptimizer/);
  });
});

describe('memory', () => {
  before(async () => {
    await setupBackend();
  });

  it('every family\'s model, its optimizers (Adam, SGD) and the latent metrics leave no tensor behind once disposed', async () => {
    const { buildModel, modelFamily } = await import('../src/core/models/registry.js');
    const { twoSampleAccuracy } = await import('../src/core/metrics/separability.js');
    const { mmd } = await import('../src/core/metrics/mmd.js');
    const before = tf.memory().numTensors;
    for (const config of [
      resolveConfig({ latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] } }),
      resolveConfig({ model: 'aae', latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] }, prior: { kind: 'gaussian-mixture', components: 3 } }),
      resolveConfig({ model: 'wae', latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] }, prior: { kind: 'gaussian-mixture', components: 3 } }),
      resolveConfig({ model: 'aae', latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] },
        train: { optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9 } } }),
    ]) {
      const model = buildModel(config, [4, 4]);
      const weights = model.variables().length;
      const phases = modelFamily(config).phases(model, { stepsPerEpoch: 3 });
      const optimizers = [...new Set(phases.map((p) => p.optimizer))];
      const slots = optimizers.reduce((n, o) => n + o.variables.length * (o.spec.kind === 'adam' ? 2 : 1), 0);
      // The optimizers hold their slots and nothing else (a zeros tensor per slot once outlived its variable).
      assert.equal(tf.memory().numTensors - before, weights + slots, `${config.model}: tensors for ${weights} weights and ${slots} optimizer slots`);
      for (const o of optimizers) o.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, before, `${config.model} with ${config.train.optimizer.kind}: tensors left after dispose`);
    }
    const [a, b] = [Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)), Float32Array.from({ length: 200 }, (_, i) => Math.cos(i))];
    await twoSampleAccuracy(a, b, 2, { steps: 5 });
    const [x, y] = [tf.tensor2d(a, [100, 2]), tf.tensor2d(b, [100, 2])];
    await mmd(x, y);
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, before, 'the two-sample classifier or MMD left tensors');
  });
});
