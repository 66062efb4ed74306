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
import { createSampler, MAX_COMPONENTS, SAMPLERS, type SamplerKind } from '../samplers.js';
import type { Prior } from '../../core/priors/types.js';

interface SampleFlags { n: number; seed: number; out?: string; cols?: number; backend: BackendChoice; sampler?: SamplerKind; components?: number }

/** The default number of mixture components for --sampler gmm. */
export const DEFAULT_COMPONENTS = 10;

/** Samples as values: decoder means for codes drawn from `source`, unclamped, in a table's own units. */
function sampleValues(model: Autoencoder, source: Pick<Prior, 'sample'>, n: number, seed: number, standardization?: Standardization): Float32Array {
  const labels = isConditional(model.config) ? cyclingLabels(n, model.config.labels.classes) : undefined;
  const mean = tf.tidy(() => model.decode(source.sample({ seed, n }), { labels: labels && tf.tensor1d(labels, 'int32') }).mean());
  const means = mean.dataSync() as Float32Array;
  mean.dispose();
  return standardization ? destandardize(means, standardization) : means;
}

/** Checks --sampler and --components together; returns the number of components (gmm). */
function checkSamplerFlags(flags: Pick<SampleFlags, 'sampler' | 'components'>): number {
  const sampler = flags.sampler ?? 'prior';
  if (!SAMPLERS.includes(sampler)) throw new UserError(`--sampler: unknown sampler "${sampler}" (choose ${SAMPLERS.join(' or ')})`);
  if (flags.components !== undefined && sampler !== 'gmm') throw new UserError('--components: only with --sampler gmm (the number of Gaussians to fit to the training codes)');
  const k = flags.components ?? DEFAULT_COMPONENTS;
  if (!Number.isInteger(k) || k < 1 || k > MAX_COMPONENTS) throw new UserError(`--components: a whole number from 1 to ${MAX_COMPONENTS}, got ${k}`);
  return k;
}

export async function runSample(dir: string, flags: SampleFlags): Promise<string> {
  const components = checkSamplerFlags(flags);
  const kind = flags.sampler ?? 'prior';
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const { shape, standardization } = run.manifest.data;
  const layout = standardization ? null : imageLayout(shape);
  const format = flags.out ? outputFormat(flags.out, ['png', 'csv', 'npy'], { fallback: layout ? 'png' : 'csv' }) : layout ? 'png' : 'csv';
  const tag = kind === 'gmm' ? `gmm-k${components}-` : '';
  const out = flags.out ?? path.join(dir, `samples-${tag}n${flags.n}-seed${flags.seed}.${format}`);
  if (format === 'png' && !layout) throw new UserError(`${dir}: examples of shape ${shape.join('×')} are not images; write the samples as rows with -o samples.csv (or .npy)`);
  const sampler = await createSampler(kind, { run, model, components });
  if (sampler.cached) process.stderr.write(`using the mixture fitted earlier: ${sampler.file}\n`);
  if (format !== 'png') {
    const values = sampleValues(model, sampler.source, flags.n, flags.seed, standardization);
    const dim = run.manifest.dataDim;
    if (format === 'npy') writeFileAtomic(out, encodeNpy(values, [flags.n, ...shape]));
    else writeFileAtomic(out, csvText(standardization ? [...standardization.columns] : Array.from({ length: dim }, (_, j) => `x${j + 1}`), Array.from({ length: flags.n }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)))));
    process.stdout.write(`${out}\n`);
    return out;
  }
  const cols = flags.cols ?? Math.ceil(Math.sqrt(flags.n));
  const images = sampleImages(model, flags.n, flags.seed, sampler.source);
  writeFileAtomic(out, imageGridPng(images, { count: flags.n, ...layout!, cols, title: `${flags.n} samples from ${sampler.description} (seed ${flags.seed})` }));
  process.stdout.write(`${out}\n`);
  return out;
}

export function sampleCommand(): Command {
  return new Command('sample')
    .description('draw codes z (from the prior, or from a Gaussian mixture fitted to the training codes), decode, and write the means as a PNG grid (images) or as rows (.csv/.npy; tables in their own units)')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .option('-n, --n <count>', 'number of samples', intArg(1), 64)
    .option('--seed <n>', 'seed for z', intArg(0), 1)
    .option('--cols <n>', 'images per row (default √n)', intArg(1))
    .option('-o, --out <file>', 'output .png (images), .csv or .npy (default <run_dir>/samples-n<N>-seed<S>.png, samples-gmm-k<K>-n<N>-seed<S>.png with --sampler gmm, or .csv for tables)')
    .addOption(new Option('--sampler <name>', 'where z comes from: prior (z ~ p(z)) or gmm (a Gaussian mixture fitted to the training codes)').choices(SAMPLERS).default('prior'))
    .option('--components <K>', `with --sampler gmm: the number of Gaussians (1-${MAX_COMPONENTS}; default ${DEFAULT_COMPONENTS})`, intArg(1))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .addHelpText('after', `
Samplers:
  prior  z ~ p(z), the prior the model was trained towards (the default).
  gmm    z from a mixture of K Gaussians with full covariances, fitted by EM
         (k-means++ start, seeded by the run's seed) to the codes of the run's
         training examples: the means of q(z|x) for a VAE, the codes of an
         AAE's encoder ([y, z] for the semi-supervised and clustering AAEs).
         An autoencoder's codes rarely fill the prior: where they leave holes
         the decoder was never trained, and prior samples that fall there
         decode to blurs or mixed digits. A mixture fitted to the codes draws
         where the decoder has seen codes (Ghosh et al. 2020, "ex-post density
         estimation"). A conditional model's codes are encoded with their
         labels and decoded with every class in turn, as with the prior.
         The first call encodes the training split and fits (seconds to a
         minute; progress on stderr) and caches the mixture in
         <run_dir>/sampler-gmm-k<K>.json; later calls with the same K and
         checkpoint read it. Another K, or a resumed run's new checkpoint,
         fits again.

Examples:
  latentlab sample runs/vae-z2-… -n 64 --seed 3
  latentlab sample runs/vae-z20-… --sampler gmm                 # 10 Gaussians
  latentlab sample runs/aae-z8-… --sampler gmm --components 20 -o gmm20.png`)
    .action(async (dir: string, flags: SampleFlags) => {
      if (flags.n > 10000) throw new UserError(`-n: at most 10000 samples in one grid, got ${flags.n}`);
      await runSample(dir, flags);
    });
}
