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
 * - Stored configs (a run folder's config.json, `{ stored: true }`) from
 *   before each model owned its slices held every slice, filled with
 *   defaults: the slices and fields the model does not have are dropped
 *   (they never had an effect). A config a person writes keeps them, so
 *   that validation reports a setting the model would ignore.
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

/** The slices each model owns beyond the common ones, and the fields of its `categorical` slice. */
const OWN_SLICES: Record<string, { adversarial: boolean; categorical?: readonly string[] }> = {
  vae: { adversarial: false },
  aae: { adversarial: true },
  'semi-supervised-aae': { adversarial: true, categorical: ['classes', 'labelled', 'labelledBatchSize', 'styleWeight', 'categoryWeight', 'balanceWeight', 'classifierOptimizer'] },
  'clustering-aae': { adversarial: true, categorical: ['classes', 'styleWeight', 'categoryWeight', 'balanceWeight'] },
};

/** A stored config without the slices (and categorical fields) its model does not have. */
function dropForeignSlices(input: Json): Json {
  const own = OWN_SLICES[typeof input.model === 'string' ? input.model : 'vae'];
  if (!own) return input;
  const { adversarial, categorical, ...rest } = input;
  return {
    ...rest,
    ...(own.adversarial && adversarial !== undefined ? { adversarial } : {}),
    ...(own.categorical && categorical !== undefined
      ? { categorical: isObject(categorical) ? Object.fromEntries(Object.entries(categorical).filter(([k]) => own.categorical!.includes(k))) : categorical }
      : {}),
  };
}

/** `input` in today's layout (a copy where anything changed; anything unrecognised is left for validation to report). */
export function migrateConfig(input: unknown, { stored = false }: { stored?: boolean } = {}): unknown {
  if (!isObject(input)) return input;
  const current = stored ? dropForeignSlices(input) : input;
  if (!isObject(current.adversarial)) return current;
  return { ...current, adversarial: migrateAdversarial(current.adversarial, current.train) };
}
