/**
 * Files of rows that the encode, decode and score commands read and write:
 * CSV (a header row; quoted where needed), .npy and .npz.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { zipSync } from 'fflate';
import { DataError } from '../../core/data/errors.js';
import { encodeNpy, parseNpy } from '../../core/data/npy.js';
import { printable, quoted } from '../../core/util/text.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { readDataFile } from './files.js';

/** One CSV field: quoted when it holds a comma, a quote or a line break. */
function field(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(Math.fround(v) === v ? +v.toPrecision(7) : v) : String(v)) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV file's text from a header and rows. */
export function csvText(header: readonly string[], rows: Iterable<readonly (string | number)[]>): string {
  const lines = [header.map(field).join(',')];
  for (const row of rows) lines.push(row.map(field).join(','));
  return `${lines.join('\n')}\n`;
}

/** The output format an -o file name asks for (`fallback` for a name without an extension). */
export function outputFormat(file: string, allowed: readonly string[], { flag = '-o', fallback }: { flag?: string; fallback?: string } = {}): string {
  const ext = path.extname(file).toLowerCase().slice(1);
  if (!ext && fallback) return fallback;
  if (!allowed.includes(ext)) throw new UserError(`${flag} ${file}: give a file ending in ${allowed.map((e) => `.${e}`).join(', ')}`);
  return ext;
}

/** Writes arrays as a .npz archive (stored, like numpy.savez). */
export function writeNpz(file: string, arrays: Record<string, { data: Float32Array | Int32Array; shape: readonly number[] }>): void {
  const members = Object.fromEntries(Object.entries(arrays).map(([k, a]) => [`${k}.npy`, encodeNpy(a.data, a.shape)]));
  writeFileAtomic(file, zipSync(members, { level: 0 }));
}

export interface CodeRows {
  /** [n, width] row-major. */
  readonly values: Float32Array;
  readonly count: number;
  readonly width: number;
  /** Class labels per row, when the file gives them (a "label" column of whole numbers). */
  readonly labels?: Int32Array;
}

/**
 * Latent codes from a file: a CSV whose columns z1, z2, … hold them (as
 * `latentlab encode` writes; without such columns, every column must be a
 * number), or a .npy of shape [n, width] or [n, k, width].
 */
export function readCodes(file: string, width: number): CodeRows {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    const a = parseNpy(readDataFile(file), file);
    if (a.shape.length < 2 || a.shape.at(-1) !== width) throw new DataError(file, `codes must have shape [n, ${width}] (the run's code width), the array has [${a.shape.join(', ')}]`);
    const values = Float32Array.from(a.data as ArrayLike<number>);
    checkFinite(values, file, width);
    return { values, count: values.length / width, width };
  }
  if (ext !== '.csv' && ext !== '.tsv') throw new UserError(`--codes ${file}: give a .csv or .npy file of codes`);
  let records: string[][];
  try {
    records = parse(new TextDecoder().decode(readDataFile(file)), { bom: true, delimiter: ext === '.tsv' ? '\t' : ',', skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new DataError(file, `not a valid CSV file (${printable((e as Error).message, 160)})`);
  }
  const [header, ...rows] = records;
  if (!header || !rows.length) throw new DataError(file, 'expected a header row and at least one row of codes');
  const zColumns = Array.from({ length: width }, (_, j) => header.indexOf(`z${j + 1}`));
  const columns = zColumns.every((j) => j >= 0) ? zColumns : header.length === width ? header.map((_, j) => j) : null;
  if (!columns) throw new DataError(file, `no columns z1 … z${width} (the run's code width is ${width}), and ${header.length} columns in all`);
  const values = new Float32Array(rows.length * width);
  rows.forEach((row, i) => columns.forEach((j, k) => {
    const v = Number(row[j]);
    if (row[j] === '' || !Number.isFinite(v)) throw new DataError(file, `line ${i + 2}, column ${quoted(header[j], 30)}: ${quoted(row[j], 30)} is not a number`);
    values[i * width + k] = v;
  }));
  const labelColumn = header.indexOf('label');
  let labels: Int32Array | undefined;
  if (labelColumn >= 0 && rows.every((r) => /^\d+$/.test(r[labelColumn]))) labels = Int32Array.from(rows, (r) => Number(r[labelColumn]));
  return { values, count: rows.length, width, labels };
}

function checkFinite(values: Float32Array, file: string, width: number): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new DataError(file, `code ${Math.floor(bad / width)} holds ${values[bad]}; codes must be finite numbers`);
}
