import { z } from 'zod';
import { migrateConfig } from './migrate.js';
import { ConfigSchema, type Config } from './schema.js';
import { quoted, withArticle } from '../util/text.js';

/** A configuration that failed validation; `issues` are "path: message" lines. */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly issues: readonly string[]) {
    super(`${source}: invalid configuration\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Which models own a slice that only some have. */
const SLICE_OWNERS: Record<string, string> = {
  adversarial: 'the adversarial models (aae, semi-supervised-aae, clustering-aae)',
  categorical: 'the models with a categorical code (semi-supervised-aae, clustering-aae)',
  wae: 'the Wasserstein autoencoder (wae)',
};

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${path}` : '';
    const model = (input as { model?: unknown })?.model ?? 'vae';
    const owners = issue.path.length === 0 ? issue.keys.filter((k) => k in SLICE_OWNERS) : [];
    const hint = owners.length ? ` (${withArticle(String(model))} has no ${owners.join(' or ')} settings; ${owners.map((k) => `"${k}" is for ${SLICE_OWNERS[k]}`).join('; ')})` : '';
    const fieldHint = issue.path[0] === 'categorical' && model === 'clustering-aae' ? ' (a clustering-aae has no labels: labelled examples are for semi-supervised-aae)' : '';
    // A key is quoted as JSON, so one holding a line break or a control character stays on its line.
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => quoted(k)).join(', ')}${where}${hint}${fieldHint}`;
  }
  return `${path}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a config (as parsed from JSON and flags; an earlier version's
 * layout is migrated first, see migrate.ts), fills the defaults and returns
 * it frozen. Throws ConfigError naming `source` and each bad field.
 */
export function resolveConfig(input: unknown, source = 'config'): Config {
  return resolve(migrateConfig(input ?? {}), source);
}

/**
 * resolveConfig for a config that LatentLab wrote into a run folder: one
 * from before each model owned its slices also holds the other models'
 * (ignored) slices, which are dropped first (migrate.ts).
 */
export function resolveStoredConfig(input: unknown, source = 'config.json'): Config {
  return resolve(migrateConfig(input ?? {}, { stored: true }), source);
}

function resolve(input: unknown, source: string): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, result.error.issues.map((issue) => formatIssue(issue, input)));
  return deepFreeze(result.data) as Config;
}

/**
 * Merges `override` into `base` key by key (objects recursively, arrays and
 * scalars replaced); used to lay CLI flags over a preset.
 */
export function mergeConfig(base: unknown, override: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (override === undefined) return base;
  if (!isObj(override)) return override;
  // Keys set to undefined mean "not given", also where the base has nothing to merge into.
  const out: Record<string, unknown> = isObj(base) ? { ...base } : {};
  let given = false;
  for (const [k, v] of Object.entries(override)) {
    const merged = mergeConfig(out[k], v);
    if (merged !== undefined) {
      out[k] = merged;
      given = true;
    }
  }
  // An override that sets nothing leaves the base as it was (so schema defaults still apply).
  return given || isObj(base) ? out : base;
}
