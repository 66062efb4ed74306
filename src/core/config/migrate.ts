/**
 * Configs written by earlier versions of LatentLab, brought to today's
 * schema before validation, so that every existing run folder, preset and
 * config file keeps loading (and a resumed run keeps training as it did).
 *
 * - `adversarial.discriminatorLearningRate`, `generatorLearningRate` and
 *   `beta1` (one Adam for each regularisation phase, with train.optimizer's
 *   β₂ and ε) → `adversarial.discriminatorOptimizer` / `generatorOptimizer`.
 *   A config that names none of them keeps today's defaults; one that names
 *   some gets the old defaults for the rest (1e-3, 1e-3, 0.5; one
 *   discriminator step; a separate generator phase), as it did.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

const LEGACY_ADVERSARIAL = ['discriminatorLearningRate', 'generatorLearningRate', 'beta1'] as const;

function migrateAdversarial(adversarial: Json, train: unknown): Json {
  if (!LEGACY_ADVERSARIAL.some((k) => k in adversarial)) return adversarial;
  const { discriminatorLearningRate = 1e-3, generatorLearningRate = 1e-3, beta1 = 0.5, ...rest } = adversarial;
  const base = isObject(train) && isObject(train.optimizer) ? train.optimizer : {};
  const adam = (learningRate: unknown) => ({
    kind: 'adam', learningRate, beta1,
    ...('beta2' in base ? { beta2: base.beta2 } : {}),
    ...('epsilon' in base ? { epsilon: base.epsilon } : {}),
  });
  return {
    ...rest,
    discriminatorOptimizer: rest.discriminatorOptimizer ?? adam(discriminatorLearningRate),
    generatorOptimizer: rest.generatorOptimizer ?? adam(generatorLearningRate),
    // The old defaults: one discriminator step per batch, a generator phase of its own.
    discriminatorSteps: rest.discriminatorSteps ?? 1,
    generator: rest.generator ?? 'separate',
  };
}

/** `input` in today's layout (a copy where anything changed; anything unrecognised is left for validation to report). */
export function migrateConfig(input: unknown): unknown {
  if (!isObject(input)) return input;
  if (!isObject(input.adversarial)) return input;
  return { ...input, adversarial: migrateAdversarial(input.adversarial, input.train) };
}
