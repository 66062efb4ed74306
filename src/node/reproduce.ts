/**
 * `latentlab reproduce aae`: the adversarial autoencoder paper's MNIST
 * results (Makhzani et al. 2015) run as LatentLab run folders and written up
 * as one table — our figure beside the paper's, the command that reproduces
 * each row, and its wall time:
 *
 *   semi-supervised AAE, 100 and 1000 labels     test error    (paper 1.90 %, 1.60 %)
 *   clustering AAE, 16 clusters                  test error    (paper 9.55 %)
 *   AAE, the aae-paper preset (z = 8, prior N(0, 5² I)), Parzen window   (paper 340 ± 2)
 *   VAE of the same size, same Parzen protocol                           (for comparison)
 *
 * `quick` runs small nets on a few thousand images for an epoch or two: it
 * checks the machinery in minutes and says so; its figures are not the
 * paper's. The full settings state their epochs and take hours on 2 cores.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import pc from 'picocolors';
import { mergeConfig, resolveConfig } from '../core/config/resolve.js';
import type { Config, ConfigInput } from '../core/config/schema.js';
import { take } from '../core/data/dataset.js';
import { assignClusters, clusterError } from '../core/metrics/clusters.js';
import { DEFAULT_PARZEN_SIGMAS, parzenEstimate } from '../core/metrics/parzen.js';
import type { CategoricalAutoencoder } from '../core/models/categorical-aae.js';
import type { Autoencoder } from '../core/models/types.js';
import { nowMs } from '../core/util/clock.js';
import { deriveSeed } from '../core/util/random.js';
import { loadDataSplits } from './datasets.js';
import { writeFileAtomic, writeJsonAtomic } from './fs-atomic.js';
import { readPreset } from './presets.js';
import { sampleImages } from './run-figures.js';
import { trainRun } from './train-run.js';

export interface ReproduceOptions {
  readonly dir: string;
  readonly backend: string;
  readonly quick: boolean;
  /** Epochs for the full runs (the paper trains for thousands; 2 cores allow tens). */
  readonly epochs: number;
  readonly seed: number;
  readonly quiet?: boolean;
}

export interface ReproduceRow {
  readonly name: string;
  readonly metric: string;
  readonly ours: string;
  readonly paper: string;
  readonly command: string;
  readonly seconds: number;
  readonly run: string;
}

interface Experiment {
  readonly name: string;
  readonly metric: string;
  readonly paper: string;
  readonly config: ConfigInput;
  /** Flags of `latentlab train` that give the same config. */
  readonly flags: string;
  measure(model: Autoencoder, record: Readonly<Record<string, number>>, config: Config): string;
}

const percent = (v: number) => `${(100 * v).toFixed(2)} %`;

/** The paper's semi-supervised and clustering nets (appendix): 1000-1000 ReLU, batch 100, input noise σ 0.3. */
const categoricalBase = (epochs: number, seed: number): ConfigInput => ({
  seed, encoder: { hidden: [1000, 1000] }, decoder: { hidden: [1000, 1000] }, train: { epochs, batchSize: 100 },
  adversarial: { discriminator: { hidden: [1000, 1000] }, inputNoise: 0.3 },
});

function parzen(model: Autoencoder, config: Config, quick: boolean): string {
  const { train, test } = loadDataSplits('mnist', {});
  const samples = quick ? 1000 : 10000;
  const validation = train.x.subarray((train.size - 1000) * train.dim);
  const images = tf.tensor2d(sampleImages(model, samples, deriveSeed(config.seed, 37)), [samples, train.dim]);
  const testSet = take(test, quick ? 1000 : 10000);
  const result = parzenEstimate(images, validation, testSet.x, test.dim, DEFAULT_PARZEN_SIGMAS);
  images.dispose();
  return `${result.logLikelihood.toFixed(0)} ± ${result.standardError.toFixed(0)} (σ ${result.sigma.toFixed(3)}, ${samples} samples)`;
}

