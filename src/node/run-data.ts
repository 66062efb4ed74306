/**
 * The examples a command applies a trained run to (encode, score): the
 * run's own data, or other data given with --data, read like the training
 * data (the run's --resize; a table with the run's standardisation) and
 * checked against the shape the run was trained on.
 */
import { take, withImageShape, type DataSource } from '../core/data/dataset.js';
import { DataError } from '../core/data/errors.js';
import { dataOptions, loadExamples, type LoadOptions } from './datasets.js';
import type { OpenedRun } from './run-folder.js';

export interface RunDataFlags {
  /** A data source (default: the run's). */
  readonly data?: string;
  readonly split?: 'train' | 'test' | 'all';
  readonly labelColumn?: string;
  readonly labelFile?: string;
  readonly limit?: number;
}

/** The examples to apply the run to, with the run's class names when the data has none of its own. */
export function loadRunExamples(run: OpenedRun, flags: RunDataFlags): DataSource & { readonly hasOwnSplit: boolean } {
  const own = flags.data === undefined;
  const stored = dataOptions(run.config.data, { limits: false });
  const options: LoadOptions = own
    ? stored
    : { resize: stored.resize, labelColumn: flags.labelColumn ?? stored.labelColumn, labelFile: flags.labelFile };
  const source = flags.data ?? run.config.data.source;
  const want = run.manifest.data.shape;
  const loaded = loadExamples(source, { ...options, standardization: run.manifest.data.standardization, split: flags.split });
  const data = { ...withImageShape(loaded, want), hasOwnSplit: loaded.hasOwnSplit };
  if (data.shape.join('×') !== want.join('×')) {
    throw new DataError(data.name, `examples of shape ${data.shape.join('×')}, but the run was trained on ${want.join('×')}${data.shape.length >= 2 && want.length >= 2 ? ' (give images of that size, or --resize when training)' : ''}`);
  }
  const limited = take(data, flags.limit);
  return { ...limited, classNames: data.classNames ?? run.manifest.data.classNames, hasOwnSplit: data.hasOwnSplit };
}
