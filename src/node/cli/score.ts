/**
 * `latentlab score RUN`: an anomaly score per example (higher = less like
 * the training data; core/metrics/scores.ts) as CSV, and, when it is known
 * which examples are anomalies, the ROC curve, its area and a threshold.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import type { DataSource } from '../../core/data/dataset.js';
import { anomalyScores } from '../../core/metrics/scores.js';
import { rocCurve, type RocCurve } from '../../core/metrics/roc.js';
import { checkLabels } from '../../core/models/conditioning.js';
import { modelFamily } from '../../core/models/registry.js';
import { deriveSeed } from '../../core/util/random.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { readArrayFile, labelsFrom } from '../data/arrays.js';
import { csvText, outputFormat } from '../data/codes.js';
import { UserError } from '../errors.js';
import { lineChartPng } from '../figures.js';
import { writeFileAtomic, writeJsonAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { createReporter } from '../progress.js';
import { loadRunExamples, type RunDataFlags } from '../run-data.js';
import { dataFlags } from './encode.js';
import { intArg } from './options.js';

interface ScoreFlags extends RunDataFlags {
  out: string; iw?: number; samples: number; score?: 'likelihood' | 'squared-error'; seed: number; backend: BackendChoice; quiet?: boolean;
  anomalyLabels?: string; normalClass?: string; roc?: string;
}

export interface ScoreResult {
  readonly file: string;
  readonly method: string;
  readonly count: number;
  readonly roc?: RocCurve;
}

const ANOMALY_FOLDERS = ['anomaly', 'anomalies', 'anomalous', 'abnormal', 'outlier', 'outliers'];

/** 1 for each anomalous example, from --anomaly-labels, --normal-class or a normal/anomaly class layout; undefined when unknown. */
function anomalyFlags(data: DataSource, flags: ScoreFlags): { anomalous: Uint8Array; how: string } | undefined {
  if (flags.anomalyLabels && flags.normalClass !== undefined) throw new UserError('use --anomaly-labels or --normal-class, not both');
  if (flags.anomalyLabels) {
    const labels = labelsFrom(readArrayFile(path.resolve(flags.anomalyLabels)), data.size, data.name);
    const bad = labels.findIndex((l) => l > 1);
    if (bad >= 0) throw new UserError(`--anomaly-labels ${flags.anomalyLabels}: entry ${bad} is ${labels[bad]}; use 1 for an anomaly, 0 for a normal example`);
    return { anomalous: Uint8Array.from(labels), how: flags.anomalyLabels };
  }
  const names = data.classNames;
  if (flags.normalClass !== undefined) {
    if (!data.labels) throw new UserError(`--normal-class: ${data.name} has no class labels`);
    const byName = names?.indexOf(flags.normalClass) ?? -1;
    const normal = byName >= 0 ? byName : /^\d+$/.test(flags.normalClass) ? Number(flags.normalClass) : -1;
    if (normal < 0 || normal >= (data.numClasses ?? 0)) {
      throw new UserError(`--normal-class ${flags.normalClass}: not a class of ${data.name} (${names ? names.join(', ') : `0 … ${(data.numClasses ?? 1) - 1}`})`);
    }
    return { anomalous: Uint8Array.from(data.labels, (l) => (l === normal ? 0 : 1)), how: `every class but ${names?.[normal] ?? normal}` };
  }
  if (data.labels && names && names.length === 2) {
    const lower = names.map((n) => n.toLowerCase());
    const a = lower.findIndex((n) => ANOMALY_FOLDERS.includes(n));
    if (a >= 0 && lower[1 - a] === 'normal') return { anomalous: Uint8Array.from(data.labels, (l) => (l === a ? 1 : 0)), how: `the ${names[a]}/ and ${names[1 - a]}/ folders` };
  }
  return undefined;
}

function rocFigure(roc: RocCurve, title: string): Uint8Array {
  return lineChartPng([
    { name: `ROC (AUROC ${roc.auroc.toFixed(4)})`, x: Array.from(roc.fpr), y: Array.from(roc.tpr) },
    { name: 'chance', x: [0, 1], y: [0, 1], dashed: true },
  ], { title, xLabel: 'false-positive rate (normal examples flagged)', yLabel: 'true-positive rate (anomalies flagged)', width: 560, height: 520 });
}

