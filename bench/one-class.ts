/**
 * One-class anomaly detection on MNIST, the standard protocol: for each
 * digit d, train on the training images of d only, score the whole test set
 * (10,000 images; the other nine digits are the anomalies) and report the
 * AUROC of two scores (latentlab score): the likelihood's, −ELBO with 10
 * samples of z (or the importance-weighted bound with --iw K), and the
 * squared error of the reconstruction at the mean code (--score
 * squared-error). The model is a VAE (784-400-20 by default, the canonical
 * preset; --latent-dim and --hidden change its MLPs), or another preset's
 * (--preset conv-mnist: the convolutional VAE, its own latent size).
 *
 *   node --import tsx bench/one-class.ts [--epochs 30] [--digits 0,1,…] [--seeds 1,2]
 *        [--preset canonical] [--latent-dim 20] [--hidden 400] [--iw K] [--reuse] [--out bench-runs/one-class]
 *
 * Each (digit, seed) is the same as
 *   latentlab train --preset P --train-classes d --epochs E --seed s
 *   latentlab score RUN --normal-class d -o scores.csv [--score squared-error]
 * --reuse scores run folders already trained for E epochs again instead of
 * retraining. Results: a table on stdout and <out>/results.json.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mergeConfig, resolveConfig } from '../src/core/config/resolve.js';
import { initBackend } from '../src/node/backend.js';
import { runScore } from '../src/node/cli/score.js';
import { readPreset } from '../src/node/presets.js';
import { trainRun } from '../src/node/train-run.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '30' },
    digits: { type: 'string', default: '0,1,2,3,4,5,6,7,8,9' },
    seeds: { type: 'string', default: '1' },
    'latent-dim': { type: 'string', default: '20' },
    hidden: { type: 'string', default: '400' },
    preset: { type: 'string', default: 'canonical' },
    iw: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-runs/one-class' },
  },
});
const list = (s: string) => s.split(',').map((v) => Number(v.trim()));
const digits = list(values.digits!);
const seeds = list(values.seeds!);
const epochs = Number(values.epochs);
const hidden = list(values.hidden!);
const out = path.resolve(values.out!);
mkdirSync(out, { recursive: true });
const backend = await initBackend('auto');

interface Row { digit: number; seed: number; auroc: number; aurocSquaredError: number; trainSeconds: number; normal: number }
const rows: Row[] = [];
const started = Date.now();
for (const digit of digits) {
  for (const seed of seeds) {
    const dir = path.join(out, `digit${digit}-seed${seed}`);
    const latest = path.join(dir, 'checkpoints', 'latest.json');
    const reuse = values.reuse && existsSync(latest) && JSON.parse(readFileSync(latest, 'utf8')).epoch === epochs;
    let trainSeconds = NaN;
    if (!reuse) {
      rmSync(dir, { recursive: true, force: true });
      const preset = readPreset(values.preset!) as { encoder?: { kind?: string } };
      const mlp = preset.encoder?.kind !== 'conv';
      const config = resolveConfig(mergeConfig(preset, {
        seed, ...(mlp ? { latentDim: Number(values['latent-dim']), encoder: { hidden }, decoder: { hidden: [...hidden].reverse() } } : {}),
        data: { source: 'mnist', trainClasses: [digit] }, train: { epochs },
      }));
      const t0 = Date.now();
      const trained = await trainRun({ config, dir, backend, quiet: true });
      trainSeconds = (Date.now() - t0) / 1000;
      trained.model.dispose();
    }
    const score = (kind: 'likelihood' | 'squared-error') => runScore(dir, {
      out: path.join(dir, kind === 'likelihood' ? 'scores.csv' : 'scores-squared-error.csv'), normalClass: String(digit), samples: 10, seed: 1, backend: 'auto', quiet: true,
      iw: kind === 'likelihood' && values.iw !== undefined ? Number(values.iw) : undefined, score: kind,
    });
    const likelihood = await score('likelihood');
    const squared = await score('squared-error');
    rows.push({ digit, seed, auroc: likelihood.roc!.auroc, aurocSquaredError: squared.roc!.auroc, trainSeconds, normal: likelihood.roc!.negatives });
    process.stdout.write(`digit ${digit} seed ${seed}: AUROC ${likelihood.roc!.auroc.toFixed(4)} (likelihood), ${squared.roc!.auroc.toFixed(4)} (squared error)${reuse ? ' (reused run)' : ` (trained ${trainSeconds.toFixed(0)} s)`}\n`);
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const perDigit = digits.map((d) => {
  const mine = rows.filter((r) => r.digit === d);
  return { digit: d, auroc: mean(mine.map((r) => r.auroc)), aurocSquaredError: mean(mine.map((r) => r.aurocSquaredError)), seeds: mine.map((r) => [r.auroc, r.aurocSquaredError]) };
});
const overall = mean(perDigit.map((d) => d.auroc));
const overallSquared = mean(perDigit.map((d) => d.aurocSquaredError));
const likelihoodName = values.iw ? `−L_${values.iw}` : '−ELBO (10 samples)';
const conv = values.preset !== 'canonical';
const command = `node --import tsx bench/one-class.ts --epochs ${epochs} --digits ${values.digits} --seeds ${values.seeds}${conv ? ` --preset ${values.preset}` : ` --latent-dim ${values['latent-dim']} --hidden ${values.hidden}`}${values.iw ? ` --iw ${values.iw}` : ''}`;
const lines = [
  `One-class MNIST (train on one digit, score all 10,000 test images; the other digits are anomalies). ${conv ? `the ${values.preset} preset's VAE` : `VAE 784-${hidden.join('-')}-${values['latent-dim']}`}, ${epochs} epochs, mean over seeds ${values.seeds}`,
  '',
  `| digit | AUROC, ${likelihoodName} | AUROC, squared error | per seed (likelihood / squared error) |`,
  '|---|---|---|---|',
  ...perDigit.map((d) => `| ${d.digit} | ${d.auroc.toFixed(4)} | ${d.aurocSquaredError.toFixed(4)} | ${d.seeds.map(([a, b]) => `${a.toFixed(4)} / ${b.toFixed(4)}`).join(', ')} |`),
  `| **mean** | **${overall.toFixed(4)}** | **${overallSquared.toFixed(4)}** | |`,
  '',
  `command: ${command}`,
  `wall time: ${((Date.now() - started) / 60000).toFixed(1)} min`,
];
process.stdout.write(`\n${lines.join('\n')}\n`);
writeFileSync(path.join(out, 'results.json'), `${JSON.stringify({ command, epochs, digits: perDigit, mean: overall, meanSquaredError: overallSquared, rows }, null, 2)}\n`);
