/**
 * Tabular data: a CSV (or tab-separated .tsv) file with a header row, one
 * example per row, every column a number except an optional label column
 * (`labelColumn`, whose values, numbers or words, become the classes in
 * sorted order, named by those values). Columns are standardised with the
 * training split's mean and standard deviation; the run stores them, so
 * decoded rows can be returned in the original units.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { makeDataset, type DataSplits, type Dataset, type Standardization } from '../../core/data/dataset.js';
import { DataError } from '../../core/data/errors.js';
import { naturalOrder, printable, quoted } from '../../core/util/text.js';
import { readDataFile } from './files.js';

/** Class names in their order: by value when all are numbers, else in natural order. */
export function classOrder(values: Iterable<string>): string[] {
  const names = [...new Set(values)];
  const numeric = names.every((l) => Number.isFinite(Number(l)));
  return names.sort(numeric ? (a, b) => Number(a) - Number(b) : naturalOrder);
}

/** True when a file name looks like a table this loader reads. */
export function isTableFileName(file: string): boolean {
  return /\.(csv|tsv)(\.gz)?$/i.test(path.basename(file));
}

export interface TableOptions {
  /** The header name of the column holding class labels. */
  readonly labelColumn?: string;
}

/** A table's rows as raw numbers (not yet standardised), with labels and row names. */
export function readTable(file: string, { labelColumn }: TableOptions = {}): Dataset {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(readDataFile(file));
  if (!text.trim()) throw new DataError(file, 'an empty file: expected a header row and at least one row of numbers');
  const delimiter = /\.tsv(\.gz)?$/i.test(file) ? '\t' : ',';
  let records: string[][];
  try {
    records = parse(text, { bom: true, delimiter, skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new DataError(file, `not a valid ${delimiter === '\t' ? 'tab-separated' : 'CSV'} file (${printable(err.message, 160)})`);
  }
  const [header, ...rows] = records;
  if (!rows.length) throw new DataError(file, 'a header row but no rows of data');
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new DataError(file, `the header names column ${quoted(name, 40)} twice`);
    seen.add(name);
  }
  if (header.every((h) => h !== '' && Number.isFinite(Number(h)))) {
    throw new DataError(file, `the first row (${printable(header.slice(0, 4).join(', '), 60)}, …) is all numbers: the file needs a header row naming the columns`);
  }
  const labelIndex = labelColumn === undefined ? -1 : header.indexOf(labelColumn);
  if (labelColumn !== undefined && labelIndex < 0) {
    throw new DataError(file, `no column ${quoted(labelColumn, 40)} for --label-column (columns: ${printable(header.slice(0, 20).join(', '), 300)}${header.length > 20 ? ', …' : ''})`);
  }
  const columns = header.filter((_, j) => j !== labelIndex);
  if (!columns.length) throw new DataError(file, 'no columns of numbers beside the label column');
  const x = new Float32Array(rows.length * columns.length);
  const rawLabels: string[] = [];
  rows.forEach((row, i) => {
    let k = 0;
    row.forEach((cell, j) => {
      if (j === labelIndex) {
        if (cell === '') throw new DataError(file, `line ${i + 2}: the label (column ${quoted(labelColumn, 40)}) is empty`);
        rawLabels.push(cell);
        return;
      }
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        const what = cell === '' ? 'is empty (missing values are not supported; fill or drop them first)' : `is ${quoted(cell, 40)}, not a number`;
        const hint = cell === '' ? '' : labelColumn === undefined ? '; drop the column, or name it with --label-column if it holds classes' : '; only number columns can be modelled besides the label column';
        throw new DataError(file, `line ${i + 2}, column ${quoted(header[j], 40)}: ${what}${hint}`);
      }
      x[i * columns.length + k++] = v;
    });
  });
  let labels: Int32Array | undefined;
  let classNames: string[] | undefined;
  if (labelIndex >= 0) {
    classNames = classOrder(rawLabels);
    const index = new Map(classNames.map((c, k) => [c, k]));
    labels = Int32Array.from(rawLabels, (l) => index.get(l)!);
  }
  const names = rows.map((_, i) => `line ${i + 2}`);
  return makeDataset(path.basename(file), [columns.length], x, labels, { values: 'real', classNames, names, standardization: { columns, mean: [], std: [] } });
}

/** Per-column mean and standard deviation of a table's rows (a constant column gets std 1). */
export function columnStatistics(ds: Dataset): { mean: number[]; std: number[] } {
  const d = ds.dim;
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (let i = 0; i < ds.size; i++) for (let j = 0; j < d; j++) mean[j] += ds.x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= ds.size;
  for (let i = 0; i < ds.size; i++) for (let j = 0; j < d; j++) sq[j] += (ds.x[i * d + j] - mean[j]) ** 2;
  // A constant column (its spread within rounding of its mean) is left unscaled.
  const std = sq.map((s, j) => {
    const v = Math.sqrt(s / ds.size);
    return v > 1e-6 * Math.abs(mean[j]) && v > 0 ? v : 1;
  });
  return { mean, std };
}

/** Standardises both splits with the training split's column statistics, or the given ones (new arrays; the same object twice stays one). */
export function standardizeSplits({ train, test }: DataSplits, given?: Standardization): DataSplits {
  const { mean, std } = given ?? columnStatistics(train);
  const columns = given?.columns ?? train.standardization?.columns ?? Array.from({ length: train.dim }, (_, j) => `column ${j + 1}`);
  const standardization: Standardization = { columns, mean, std };
  const apply = (ds: Dataset): Dataset => {
    // Loops rather than Float32Array.from(values, f), which lists every value first (several times the memory of the result).
    const x = new Float32Array(ds.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (ds.x[i] - mean[i % ds.dim]) / std[i % ds.dim];
    return { ...ds, x, standardization, values: 'real' };
  };
  const trainOut = apply(train);
  return { train: trainOut, test: test === train ? trainOut : apply(test) };
}

/** Values in a table's original units: the inverse of the standardisation. */
export function destandardize(values: Float32Array, s: Standardization): Float32Array {
  const d = s.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] * s.std[i % d] + s.mean[i % d];
  return out;
}
