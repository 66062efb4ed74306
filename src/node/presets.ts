import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { printable } from '../core/util/text.js';
import { UserError } from './errors.js';
import { notARegularFile } from './regular-file.js';
import { packagePath } from './package-root.js';

/** The folder of shipped presets (JSON configs). */
export const PRESET_DIR = packagePath('presets');

export function presetNames(): string[] {
  return readdirSync(PRESET_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** Reads a JSON config file; `label` names it in errors. */
export function readConfigFile(file: string, label = file): unknown {
  if (!existsSync(file)) throw new UserError(`${label}: file not found`);
  const problem = notARegularFile(file);
  if (problem) throw new UserError(`${label}: ${problem}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    // The parser's message quotes the text around the error: escaped, so it stays one line.
    throw new UserError(`${label}: not valid JSON (${printable((e as Error).message)})`);
  }
}

/** Reads a shipped preset by name. */
export function readPreset(name: string): unknown {
  const file = path.join(PRESET_DIR, `${name}.json`);
  if (!existsSync(file)) throw new UserError(`--preset: unknown preset '${name}' (available: ${presetNames().join(', ')})`);
  return readConfigFile(file, `preset ${name}`);
}
