/**
 * The learning curves of `latentlab train` runs in one figure, as
 * `latentlab reproduce vae` draws them for its own runs: each run's held-out
 * headline term (−ELBO, or −L_K for an IWAE run) against its cumulative
 * training hours.
 *
 *   node --import tsx bench/race-curves.ts RUN_DIR… [--out curves.png] [--note "…"]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochRecord } from '../src/core/training/fit.js';
import { learningCurvesPng } from '../src/node/reproduce.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined);
const out = option('--out') ?? 'curves.png';
const note = option('--note') ?? '';
const runs = args.map((dir) => ({
  name: path.basename(dir),
  records: readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochRecord),
}));
writeFileSync(out, learningCurvesPng(runs, note));
console.log(out);
