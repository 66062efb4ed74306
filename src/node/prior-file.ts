/**
 * Reads the samples of a `samples` prior: a .npy file (float32/float64,
 * C order), a .json array of rows, or an IDX file (any numeric type), of
 * shape [n, latentDim].
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config/schema.js';
import { DataError } from '../core/data/errors.js';
import { parseIdx } from '../core/data/idx.js';
import { printable, quoted } from '../core/util/text.js';
import type { PriorResources } from '../core/priors/index.js';
import { UserError } from './errors.js';

/** Parses a .npy file holding a 2-D float32 or float64 array. */
function parseNpy(bytes: Buffer, file: string): { shape: number[]; data: Float32Array } {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new DataError(file, 'not a .npy file (bad magic)');
  const major = bytes[6];
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw new DataError(file, `file has ${bytes.length} bytes, too short for a version ${major} .npy header (${start} bytes before the header text)`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (fortran) throw new DataError(file, 'Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  if (descr !== '<f4' && descr !== '<f8') throw new DataError(file, `dtype ${descr === undefined ? '(none given)' : quoted(descr, 40)} is not supported (use float32 or float64)`);
  const body = bytes.subarray(start + headerLength);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = descr === '<f4' ? 4 : 8;
  if (body.length !== count * width) throw new DataError(file, `header says ${shape.join('×')} values, the file holds ${body.length / width}`);
  const copy = new Uint8Array(body).buffer;
  const data = descr === '<f4' ? new Float32Array(copy) : Float32Array.from(new Float64Array(copy));
  return { shape, data };
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
  const { shape, data } = ext === '.npy' ? parseNpy(bytes, file) : ext === '.json' ? parseJson(bytes, file) : (() => {
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
