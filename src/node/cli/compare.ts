import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { runCompare, type CompareResult } from '../compare.js';
import { intArg, listArg } from './options.js';

export interface CompareFlags {
  epochs: number; hidden: number[]; seed: number; data: string; trainLimit?: number; testLimit?: number; metricImages: number;
  backend: BackendChoice; out: string; name?: string; quiet?: boolean; quick?: boolean;
}

/** The settings of `--quick` (what `npm start` runs): fewer epochs, same models. */
export const QUICK_EPOCHS = 3;

export async function compare(flags: CompareFlags, { serveHint = true } = {}): Promise<CompareResult> {
  const backend = await initBackend(flags.backend);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = path.join(flags.out, flags.name ?? `compare-${stamp}`);
  const result = await runCompare({
    dir, backend, epochs: flags.quick ? QUICK_EPOCHS : flags.epochs, hidden: flags.hidden, seed: flags.seed, data: flags.data,
    trainLimit: flags.trainLimit, testLimit: flags.testLimit, metricImages: flags.metricImages, quiet: flags.quiet,
  });
  printCompareSummary(result, { serveHint });
  return result;
}

/** The command that shows a comparison in the page: serve the folder it is in, where it is listed with the other runs. */
export function serveCommandFor(result: Pick<CompareResult, 'dir'>): string {
  return `npx latentlab serve ${path.dirname(result.dir)}`;
}

export function printCompareSummary(result: CompareResult, { serveHint = true } = {}): void {
  const lines = ['', pc.bold('model  prior                      reconstruction  MMD²    two-sample  k-NN')];
  for (const r of result.rows) {
    lines.push(`${r.model.toUpperCase().padEnd(6)} ${r.priorLabel.padEnd(26)} ${r.test.reconstruction.toFixed(2).padStart(14)}  ${r.latent.mmd.toFixed(3).padStart(6)}  ${`${(100 * r.latent.twoSample).toFixed(1)} %`.padStart(10)}  ${r.latent.knn === null ? '–' : `${(100 * r.latent.knn).toFixed(1)} %`}`);
  }
  lines.push('', `${pc.bold('report')} ${result.reports.html}`, `       ${result.reports.markdown}`, `${pc.bold('runs')}   ${result.rows.map((r) => path.join(result.dir, r.run)).join('\n       ')}`);
  if (serveHint) lines.push('', `Explore them in the browser: ${pc.cyan(serveCommandFor(result))} (they are listed under ${path.basename(result.dir)}/, beside your other runs)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('train a VAE, an AAE and a WAE (same nets, 2-D latent) with a Gaussian and with a 10-Gaussian mixture prior, and write a report comparing their latent spaces')
    .option('--epochs <n>', 'epochs per model', intArg(1), 10)
    .option('--quick', `the quick version (${QUICK_EPOCHS} epochs per model, what npm start runs)`)
    .option('--hidden <sizes>', 'encoder hidden widths (decoder mirrored), same for all six models', listArg, [512, 256])
    .option('--data <source>', "'mnist' (embedded) or a folder of IDX files with labels", 'mnist')
    .option('--train-limit <n>', 'use only the first N training images', intArg(1))
    .option('--test-limit <n>', 'use only the first N test images', intArg(1))
    .option('--metric-images <n>', 'test images for prior match and k-NN accuracy (MMD costs n²)', intArg(4), 2000)
    .option('--seed <n>', 'random seed for all six models', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder of the comparison folder', 'runs')
    .option('--name <name>', 'comparison folder name (default compare-<timestamp>)')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
What it writes, in <out>/<name>/:
  vae-gaussian/ aae-gaussian/ wae-gaussian/
  vae-mixture/  aae-mixture/  wae-mixture/    six ordinary run folders
  report.html       the report, figures embedded (open it in a browser)
  report.md         the same, figures linked
  comparison.json   every number in the report

Time: it times a few steps first and prints its estimate. At the defaults
(10 epochs, 512-256 nets, MNIST) expect roughly 30–35 minutes on 2 cores
(the WAE's runs add about 40 % to the 20–25 minutes of the other four);
--quick takes a few minutes.`)
    .action(async (flags: CompareFlags) => {
      await compare(flags);
    });
}
