/**
 * Reads the samples of a `samples` prior: a .npy file (any numeric dtype), a .json array of rows, or an IDX file (any numeric type), of
 * shape [n, latentDim].
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config/schema.js';
import { DataError } from '../core/data/errors.js';
import { parseIdx } from '../core/data/idx.js';
import { parseNpy } from '../core/data/npy.js';
import { printable, quoted } from '../core/util/text.js';
import type { PriorResources } from '../core/priors/index.js';
import { UserError } from './errors.js';

/** A .npy file's array as float32 values (any numeric dtype). */
function parseNpyFile(bytes: Buffer, file: string): { shape: readonly number[]; data: Float32Array } {
  const array = parseNpy(bytes, file);
  return { shape: array.shape, data: array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>) };
}

function parseJson(bytes: Buffer, file: string): { shape: number[]; data: Float32Array } {
  let rows: unknown;
  try {
    rows = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new DataError(file, `not valid JSON (${printable((e as Error).message)})`);
  }
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
    throw new DataError(file, 'expected an array of rows of numbers, e.g. [[0.1, 2.3], [1.0, -0.5]]');
  }
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw new DataError(file, 'rows have different lengths');
  return { shape: [rows.length, width], data: Float32Array.from(rows.flat() as number[]) };
}

/** Loads what the configured prior needs from disk (nothing for most priors). */
export function loadPriorResources(config: Config): PriorResources {
  const prior = config.prior;
  if (prior.kind !== 'samples') return {};
  const file = prior.file;
  if (!existsSync(file)) throw new UserError(`prior samples file ${file}: file not found`);
  if (!statSync(file).isFile()) throw new UserError(`prior samples file ${file}: not a file (give a .npy, .json or IDX file of shape [n, ${config.latentDim}])`);
  const bytes = readFileSync(file);
  const ext = path.extname(file).toLowerCase();
  const { shape, data } = ext === '.npy' ? parseNpyFile(bytes, file) : ext === '.json' ? parseJson(bytes, file) : (() => {
    const idx = parseIdx(bytes, file);
    return { shape: idx.shape, data: Float32Array.from(idx.data as ArrayLike<number>) };
  })();
  if (shape.length !== 2 || shape[1] !== config.latentDim || shape[0] < 1) {
    throw new DataError(file, `prior samples must have shape [n, ${config.latentDim}] (latentDim), found [${shape.join(', ')}]`);
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new DataError(file, `value ${bad} is not a finite number`);
  return { samples: data };
}
