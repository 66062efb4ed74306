/**
 * A step decay for every optimizer of a config: from epoch `fromEpoch` on,
 * each phase's learning rate is its rate × `factor` (0.1 by default), on top
 * of any schedule it has; and the rate a spec's schedule gives in an epoch. The
 * semi-supervised AAE's recipe uses it (README, "Semi-supervised and clustering AAEs"):
 * after the error stalls at Adam 1e-3, a tenth of every rate lowers it.
 */
import { mergeConfig, resolveConfig } from './resolve.js';
import { isAdversarialConfig, type Config, type OptimizerSpec } from './schema.js';

/** The learning rate a spec gives in `epoch` (1-based): the last schedule entry that has started, else the spec's own. */
export function scheduledLearningRate(spec: OptimizerSpec, epoch: number): number {
  let rate = spec.learningRate;
  let from = 0;
  for (const step of spec.schedule) {
    if (step.fromEpoch <= epoch && step.fromEpoch >= from) [rate, from] = [step.learningRate, step.fromEpoch];
  }
  return rate;
}

/** The config's optimizers by path (the model's, the discriminator's and generator's, the classifier's). */
function optimizers(config: Config): { path: string[]; spec: OptimizerSpec }[] {
  const out = [{ path: ['train', 'optimizer'], spec: config.train.optimizer }];
  if (isAdversarialConfig(config)) {
    out.push({ path: ['adversarial', 'discriminatorOptimizer'], spec: config.adversarial.discriminatorOptimizer });
    out.push({ path: ['adversarial', 'generatorOptimizer'], spec: config.adversarial.generatorOptimizer });
  }
  if (config.model === 'semi-supervised-aae') out.push({ path: ['categorical', 'classifierOptimizer'], spec: config.categorical.classifierOptimizer });
  return out;
}

/** `config` with each optimizer's schedule replaced by `schedule(spec)`; `what` names the change in a validation error. */
function withSchedules(config: Config, schedule: (spec: OptimizerSpec) => OptimizerSpec['schedule'], what: string): Config {
  let override: Record<string, unknown> = {};
  for (const { path, spec } of optimizers(config)) {
    override = mergeConfig(override, path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), { schedule: schedule(spec) })) as Record<string, unknown>;
  }
  return resolveConfig(mergeConfig(config, override), what);
}

/**
 * `config` with every optimizer at its own learning rate throughout: the
 * schedules a preset or config file brought are dropped (`train
 * --constant-lr`; a `--lr-drop` given with it applies after).
 */
export function withoutSchedules(config: Config): Config {
  return withSchedules(config, () => [], 'constant learning rate');
}

/**
 * `config` with every optimizer's rate × `factor` from epoch `fromEpoch` (≥ 2)
 * on. An optimizer with a schedule keeps it, scaled from there: its entries
 * before `fromEpoch` stay, a new entry at `fromEpoch` holds the rate then in
 * effect × `factor`, and later entries are scaled too (a run stalled on the
 * IWAE paper's schedule goes on at a tenth of wherever the schedule is).
 */
export function withLearningRateDrop(config: Config, fromEpoch: number, factor = 0.1): Config {
  if (!Number.isInteger(fromEpoch) || fromEpoch < 2) throw new RangeError(`the learning-rate drop must start at epoch 2 or later, got ${fromEpoch}`);
  // To 12 digits, so config.json says 5.17947e-05, not 5.179470000000001e-05.
  const scaled = (rate: number) => Number((rate * factor).toPrecision(12));
  return withSchedules(config, (spec) => [
    ...spec.schedule.filter((s) => s.fromEpoch < fromEpoch),
    { fromEpoch, learningRate: scaled(scheduledLearningRate(spec, fromEpoch)) },
    ...spec.schedule.filter((s) => s.fromEpoch > fromEpoch).map((s) => ({ ...s, learningRate: scaled(s.learningRate) })),
  ], 'learning-rate drop');
}
