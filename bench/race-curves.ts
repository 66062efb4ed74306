/**
 * The learning curves of `latentlab train` runs in one figure, as
 * `latentlab reproduce vae` draws them for its own runs: each run's held-out
 * headline term (−ELBO, or −L_K for an IWAE run) against its cumulative
 * training hours.
 *
 *   node --import tsx bench/race-curves.ts RUN_DIR… [--out curves.png] [--note "…"] [--gap RUN:FROM-TO]… [--by-epoch train|test]
 *
 * --by-epoch plots the term per epoch instead (on the training batches as
 * the epoch trained on them, or on the test images), for runs compared at
 * the same epochs whose wall times other work on the machine distorted.
 *
 * --gap leaves epochs FROM..TO of the run named RUN (its folder's name) out of
 * its curve, as a gap (their training time still counts), for held-out
 * values known to be wrong; say why in --note. A run started with
 * `train --init-from` from another run in the figure begins where that run's
 * training time reached the epoch it started from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochRecord } from '../src/core/training/fit.js';
import { learningCurvesPng, trainingSeconds } from '../src/node/reproduce.js';
import { lineChartPng } from '../src/node/figures.js';
import { headlineTerm } from '../src/core/models/registry.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined);
const out = option('--out') ?? 'curves.png';
const note = option('--note') ?? '';
const byEpoch = option('--by-epoch');
if (byEpoch !== undefined && byEpoch !== 'train' && byEpoch !== 'test') {
  console.error(`bench/race-curves: --by-epoch ${byEpoch}: expected train or test`);
  process.exit(2);
}
const gaps: { run: string; from: number; to: number }[] = [];
for (let g = option('--gap'); g !== undefined; g = option('--gap')) {
  const m = /^(.+):(\d+)-(\d+)$/.exec(g);
  if (!m) {
    console.error(`bench/race-curves: --gap ${g}: expected RUN:FROM-TO, e.g. vamp-1h:170-190`);
    process.exit(2);
  }
  gaps.push({ run: m[1], from: Number(m[2]), to: Number(m[3]) });
}
const runs = args.map((dir) => {
  const name = path.basename(dir);
  const records = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochRecord);
  const gapped = records.map((r) => (gaps.some((g) => g.run === name && r.epoch >= g.from && r.epoch <= g.to)
    ? { ...r, test: Object.fromEntries(Object.keys(r.test).map((k) => [k, Number.NaN])) } : r));
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { initFrom?: { run: string; epoch: number } };
  return { name, records: gapped, initFrom: manifest.initFrom };
});
// A run that went on from another's weights starts where that run's training time reached the epoch it started
// from (that run's own start included, for a chain of runs).
const startOf = (run: (typeof runs)[number]): number | undefined => {
  const source = run.initFrom && runs.find((r) => r.name === path.basename(run.initFrom!.run));
  return source && (startOf(source) ?? 0) + trainingSeconds(source.records.filter((r) => r.epoch <= run.initFrom!.epoch));
};
const withStarts = runs.map((run) => {
  const startSeconds = startOf(run);
  const { initFrom: _, ...rest } = run;
  return { ...rest, ...(startSeconds !== undefined ? { startSeconds } : {}) };
});
if (byEpoch !== undefined) {
  const series = runs.map(({ name, records }) => {
    const { key, label } = headlineTerm(records[0]?.[byEpoch] ?? {});
    return { name: `${name} (${label})`, x: records.map((r) => r.epoch), y: records.map((r) => r[byEpoch][key]) };
  });
  const title = `${byEpoch === 'train' ? 'Training batches' : 'Held-out images'}: the bound per epoch`;
  writeFileSync(out, lineChartPng(series, { title, note, xLabel: 'epoch', yLabel: 'nats per image', width: 860, height: 480 }));
} else writeFileSync(out, learningCurvesPng(withStarts, note));
console.log(out);
