// `latentlab reproduce aae` states for each row the `latentlab train` command
// that reproduces it: that command must give exactly the config the row trains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scheduledLearningRate, withLearningRateDrop } from '../src/core/config/lr-drop.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { configOf } from '../src/core/config/schema.js';
import { configFromFlags, trainCommand, type TrainFlags } from '../src/node/cli/train.js';
import { readPreset } from '../src/node/presets.js';
import { reproducePlan, reproduceSeconds, timeAxisUnit } from '../src/node/reproduce.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeRun, makeTempDir, runCli } from './helpers/cli.js';

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

describe('reproduce vae', () => {
  it('every row\'s stated command gives the config it trains; --quick is small; --epochs replaces the budgets', () => {
    const plan = reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1 });
    assert.deepEqual(plan.map((r) => configOf(r.config, 'vae').objective.kind), ['elbo', 'iwae', 'elbo', 'iwae']);
    assert.deepEqual(plan.map((r) => r.config.prior.kind), ['standard-normal', 'standard-normal', 'vamp', 'standard-normal']);
    assert.deepEqual(plan.map((r) => configOf(r.config, 'vae').latentLayers.length), [0, 0, 0, 1]);
    for (const row of plan) {
      assert.ok(row.config.train.epochs > 10, `${row.name}: an hour's budget, ${row.config.train.epochs} epochs`);
      assert.deepEqual(configFromFlags(parseTrainFlags(row.flags)), row.config, `${row.name}: latentlab train ${row.flags}`);
    }
    for (const row of reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: true, seed: 2 })) {
      assert.equal(row.config.train.epochs, 2);
      assert.equal(row.config.data.trainLimit, 5000);
      assert.equal(row.config.seed, 2);
    }
    assert.ok(reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1, epochs: 3 }).every((r) => r.config.train.epochs === 3));
  });

  it('--hours scales every row\'s budget of epochs; it is refused beside --epochs or --quick, and past its limit', () => {
    const base = reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1 });
    const four = reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1, hours: 4 });
    const half = reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1, hours: 0.5 });
    for (const [i, row] of base.entries()) {
      const n = row.config.train.epochs;
      assert.ok(Math.abs(four[i].config.train.epochs - 4 * n) <= 2, `${row.name}: ${four[i].config.train.epochs} against 4 × ${n}`);
      assert.ok(Math.abs(half[i].config.train.epochs - n / 2) <= 1, `${row.name}: ${half[i].config.train.epochs} against ${n} / 2`);
      assert.ok(four[i].flags.includes(`--epochs ${four[i].config.train.epochs} --lr-drop `), four[i].flags);
    }
    assert.ok(reproduceSeconds({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1, hours: 4 }) > 4 * 4 * 3600 * 0.95);
    for (const args of [['--hours', '2', '--epochs', '3'], ['--hours', '2', '--quick'], ['--hours', '0'], ['--hours', '201'], ['--hours', 'four']]) {
      const r = runCli(['reproduce', 'vae', ...args, '--out', 'unused-never-written']);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, /--hours/, describeRun(r));
      assert.ok(!existsSync('unused-never-written'));
    }
  });

  it('every row trains its last tenth at a tenth of its preset\'s rate (the schedule kept before it), whatever its epochs', () => {
    const presets = ['iwae-mnist', 'iwae-finetune', 'vamp-mnist', 'iwae2-mnist'].map((name) => resolveConfig(readPreset(name) as object).train.optimizer);
    for (const epochs of [undefined, 40, 600]) {
      for (const [i, row] of reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: false, seed: 1, epochs }).entries()) {
        const n = row.config.train.epochs;
        const drop = n - Math.round(n / 10) + 1;
        assert.equal(row.lrDrop, drop, `${row.name}, ${n} epochs`);
        assert.ok(row.flags.includes(`--lr-drop ${drop}`), row.flags);
        for (let e = 1; e <= n; e++) {
          const want = scheduledLearningRate(presets[i], e) * (e >= drop ? 0.1 : 1);
          const got = scheduledLearningRate(row.config.train.optimizer, e);
          assert.ok(Math.abs(got - want) <= 1e-12 * want, `${row.name}, epoch ${e} of ${n}: ${got} against ${want}`);
        }
      }
    }
    // Two epochs (--quick): no room for a drop.
    for (const row of reproducePlan({ paper: 'vae', dir: 'unused', backend: 'cpu', quick: true, seed: 1 })) assert.equal(row.lrDrop, undefined, row.name);
  });

  it('the learning curves\' time axis is in a unit that fits the runs (a quick run is not 2e-4 hours)', () => {
    assert.deepEqual(timeAxisUnit(40), { unit: 'seconds', seconds: 1 });
    assert.deepEqual(timeAxisUnit(119.9), { unit: 'seconds', seconds: 1 });
    assert.deepEqual(timeAxisUnit(120), { unit: 'minutes', seconds: 60 });
    assert.deepEqual(timeAxisUnit(3 * 3600), { unit: 'hours', seconds: 3600 });
    assert.deepEqual(timeAxisUnit(0), { unit: 'seconds', seconds: 1 });
  });

  it('--quick trains its four runs, bounds them and writes the table', () => {
    const { dir, remove } = makeTempDir('latentlab-reproduce-');
    try {
      const r = runCli(['reproduce', 'vae', '--quick', '--out', dir, '-q'], { timeoutMs: 300_000 });
      assert.equal(r.status, 0, describeRun(r));
      const [folder] = readdirSync(dir);
      const table = JSON.parse(readFileSync(path.join(dir, folder, 'table.json'), 'utf8')) as { paper: string; rows: { ours: string; run: string; paper: string }[] };
      assert.equal(table.paper, 'vae');
      assert.equal(table.rows.length, 4);
      for (const row of table.rows) {
        const nll = Number.parseFloat(row.ours);
        assert.ok(nll > 50 && nll < 560, `a bound in nats per image: ${row.ours}`);
        assert.ok(existsSync(path.join(dir, folder, row.run, 'metrics.jsonl')), `${row.run}: a run folder`);
      }
      // The IWAE row went on from the ELBO row's trained nets (its manifest's initFrom).
      const manifest = JSON.parse(readFileSync(path.join(dir, folder, table.rows[1].run, 'manifest.json'), 'utf8')) as { initFrom?: { run: string; epoch: number } };
      assert.equal(manifest.initFrom?.run, path.join(dir, folder, table.rows[0].run));
      assert.equal(manifest.initFrom?.epoch, 2);
      assert.ok(existsSync(path.join(dir, folder, 'curves.png')), 'the learning curves');
      assert.match(readFileSync(path.join(dir, folder, 'table.md'), 'utf8'), /86\.76[\s\S]*84\.78[\s\S]*85\.57[\s\S]*82\.90/);
    } finally {
      remove();
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

  it('scales an existing schedule from the epoch on: the rate then in effect, and every later entry', () => {
    const schedule = [{ fromEpoch: 5, learningRate: 5e-4 }, { fromEpoch: 14, learningRate: 2e-4 }, { fromEpoch: 41, learningRate: 1e-4 }];
    const base = resolveConfig({ train: { optimizer: { learningRate: 1e-3, schedule } } });
    type Entry = { readonly fromEpoch: number; readonly learningRate: number };
    const close = (got: readonly Entry[], want: readonly Entry[]) => {
      assert.deepEqual(got.map((s) => s.fromEpoch), want.map((s) => s.fromEpoch));
      got.forEach((s, i) => assert.ok(Math.abs(s.learningRate - want[i].learningRate) < 1e-15, `${s.learningRate} at ${s.fromEpoch}`));
    };
    // Between two entries: the first stays, the rate in effect (5e-4) drops to 5e-5, the later ones are a tenth.
    close(withLearningRateDrop(base, 10).train.optimizer.schedule, [{ fromEpoch: 5, learningRate: 5e-4 }, { fromEpoch: 10, learningRate: 5e-5 }, { fromEpoch: 14, learningRate: 2e-5 }, { fromEpoch: 41, learningRate: 1e-5 }]);
    // On an entry: it is replaced by its tenth; after the last: one entry more; before the first: every entry scaled.
    close(withLearningRateDrop(base, 14).train.optimizer.schedule, [{ fromEpoch: 5, learningRate: 5e-4 }, { fromEpoch: 14, learningRate: 2e-5 }, { fromEpoch: 41, learningRate: 1e-5 }]);
    close(withLearningRateDrop(base, 96).train.optimizer.schedule, [...schedule, { fromEpoch: 96, learningRate: 1e-5 }]);
    close(withLearningRateDrop(base, 2).train.optimizer.schedule, [{ fromEpoch: 2, learningRate: 1e-4 }, { fromEpoch: 5, learningRate: 5e-5 }, { fromEpoch: 14, learningRate: 2e-5 }, { fromEpoch: 41, learningRate: 1e-5 }]);
    // Two drops compose (a run resumed with --lr-drop twice).
    const twice = withLearningRateDrop(withLearningRateDrop(resolveConfig({}), 10), 20).train.optimizer;
    assert.deepEqual([1, 9, 10, 19, 20, 500].map((e) => scheduledLearningRate(twice, e) / 1e-3).map((r) => Number(r.toPrecision(6))), [1, 1, 0.1, 0.1, 0.01, 0.01]);
  });

  it('refuses epoch 1 and fractions', () => {
    assert.throws(() => withLearningRateDrop(resolveConfig({}), 1), /epoch 2 or later/);
    assert.throws(() => withLearningRateDrop(resolveConfig({}), 2.5), /epoch 2 or later/);
  });
});
