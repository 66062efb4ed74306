// The AAE recipe's targets, measured: `latentlab compare` (VAE and AAE × N(0, I)
// and 10-Gaussian priors, 2-D, default nets and settings) over several seeds,
// then the mean and spread of each number and a check of each target:
//   N(0, I):      AAE two-sample ≤ VAE's + 2 points; AAE MMD² ≤ 2 × VAE's;
//                 AAE reconstruction ≤ 1.05 × the VAE's reconstruction term;
//                 AAE k-NN ≥ VAE's − 3 points
//   10 Gaussians: AAE MMD² ≤ VAE's / 4; AAE two-sample ≤ VAE's − 10 points;
//                 AAE reconstruction ≤ 1.05 × the VAE's reconstruction term
//   every AAE run: test reconstruction at its last epoch ≤ 1.02 × its best epoch's
//
//   node --import tsx bench/aae-recipe.ts [--seeds 1,2,3] [--epochs 10] [--data mnist|shapes|DIR]
//        [--out bench-runs] [--from DIR …]   (--from: aggregate comparison folders already made)
// --data shapes: the synthetic shape images of bench/shapes-data.ts (20,000 training and
// 4,000 test images, made on first use in <out>/shapes-data), a second image data set.
// Seeds run one after another; to use both cores, run one seed per process with
// --seeds N and then aggregate with --from.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCompare, initBackend } from '../src/node/index.js';
import { writeShapesFolder } from './shapes-data.js';

interface Row { name: string; model: string; prior: string; run: string; test: Record<string, number>; latent: { mmd: number; twoSample: number; knn: number | null } }

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const from = args.flatMap((a, i) => (args[i - 1] === '--from' ? [a] : []));
const out = flag('out', 'bench-runs');
const dataFlag = flag('data', 'mnist');
const data = dataFlag === 'shapes'
  ? (existsSync(path.join(out, 'shapes-data')) ? path.resolve(out, 'shapes-data') : path.resolve(writeShapesFolder(path.join(out, 'shapes-data'))))
  : dataFlag;
const folders: string[] = [...from];
if (!from.length) {
  const backend = await initBackend('wasm');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  for (const seed of flag('seeds', '1,2,3').split(',').map(Number)) {
    const dir = path.join(out, `aae-recipe-${path.basename(dataFlag)}-s${seed}-${stamp}`);
    await runCompare({ dir, backend, epochs: Number(flag('epochs', '10')), hidden: [512, 256], seed, data, metricImages: 2000, quiet: true });
    console.log(`seed ${seed}: ${dir}`);
    folders.push(dir);
  }
}

const comparisons = folders.map((dir) => ({ dir, rows: (JSON.parse(readFileSync(path.join(dir, 'comparison.json'), 'utf8')) as { rows: Row[] }).rows }));
const get = (name: string, pick: (r: Row) => number) => comparisons.map(({ rows }) => pick(rows.find((r) => r.name === name)!));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const show = (xs: number[], digits: number, scale = 1) => `${(scale * mean(xs)).toFixed(digits)} ± ${(scale * spread(xs)).toFixed(digits)}`;

console.log(`\n${comparisons.length} seed(s), mean ± standard deviation; data ${dataFlag}\n`);
console.log('| model | prior | test reconstruction | MMD² to prior | two-sample | k-NN |');
console.log('|---|---|---|---|---|---|');
for (const name of ['vae-gaussian', 'aae-gaussian', 'vae-mixture', 'aae-mixture']) {
  const [model, prior] = name.split('-');
  console.log(`| ${model.toUpperCase()} | ${prior === 'gaussian' ? 'N(0, I)' : '10 Gaussians'} | ${show(get(name, (r) => r.test.reconstruction), 2)} | ${show(get(name, (r) => r.latent.mmd), 3)} | ${show(get(name, (r) => r.latent.twoSample), 1, 100)} % | ${show(get(name, (r) => r.latent.knn ?? NaN), 1, 100)} % |`);
}

const m = (name: string, pick: (r: Row) => number) => mean(get(name, pick));
const rec = (r: Row) => r.test.reconstruction;
const checks: [string, boolean, string][] = [];
const check = (label: string, ours: number, bound: number, atMost = true) => checks.push([label, atMost ? ours <= bound : ours >= bound, `${ours.toFixed(4)} ${atMost ? '≤' : '≥'} ${bound.toFixed(4)}`]);
check('N(0, I): AAE two-sample ≤ VAE + 2 points', m('aae-gaussian', (r) => r.latent.twoSample), m('vae-gaussian', (r) => r.latent.twoSample) + 0.02);
check('N(0, I): AAE MMD² ≤ 2 × VAE', m('aae-gaussian', (r) => r.latent.mmd), 2 * m('vae-gaussian', (r) => r.latent.mmd));
check('N(0, I): AAE reconstruction ≤ 1.05 × VAE reconstruction term', m('aae-gaussian', rec), 1.05 * m('vae-gaussian', rec));
check('N(0, I): AAE k-NN ≥ VAE − 3 points', m('aae-gaussian', (r) => r.latent.knn!), m('vae-gaussian', (r) => r.latent.knn!) - 0.03, false);
check('10 Gaussians: AAE MMD² ≤ VAE / 4', m('aae-mixture', (r) => r.latent.mmd), m('vae-mixture', (r) => r.latent.mmd) / 4);
check('10 Gaussians: AAE two-sample ≤ VAE − 10 points', m('aae-mixture', (r) => r.latent.twoSample), m('vae-mixture', (r) => r.latent.twoSample) - 0.1);
check('10 Gaussians: AAE reconstruction ≤ 1.05 × VAE reconstruction term', m('aae-mixture', rec), 1.05 * m('vae-mixture', rec));
for (const { dir } of comparisons) {
  for (const run of readdirSync(dir).filter((f) => f.startsWith('aae-'))) {
    const file = path.join(dir, run, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    const curve = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { test: Record<string, number> }).test.reconstruction);
    const best = Math.min(...curve);
    check(`${path.basename(dir)}/${run}: last epoch ≤ 1.02 × best [${curve.map((c) => c.toFixed(1)).join(' ')}]`, curve.at(-1)!, 1.02 * best);
  }
}
console.log('');
for (const [label, ok, detail] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}  (${detail})`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
