import path from 'node:path';
import { Command, Option } from 'commander';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { UserError } from '../errors.js';
import { imageGridPng } from '../figures.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { cyclingLabels, imageLayout, sampleImages } from '../run-figures.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Standardization } from '../../core/data/dataset.js';
import { encodeNpy } from '../../core/data/npy.js';
import { isConditional } from '../../core/models/conditioning.js';
import type { Autoencoder } from '../../core/models/types.js';
import { csvText, outputFormat } from '../data/codes.js';
import { destandardize } from '../data/tabular.js';
import { intArg } from './options.js';

interface SampleFlags { n: number; seed: number; out?: string; cols?: number; backend: BackendChoice }

/** Samples as values: decoder means for z ~ p(z), unclamped, in a table's own units. */
function sampleValues(model: Autoencoder, n: number, seed: number, standardization?: Standardization): Float32Array {
  const labels = isConditional(model.config) ? cyclingLabels(n, model.config.labels.classes) : undefined;
  const means = tf.tidy(() => model.decode(model.prior.sample({ seed, n }), { labels: labels && tf.tensor1d(labels, 'int32') }).mean().dataSync() as Float32Array);
  return standardization ? destandardize(means, standardization) : means;
}

export async function runSample(dir: string, flags: SampleFlags): Promise<string> {
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const { shape, standardization } = run.manifest.data;
  const layout = standardization ? null : imageLayout(shape);
  const format = flags.out ? outputFormat(flags.out, ['png', 'csv', 'npy'], { fallback: layout ? 'png' : 'csv' }) : layout ? 'png' : 'csv';
  const out = flags.out ?? path.join(dir, `samples-n${flags.n}-seed${flags.seed}.${format}`);
  if (format !== 'png') {
    const values = sampleValues(model, flags.n, flags.seed, standardization);
    const dim = run.manifest.dataDim;
    if (format === 'npy') writeFileAtomic(out, encodeNpy(values, [flags.n, ...shape]));
    else writeFileAtomic(out, csvText(standardization ? [...standardization.columns] : Array.from({ length: dim }, (_, j) => `x${j + 1}`), Array.from({ length: flags.n }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)))));
    process.stdout.write(`${out}\n`);
    return out;
  }
  if (!layout) throw new UserError(`${dir}: examples of shape ${shape.join('×')} are not images; write the samples as rows with -o samples.csv (or .npy)`);
  const cols = flags.cols ?? Math.ceil(Math.sqrt(flags.n));
  const images = sampleImages(model, flags.n, flags.seed);
  writeFileAtomic(out, imageGridPng(images, { count: flags.n, ...layout, cols, title: `${flags.n} samples from the prior (seed ${flags.seed})` }));
  process.stdout.write(`${out}\n`);
  return out;
}

export function sampleCommand(): Command {
  return new Command('sample')
    .description('draw z ~ p(z), decode, and write the means as a PNG grid (images) or as rows (.csv/.npy; tables in their own units)')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .option('-n, --n <count>', 'number of samples', intArg(1), 64)
    .option('--seed <n>', 'seed for z', intArg(0), 1)
    .option('--cols <n>', 'images per row (default √n)', intArg(1))
    .option('-o, --out <file>', 'output .png (images), .csv or .npy (default <run_dir>/samples-n<N>-seed<S>.png, or .csv for tables)')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .action(async (dir: string, flags: SampleFlags) => {
      if (flags.n > 10000) throw new UserError(`-n: at most 10000 samples in one grid, got ${flags.n}`);
      await runSample(dir, flags);
    });
}
