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
import { ModelConfigSchema } from './schema.js';

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

/** Top-level keys and, for object slices, their fields, as one model's schema has them. */
type Layout = Map<string, Set<string> | null>;

/** Each model's layout, read off the schema (so a new family needs nothing here). */
const LAYOUTS: ReadonlyMap<string, Layout> = new Map(ModelConfigSchema.options.map((option) => {
  const shape = option.shape as Record<string, unknown>;
  const layout: Layout = new Map(Object.entries(shape).map(([key, field]) => {
    const inner = (field as { unwrap?: () => unknown }).unwrap?.() as { shape?: Record<string, unknown> } | undefined;
    return [key, inner?.shape ? new Set(Object.keys(inner.shape)) : null];
  }));
  return [option.shape.model.value, layout];
}));

/** Every top-level key some model has. */
const ALL_KEYS = new Set([...LAYOUTS.values()].flatMap((layout) => [...layout.keys()]));

/**
 * A stored config without what its model does not have: a slice only other
 * models have (a VAE's old `adversarial`), or a field of a shared slice that
 * only another model's version has (a clustering AAE's old `labelled`).
 * Keys no model knows are left for validation to report.
 */
function dropForeignSlices(input: Json): Json {
  const layout = LAYOUTS.get(typeof input.model === 'string' ? input.model : 'vae');
  if (!layout) return input;
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (ALL_KEYS.has(key) && !layout.has(key)) continue;
    const fields = layout.get(key);
    out[key] = fields && isObject(value)
      ? Object.fromEntries(Object.entries(value).filter(([k]) => fields.has(k) || !isForeignField(key, k)))
      : value;
  }
  return out;
}

/** True when some model's version of slice `key` has field `field`. */
function isForeignField(key: string, field: string): boolean {
  return [...LAYOUTS.values()].some((layout) => layout.get(key)?.has(field));
}

/**
 * A mixture prior given by its means has as many components as means: the
 * count is filled in when left out. A stored config gets the count its run
 * used (earlier versions let `components` disagree with `means` and used the
 * means); for anything else a disagreement is left for validation to report.
 */
function mixtureCount(input: Json, stored: boolean): Json {
  const prior = input.prior;
  if (!isObject(prior) || prior.kind !== 'gaussian-mixture' || !Array.isArray(prior.means)) return input;
  if (prior.components !== undefined && !stored) return input;
  return { ...input, prior: { ...prior, components: prior.means.length } };
}

/** `input` in today's layout (a copy where anything changed; anything unrecognised is left for validation to report). */
export function migrateConfig(input: unknown, { stored = false }: { stored?: boolean } = {}): unknown {
  if (!isObject(input)) return input;
  const current = mixtureCount(stored ? dropForeignSlices(input) : input, stored);
  if (!isObject(current.adversarial)) return current;
  return { ...current, adversarial: migrateAdversarial(current.adversarial, current.train) };
}
