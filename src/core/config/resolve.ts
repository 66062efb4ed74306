import { z } from 'zod';
import { migrateConfig } from './migrate.js';
import { ConfigSchema, type Config } from './schema.js';

/** A configuration that failed validation; `issues` are "path: message" lines. */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly issues: readonly string[]) {
    super(`${source}: invalid configuration\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${path}` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${where}`;
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
  const result = ConfigSchema.safeParse(migrateConfig(input ?? {}));
  if (!result.success) throw new ConfigError(source, result.error.issues.map(formatIssue));
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