export async function runScore(dir: string, flags: ScoreFlags): Promise<ScoreResult> {
  outputFormat(flags.out, ['csv']);
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const family = modelFamily(run.config);
  const posteriorDensity = family.hasPosteriorDensity(run.config);
  if (flags.iw !== undefined && flags.score === 'squared-error') throw new UserError('--iw applies to --score likelihood (the importance-weighted bound), not squared-error');
  if (flags.iw !== undefined && !posteriorDensity) {
    throw new UserError(`--iw: the importance-weighted bound needs q(z|x) to have a density; this ${run.config.model} has a deterministic encoder (its score is −log p(x|z) − log p(z) at z = E(x))`);
  }
  const data = loadRunExamples(run, flags);
  checkLabels(run.config, data);
  const truth = anomalyFlags(data, flags);
  const reporter = createReporter({ quiet: flags.quiet });
  reporter.start('scoring', data.size);
  const scores = await anomalyScores(model, data, {
    seed: deriveSeed(flags.seed, 47), posteriorDensity, samples: flags.samples, iw: flags.iw, kind: flags.score, onProgress: (done) => reporter.update(done),
  });
  reporter.stop();
  const termNames = Object.keys(scores.terms);
  const header = ['index', ...(data.names ? ['name'] : []), ...(data.labels ? ['label'] : []), ...(data.labels && data.classNames ? ['class'] : []), 'score', ...termNames, ...(truth ? ['anomaly'] : [])];
  const rows = function* () {
    for (let i = 0; i < data.size; i++) {
      yield [i, ...(data.names ? [data.names[i]] : []), ...(data.labels ? [data.labels[i]] : []), ...(data.labels && data.classNames ? [data.classNames[data.labels[i]] ?? ''] : []),
        scores.score[i], ...termNames.map((t) => scores.terms[t][i]), ...(truth ? [truth.anomalous[i]] : [])];
    }
  };
  writeFileAtomic(flags.out, csvText(header, rows()));
  const lines = [`${flags.out}: ${data.size} scores of ${data.name}, ${scores.method}${flags.score === 'squared-error' ? '' : ', nats'} (higher = more anomalous)`];
  let roc: RocCurve | undefined;
  if (truth) {
    try {
      roc = rocCurve(scores.score, truth.anomalous);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      lines.push(`no ROC: ${e.message} (anomalies: ${truth.how})`);
    }
  }
  if (roc) {
    const rocFile = flags.roc ?? flags.out.replace(/\.csv$/i, '') + '-roc.png';
    writeFileAtomic(rocFile, rocFigure(roc, `Anomaly score ROC: ${roc.positives} anomalies (${truth!.how}), ${roc.negatives} normal`));
    const summary = { method: scores.method, auroc: roc.auroc, anomalies: roc.positives, normal: roc.negatives, suggestedThreshold: roc.suggested, anomaliesAre: truth!.how };
    writeJsonAtomic(flags.out.replace(/\.csv$/i, '') + '-roc.json', summary);
    const s = roc.suggested;
    lines.push(`${pc.bold('AUROC')} ${roc.auroc.toFixed(4)} (anomalies: ${truth!.how}; ${roc.positives} anomalous, ${roc.negatives} normal)`,
      `suggested threshold: score ≥ ${s.threshold.toPrecision(6)} flags ${(100 * s.tpr).toFixed(1)} % of the anomalies and ${(100 * s.fpr).toFixed(1)} % of the normal examples (largest TPR − FPR)`,
      `ROC figure: ${rocFile}`);
  } else if (!truth) {
    lines.push(pc.dim('for an ROC and AUROC, say which examples are anomalies: --normal-class, --anomaly-labels, or normal/ and anomaly/ folders'));
  }
  if (!flags.quiet) process.stdout.write(`${lines.join('\n')}\n`);
  return { file: flags.out, method: scores.method, count: data.size, roc };
}

export function scoreCommand(): Command {
  return dataFlags(new Command('score')
    .description('an anomaly score per example (−ELBO for a VAE; −log p(x|z) − log p(z) at the code for an AAE); with known anomalies, the ROC, AUROC and a threshold')
    .argument('<run_dir>', 'a run folder written by latentlab train (usually on normal data only)')
    .requiredOption('-o, --out <file>', 'scores.csv: index, name, label, score, its terms, anomaly (when known)'))
    .addOption(new Option('--score <kind>', 'likelihood (default): −ELBO, the IW bound, or −log p(x, z) at an AAE\'s code; squared-error: Σ (x − x̂)² at the mean code (often better at ranking anomalies: see bench/one-class.ts)').choices(['likelihood', 'squared-error']))
    .option('--iw <K>', 'score by the importance-weighted bound with K samples (models whose q(z|x) has a density)', intArg(1))
    .option('--samples <n>', 'samples of z for the −ELBO', intArg(1), 10)
    .option('--normal-class <name>', 'the class that is normal (a class name or number); every other class is an anomaly')
    .option('--anomaly-labels <file>', 'a .npy or IDX file with 1 for each anomalous example and 0 for each normal one, in the data\'s order')
    .option('--roc <file>', 'where to write the ROC figure (default <out>-roc.png)')
    .option('--seed <n>', 'seed for the samples of z', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('-q, --quiet', 'no progress or summary')
    .addHelpText('after', `
Anomalies are known from --normal-class, --anomaly-labels, or a data folder with normal/ and anomaly/ subfolders.
Examples:
  latentlab train --data ./normal-only --name detector            # train on normal examples
  latentlab score runs/detector --data ./new-batch -o scores.csv
  latentlab score runs/digit3 --data mnist --normal-class 3 -o scores.csv   # one-class MNIST: AUROC, ROC figure`)
    .action(async (dir: string, flags: ScoreFlags) => {
      await runScore(dir, flags);
    });
}
