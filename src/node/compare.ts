/**
 * `latentlab compare` as a library call: a VAE, an AAE and a WAE with the
 * same encoder/decoder sizes and a 2-D latent, each trained once with a
 * standard Gaussian prior and once with the 10-component mixture prior (six
 * ordinary run folders), then measured on the same held-out images and
 * written up as a report (report.md, report.html with the figures embedded,
 * comparison.json).
 *
 * Before training it times a few steps of each family and says how long the
 * whole comparison should take.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { resolveConfig } from '../core/config/resolve.js';
import type { Config, ConfigInput, PriorSpec } from '../core/config/schema.js';
import { materialize, take, type DataSource } from '../core/data/dataset.js';
import { latentMatch, type LatentMatch } from '../core/metrics/latent-match.js';
import { buildModel, modelFamily } from '../core/models/registry.js';
import { trainEpoch } from '../core/training/trainer.js';
import { nowMs } from '../core/util/clock.js';
import { dataOptions, loadTrainingSplits } from './datasets.js';
import { UserError } from './errors.js';
import { writeJsonAtomic } from './fs-atomic.js';
import { writeReport } from './compare-report.js';
import { trainRun } from './train-run.js';
import { onStopSignal } from './signals.js';


/** Creates `dir` (its parents as needed), or a UserError when it already exists. */
function claimFolder(dir: string): void {
  mkdirSync(path.dirname(dir), { recursive: true });
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${dir}: already exists; choose another --name or --out`);
    throw e;
  }
}
export interface CompareOptions {
  /** The comparison's folder (created; must not exist). */
  readonly dir: string;
  readonly backend: string;
  readonly epochs: number;
  /** Hidden widths of the encoder (the decoder mirrors them). */
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly data: string;
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Held-out images for prior match and k-NN (MMD costs O(n²)). */
  readonly metricImages: number;
  readonly quiet?: boolean;
}

/** One trained model of the comparison and its numbers. */
export interface CompareRow {
  readonly name: string;
  readonly model: Config['model'];
  readonly prior: PriorSpec['kind'];
  readonly priorLabel: string;
  /** Its run folder, relative to the comparison folder. */
  readonly run: string;
  /** Test terms after the last epoch, nats per image. */
  readonly test: Readonly<Record<string, number>>;
  readonly latent: LatentMatch;
  readonly trainSeconds: number;
}

export interface CompareResult {
  readonly dir: string;
  readonly rows: readonly CompareRow[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly reports: { readonly markdown: string; readonly html: string; readonly json: string };
}

const PRIORS = [
  { key: 'gaussian', label: 'Gaussian N(0, I)', spec: { kind: 'standard-normal' } },
  { key: 'mixture', label: '10 Gaussians on a circle', spec: { kind: 'gaussian-mixture', components: 10, radius: 4, std: 0.5 } },
] as const;
/** The families compared, in column order: a KL term, a discriminator, a kernel penalty (each with its defaults). */
export const COMPARE_MODELS = ['vae', 'aae', 'wae'] as const;

/** The six configurations, in training order. */
export function compareConfigs(o: Pick<CompareOptions, 'epochs' | 'hidden' | 'seed' | 'data' | 'trainLimit' | 'testLimit'>) {
  return PRIORS.flatMap((prior) => COMPARE_MODELS.map((model) => {
    const input: ConfigInput = {
      model, seed: o.seed, latentDim: 2, prior: prior.spec,
      encoder: { hidden: [...o.hidden] }, decoder: { hidden: [...o.hidden].reverse() },
      data: { source: o.data, trainLimit: o.trainLimit, testLimit: o.testLimit },
      train: { epochs: o.epochs },
    };
    return { name: `${model}-${prior.key}`, priorLabel: prior.label, config: resolveConfig(input, `compare (${model}, ${prior.key} prior)`) };
  }));
}

/** Seconds per training step of each family, from a few timed steps on `train`. */
async function timeSteps(configs: readonly { config: Config }[], train: DataSource): Promise<Map<string, number>> {
  const perStep = new Map<string, number>();
  for (const { config } of configs) {
    if (perStep.has(config.model)) continue;
    const model = buildModel(config, train.shape);
    const family = modelFamily(config);
    const batch = config.train.batchSize;
    const sample = materialize(take(train, 6 * batch));
    const steps = Math.ceil(sample.size / batch);
    const phases = family.phases(model, { stepsPerEpoch: steps });
    await trainEpoch({ phases, data: take(sample, 2 * batch), batchSize: batch, epoch: 1, seed: 1, startStep: 0 }); // warm-up
    const start = nowMs();
    await trainEpoch({ phases, data: sample, batchSize: batch, epoch: 2, seed: 1, startStep: 2 });
    perStep.set(config.model, (nowMs() - start) / 1000 / steps);
    for (const p of phases) p.optimizer.dispose();
    model.dispose();
  }
  return perStep;
}

export function formatMinutes(seconds: number): string {
  return seconds < 90 ? `${Math.max(1, Math.round(seconds))} s` : `${Math.round(seconds / 60)} min`;
}

export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  // Claim the folder at once (an exclusive mkdir): a second comparison started in the
  // same second stops here, instead of finding it later and removing the first one's.
  const configs = compareConfigs(o);
  claimFolder(o.dir);
  let data: ReturnType<typeof loadTrainingSplits>;
  let perStep: Awaited<ReturnType<typeof timeSteps>>;
  try {
    // One copy of the data for the six runs (every config has the same data options); a large image folder is read batch by batch.
    data = loadTrainingSplits(o.data, dataOptions(configs[0].config.data));
    if (!data.test.labels) throw new UserError(`--data ${o.data}: the comparison colours codes by label and measures k-NN accuracy, so the data needs label files`);
    perStep = await timeSteps(configs, data.train);
  } catch (e) {
    rmSync(o.dir, { recursive: true, force: true });
    throw e;
  }
  const { train, test } = data;
  const log = (line: string) => { if (!o.quiet) process.stdout.write(`${line}\n`); };
  const stepsPerEpoch = Math.ceil(train.size / configs[0].config.train.batchSize);
  const steps = stepsPerEpoch * o.epochs;
  // Evaluation, figures and metrics add about a fifth (measured on MNIST at the default settings).
  const estimate = (model: string) => 1.2 * steps * perStep.get(model)!;
  const remaining = (from: number) => configs.slice(from).reduce((sum, c) => sum + estimate(c.config.model), 0);
  const timed = COMPARE_MODELS.map((m) => `${m.toUpperCase()} ${(1000 * perStep.get(m)!).toFixed(0)} ms`).join(', ');
  log(`${pc.bold('compare')}: VAE, AAE and WAE × Gaussian and 10-Gaussian-mixture priors, 2-D latent, ${o.epochs} epochs each on ${train.size} images`);
  log(`expected time: about ${pc.bold(formatMinutes(remaining(0)))} (timed steps: ${timed})`);
  const rows: CompareRow[] = [];
  // The comparison folder appears whole or not at all: an error or Ctrl-C part-way removes it.
  // (Registered before each run's own handler, so it runs first and exits.)
  const stopListening = onStopSignal((signal, exitCode) => {
    rmSync(o.dir, { recursive: true, force: true });
    process.stderr.write(`\ninterrupted (${signal}); ${o.dir} removed (nothing kept)\n`);
    process.exit(exitCode);
  }, { prepend: true });
  try {
    for (const [i, { name, priorLabel, config }] of configs.entries()) {
      log(`\n${pc.bold(`[${i + 1}/${configs.length}] ${config.model.toUpperCase()}, prior: ${priorLabel}`)} ${pc.dim(`(about ${formatMinutes(remaining(i))} left)`)}`);
      const result = await trainRun({ config, dir: path.join(o.dir, name), backend: o.backend, quiet: o.quiet, data });
      const latent = await latentMatch(result.model, materialize(take(test, o.metricImages)), o.seed);
      const last = result.records.at(-1)!;
      // Later estimates use this run's measured pace instead of the few timed steps.
      perStep.set(config.model, result.records.reduce((sum, rec) => sum + rec.seconds, 0) / (result.records.length * stepsPerEpoch));
      rows.push({
        name, model: config.model, prior: config.prior.kind, priorLabel, run: name, test: last.test, latent,
        trainSeconds: result.records.reduce((s, r) => s + r.seconds, 0),
      });
      result.model.dispose();
    }
  } catch (e) {
    rmSync(o.dir, { recursive: true, force: true });
    throw e;
  } finally {
    stopListening();
  }
  const settings = {
    epochs: o.epochs, hidden: o.hidden, latentDim: 2, seed: o.seed, data: o.data, trainImages: train.size, testImages: test.size,
    metricImages: Math.min(o.metricImages, test.size), backend: o.backend,
  };
  const json = path.join(o.dir, 'comparison.json');
  writeJsonAtomic(json, { settings, rows });
  const { markdown, html } = writeReport(o.dir, rows, settings);
  return { dir: o.dir, rows, settings, reports: { markdown, html, json } };
}
