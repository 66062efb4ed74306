/**
 * A step decay for every optimizer of a config: from epoch `fromEpoch` on,
 * each phase's learning rate is its rate × `factor` (0.1 by default). The
 * semi-supervised AAE's recipe uses it (README, "Semi-supervised and clustering AAEs"):
 * after the error stalls at Adam 1e-3, a tenth of every rate lowers it.
 */
import { mergeConfig, resolveConfig } from './resolve.js';
import { isAdversarialConfig, type Config, type OptimizerSpec } from './schema.js';

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

/**
 * `config` with every optimizer's rate × `factor` from epoch `fromEpoch` (≥ 2) on.
 * Throws when an optimizer already has a schedule (say which one to keep).
 */
export function withLearningRateDrop(config: Config, fromEpoch: number, factor = 0.1): Config {
  if (!Number.isInteger(fromEpoch) || fromEpoch < 2) throw new RangeError(`the learning-rate drop must start at epoch 2 or later, got ${fromEpoch}`);
  let override: Record<string, unknown> = {};
  for (const { path, spec } of optimizers(config)) {
    if (spec.schedule.length) throw new RangeError(`${path.join('.')} already has a learning-rate schedule; set the drop there instead`);
    const leaf = { schedule: [{ fromEpoch, learningRate: spec.learningRate * factor }] };
    override = mergeConfig(override, path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf)) as Record<string, unknown>;
  }
  return resolveConfig(mergeConfig(config, override), 'learning-rate drop');
}
