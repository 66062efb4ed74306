/**
 * What ties a run folder's parts together, so that a folder whose files
 * disagree is refused before it is used:
 *
 * - the **config digest** (manifest.json `configDigest`): SHA-256 of the
 *   configuration that trained the weights, in a canonical form (keys
 *   sorted), leaving out what `train --resume` may change (`train.epochs`,
 *   `train.clipGradNorm` and the learning-rate schedules of `--lr-drop`). A config.json edited
 *   after training to another likelihood, prior or latent size no longer
 *   matches it.
 * - the **checkpoint checksums** (checkpoints/latest.json `checksums`):
 *   SHA-256 of every file of the checkpoint it points at, written in the
 *   same atomic step as the pointer. A torn, truncated or replaced weights
 *   or optimizer file no longer matches it.
 *
 * SHA-256 comes from Web Crypto (`crypto.subtle`), which Node ≥ 20 and
 * every browser LatentLab's page supports (the page is served from a
 * loopback address, a secure context) provide.
 */
import type { Config } from '../config/schema.js';
import { utf8Encode } from '../util/text.js';

declare const crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } };

/** Lowercase hex SHA-256 of `bytes` (a string is hashed as UTF-8). */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? utf8Encode(bytes) : bytes;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** JSON with every object's keys sorted, so equal values have one text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Top-level fields added to the config after run folders began to record
 * the digest, with the value every older run trained with. A field at that
 * value is left out of the digest, so a folder written before it existed
 * (whose config.json lacks it, and which `--resume` rewrites with it) keeps
 * its digest; any other value is part of it. A new defaulted field joins
 * this list in the change that adds it.
 */
const LATER_DEFAULTS: Readonly<Record<string, string>> = {
  objective: canonicalJson({ kind: 'elbo' }),
  latentLayers: canonicalJson([]),
};

/** The config without what a resume may change: `train.epochs`, `train.clipGradNorm` and every `schedule`; without LATER_DEFAULTS at their defaults. */
function trainedPart(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => trainedPart(v, '[]'));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'schedule' || (key === 'train' && (k === 'epochs' || k === 'clipGradNorm'))) continue;
    if (key === '' && k in LATER_DEFAULTS && canonicalJson(v) === LATER_DEFAULTS[k]) continue;
    out[k] = trainedPart(v, k);
  }
  return out;
}

/** The digest manifest.json records for `config`. */
export function configDigest(config: Config): Promise<string> {
  return sha256Hex(canonicalJson(trainedPart(config)));
}

/** A SHA-256 in hex. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
