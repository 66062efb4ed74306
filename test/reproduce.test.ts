// `latentlab reproduce aae` states for each row the `latentlab train` command
// that reproduces it: that command must give exactly the config the row trains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLearningRateDrop } from '../src/core/config/lr-drop.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { configOf } from '../src/core/config/schema.js';
import { configFromFlags, trainCommand, type TrainFlags } from '../src/node/cli/train.js';
import { reproducePlan } from '../src/node/reproduce.js';

/** The flags `latentlab train ARGS` parses to (the command's action replaced, nothing trains). */
function parseTrainFlags(args: string): TrainFlags {
  let flags: TrainFlags | undefined;
  const command = trainCommand().exitOverride().action((f: TrainFlags) => { flags = f; });
  command.parse(args.split(/\s+/).filter(Boolean), { from: 'user' });
  return flags!;
}

describe('reproduce aae', () => {
  for (const quick of [false, true]) {
    it(`${quick ? '--quick: every' : 'every'} row's config resolves${quick ? '' : ', and its stated command gives that config'}`, () => {
      const plan = reproducePlan({ dir: 'unused', backend: 'cpu', quick, seed: 1 });
      assert.equal(plan.length, 5);
      for (const row of plan) {
        if (quick) {
          assert.equal(row.config.train.epochs, 1, row.name);
          continue;
        }
        assert.deepEqual(configFromFlags(parseTrainFlags(row.flags)), row.config, `${row.name}: latentlab train ${row.flags}`);
      }
    });
  }

  it('--epochs replaces every budget; a drop beyond it is left out', () => {
    for (const row of reproducePlan({ dir: 'unused', backend: 'cpu', quick: false, seed: 1, epochs: 3 })) {
      assert.equal(row.config.train.epochs, 3);
      assert.ok(!row.flags.includes('--lr-drop'), row.flags);
    }
  });
});

describe('learning-rate drop', () => {
  it('gives every optimizer of the model a tenth of its rate from the epoch on', () => {
    const c = configOf(withLearningRateDrop(resolveConfig({ model: 'semi-supervised-aae', train: { optimizer: { learningRate: 2e-3 } } }), 15), 'semi-supervised-aae');
    assert.deepEqual(c.train.optimizer.schedule, [{ fromEpoch: 15, learningRate: 2e-4 }]);
    assert.deepEqual(c.adversarial.discriminatorOptimizer.schedule, [{ fromEpoch: 15, learningRate: 2e-5 }]);
    assert.deepEqual(c.categorical.classifierOptimizer.schedule, [{ fromEpoch: 15, learningRate: 1e-4 }]);
    assert.equal(c.train.optimizer.learningRate, 2e-3, 'the rate before the drop is unchanged');
    assert.deepEqual(withLearningRateDrop(resolveConfig({}), 3).train.optimizer.schedule, [{ fromEpoch: 3, learningRate: 1e-4 }], 'a vae has one optimizer');
  });

  it('refuses an optimizer that already has a schedule, and epoch 1', () => {
    assert.throws(() => withLearningRateDrop(resolveConfig({ train: { optimizer: { schedule: [{ fromEpoch: 5, learningRate: 1e-4 }] } } }), 10), /train\.optimizer already has a learning-rate schedule/);
    assert.throws(() => withLearningRateDrop(resolveConfig({}), 1), /epoch 2 or later/);
  });
});