function experiments(o: ReproduceOptions): Experiment[] {
  const epochs = o.quick ? 1 : o.epochs;
  const quickData = o.quick ? { data: { trainLimit: 5000, testLimit: 1000 } } : {};
  const quickNets = o.quick ? { encoder: { hidden: [256] }, decoder: { hidden: [256] }, adversarial: { discriminator: { hidden: [64] } } } : {};
  const semi = (labelled: number, paper: string): Experiment => ({
    name: `semi-supervised AAE, ${labelled} labels`, metric: 'test error', paper,
    config: mergeConfig(mergeConfig(categoricalBase(epochs, o.seed), quickNets), {
      model: 'semi-supervised-aae', latentDim: 10, categorical: { classes: 10, labelled }, ...quickData,
    }) as ConfigInput,
    flags: `--model semi-supervised-aae --labelled ${labelled} --latent-dim 10 --hidden 1000,1000 --discriminator-hidden 1000,1000 --input-noise 0.3 --batch-size 100 --epochs ${epochs}`,
    measure: (_m, record) => percent(record.error),
  });
  const preset = readPreset('aae-paper') as ConfigInput;
  return [
    semi(100, '1.90 %'),
    semi(1000, '1.60 %'),
    {
      name: 'clustering AAE, 16 clusters', metric: 'test error', paper: '9.55 %',
      config: mergeConfig(mergeConfig(categoricalBase(epochs, o.seed), quickNets), {
        model: 'clustering-aae', latentDim: 5, categorical: { classes: 16 }, ...quickData,
      }) as ConfigInput,
      flags: `--model clustering-aae --clusters 16 --latent-dim 5 --hidden 1000,1000 --discriminator-hidden 1000,1000 --input-noise 0.3 --batch-size 100 --epochs ${epochs}`,
      measure: (model, _r, config) => {
        const { train, test } = loadDataSplits('mnist', config.data);
        const m = model as CategoricalAutoencoder;
        return percent(clusterError(m.classes, { assigned: assignClusters(m, train), labels: train.labels! }, { assigned: assignClusters(m, test), labels: test.labels! }).error);
      },
    },
    {
      name: 'AAE (aae-paper preset), Parzen window', metric: 'log-likelihood, nats', paper: '340 ± 2',
      config: mergeConfig(mergeConfig(preset, quickNets), { seed: o.seed, train: { epochs }, ...quickData }) as ConfigInput,
      flags: `--preset aae-paper --epochs ${epochs}`,
      measure: (model, _r, config) => parzen(model, config, o.quick),
    },
    {
      name: 'VAE of the same size, Parzen window', metric: 'log-likelihood, nats', paper: '– (VAE: not in the paper\'s table)',
      config: mergeConfig(mergeConfig({
        model: 'vae', seed: o.seed, latentDim: 8, encoder: { hidden: [1000, 1000] }, decoder: { hidden: [1000, 1000] }, train: { epochs, batchSize: 100 },
      }, quickNets), quickData) as ConfigInput,
      flags: `--latent-dim 8 --hidden 1000,1000 --batch-size 100 --epochs ${epochs}`,
      measure: (model, _r, config) => parzen(model, config, o.quick),
    },
  ];
}

export async function runReproduce(o: ReproduceOptions): Promise<{ rows: ReproduceRow[]; table: string }> {
  const log = (line: string) => { if (!o.quiet) process.stdout.write(`${line}\n`); };
  const list = experiments(o);
  log(o.quick
    ? `${pc.bold('reproduce aae --quick')}: ${list.length} small runs (256-unit nets, 5,000 images, 1 epoch) to check the machinery — a few minutes; the figures are not the paper's.`
    : `${pc.bold('reproduce aae')}: ${list.length} runs of ${o.epochs} epochs with the paper's 1000-1000 nets on all of MNIST — several hours on 2 cores (the paper trains for thousands of epochs).`);
  const rows: ReproduceRow[] = [];
  for (const [i, e] of list.entries()) {
    log(`\n${pc.bold(`[${i + 1}/${list.length}] ${e.name}`)}`);
    const config = resolveConfig(e.config, e.name);
    const dir = path.join(o.dir, e.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase());
    const start = nowMs();
    const result = await trainRun({ config, dir, backend: o.backend, quiet: o.quiet });
    const ours = e.measure(result.model, result.records.at(-1)!.test, config);
    result.model.dispose();
    const seconds = (nowMs() - start) / 1000;
    rows.push({ name: e.name, metric: e.metric, ours, paper: e.paper, command: o.quick ? 'latentlab reproduce aae --quick' : `latentlab train ${e.flags}`, seconds, run: path.relative(o.dir, dir) });
    log(`${e.name}: ${e.metric} ${pc.bold(ours)} (paper: ${e.paper}), ${Math.round(seconds)} s`);
  }
  const table = [
    `# Adversarial autoencoders: the paper's MNIST results, reproduced${o.quick ? ' (quick check: small nets, 5,000 images, 1 epoch — not comparable)' : ''}`, '',
    '| experiment | metric | LatentLab | paper | command | wall time |', '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.metric} | ${r.ours} | ${r.paper} | \`${r.command}\` | ${(r.seconds / 60).toFixed(1)} min |`), '',
    'Paper: Makhzani, Shlens, Jaitly, Goodfellow & Frey (2015), tables 1–3 and section 6. Each row is a run folder beside this file.', '',
  ].join('\n');
  writeFileAtomic(path.join(o.dir, 'table.md'), new TextEncoder().encode(table));
  writeJsonAtomic(path.join(o.dir, 'table.json'), { quick: o.quick, epochs: o.quick ? 1 : o.epochs, rows });
  return { rows, table };
}
