// The WAE beside the VAE and the AAE on MNIST with an 8-D latent and the same
// nets (the WAE paper's MNIST latent size; README "WAE"): each model trained
// through the CLI's own trainRun, then the test reconstruction (nats per
// image) and the prior match of `latentlab compare` on the first 2,000 test
// images (MMD² of one code z ~ q(z|x) per image against as many prior samples,
// IMQ kernel with σ² = 1; the two-sample classifier's accuracy; k-NN accuracy).
//
//   node --import tsx bench/wae-mnist.ts [--models vae,aae,wae] [--seeds 1,2] [--epochs 5]
//        [--hidden 512,256] [--latent-dim 8] [--batch-size 100] [--mmd-weight 100]
//        [--wae-encoder deterministic|gaussian] [--prior standard-normal|gaussian-mixture]
//        [--train-limit N] [--out bench-runs]
//
// One line per run as it finishes, then a Markdown table (the runs stay in
// <out>/wae-mnist-<stamp>/ as ordinary run folders).
import path from 'node:path';
import { resolveConfig } from '../src/core/config/resolve.js';
import type { ConfigInput } from '../src/core/config/schema.js';
import { materialize, take } from '../src/core/data/dataset.js';
import { latentMatch, type LatentMatch } from '../src/core/metrics/latent-match.js';
import { dataOptions, loadTrainingSplits } from '../src/node/datasets.js';
import { initBackend, trainRun } from '../src/node/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const list = (name: string, fallback: string) => flag(name, fallback).split(',').filter(Boolean);
const models = list('models', 'vae,aae,wae');
const seeds = list('seeds', '1,2').map(Number);
const hidden = list('hidden', '512,256').map(Number);
const epochs = Number(flag('epochs', '5'));
const latentDim = Number(flag('latent-dim', '8'));
const batchSize = Number(flag('batch-size', '100'));
const mmdWeights = list('mmd-weight', '100').map(Number);
const trainLimit = args.includes('--train-limit') ? Number(flag('train-limit', '0')) : undefined;
const prior = flag('prior', 'standard-normal');
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const out = path.join(flag('out', 'bench-runs'), `wae-mnist-${stamp}`);

const backend = await initBackend('auto');
const variants = models.flatMap((model) => (model === 'wae' ? mmdWeights.map((w) => ({ model, mmdWeight: w as number | undefined })) : [{ model, mmdWeight: undefined }]));
const base = (seed: number) => ({
  seed, latentDim, prior: { kind: prior }, encoder: { hidden }, decoder: { hidden: [...hidden].reverse() },
  data: { source: 'mnist', trainLimit }, train: { epochs, batchSize },
});
const first = resolveConfig(base(seeds[0]) as ConfigInput);
const data = loadTrainingSplits('mnist', dataOptions(first.data));
const metricImages = materialize(take(data.test, 2000));

interface Result { name: string; seed: number; reconstruction: number; seconds: number; latent: LatentMatch }
const results: Result[] = [];
console.log(`backend ${backend}; ${epochs} epochs, batch ${batchSize}, nets ${hidden.join('-')}, ${latentDim}-D latent, prior ${prior}; runs in ${out}`);
for (const seed of seeds) {
  for (const { model, mmdWeight } of variants) {
    const input = {
      ...base(seed), model,
      ...(model === 'wae' ? { wae: { mmdWeight, encoder: flag('wae-encoder', 'deterministic') } } : {}),
    } as ConfigInput;
    const config = resolveConfig(input, 'bench');
    const name = model === 'wae' ? `wae-l${mmdWeight}` : model;
    const result = await trainRun({ config, dir: path.join(out, `${name}-s${seed}`), backend, quiet: true, data });
    const latent = await latentMatch(result.model, metricImages, seed);
    const last = result.records.at(-1)!;
    const r: Result = { name, seed, reconstruction: last.test.reconstruction, seconds: result.records.reduce((s, x) => s + x.seconds, 0), latent };
    results.push(r);
    console.log(JSON.stringify({ ...r, test: last.test, curve: result.records.map((x) => Number(x.test.reconstruction.toFixed(2))) }));
    result.model.dispose();
  }
}
console.log('\n| model | seed | test reconstruction (nats) | MMD² to prior | two-sample | k-NN | training s |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.seed} | ${r.reconstruction.toFixed(2)} | ${r.latent.mmd.toFixed(4)} | ${(100 * r.latent.twoSample).toFixed(1)} % | ${r.latent.knn === null ? '–' : `${(100 * r.latent.knn).toFixed(1)} %`} | ${r.seconds.toFixed(0)} |`);
}
