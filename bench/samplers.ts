/**
 * How much a Gaussian mixture fitted to the training codes improves an
 * autoencoder's samples over its prior: for each run folder, 10,000 images
 * decoded from z ~ p(z) and 10,000 from the mixture (`latentlab sample
 * --sampler gmm`), each compared with the 10,000 MNIST test images by the
 * Fréchet distance on the features of the shipped classifier
 * (bench/mnist-features.ts; not comparable to published FIDs). The 10,000
 * first training images against the test images give the floor (what real
 * digits score); the test images' own reconstructions (decoded means of
 * q(z|x)) give each model's ceiling, what its decoder draws from codes it
 * has seen.
 *
 *   node --import tsx bench/samplers.ts RUN [RUN …] [--n 10000] [--components 10[,20…]] [--seed 1] [--json out.json] [--grids DIR]
 *
 * --grids DIR also writes 64 samples of each sampler per run as PNG grids.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { materialize, take } from '../src/core/data/dataset.js';
import { initBackend } from '../src/node/backend.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { imageGridPng } from '../src/node/figures.js';
import { loadRunModel } from '../src/node/load-run.js';
import { decodeMeans, encodeMeans, sampleImages } from '../src/node/run-figures.js';
import * as tf from '@tensorflow/tfjs-core';
import { createSampler } from '../src/node/samplers.js';
import { featureNet, frechetDistance, imageStats, loadClassifier } from './mnist-features.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '10000' },
    components: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    grids: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
  },
});
if (!positionals.length) {
  console.error('usage: node --import tsx bench/samplers.ts RUN [RUN …] [--n 10000] [--components 10[,20…]] [--seed 1] [--json out.json] [--grids DIR]');
  process.exit(2);
}
const n = Number(values.n);
const seed = Number(values.seed);
const ks = values.components!.split(',').map(Number);
const backend = await initBackend(values.backend as 'auto');
const features = featureNet(await loadClassifier());
const splits = loadDataSplits('mnist');
const test = materialize(take(splits.test, 10000));
const reference = imageStats(features, test.x, test.size);
const trainImages = materialize(take(splits.train, 10000));
const floor = frechetDistance(imageStats(features, trainImages.x, trainImages.size), reference);
console.log(`backend ${backend}; FD of ${trainImages.size} MNIST training images vs the ${test.size} test images (the floor): ${floor.toFixed(3)}`);

interface Row { run: string; model: string; latentDim: number; epochs: number; sampler: string; fd: number; fitSeconds?: number }
const rows: Row[] = [];
for (const dir of positionals) {
  const { run, model } = await loadRunModel(dir);
  const name = path.basename(dir);
  const base = { run: name, model: run.config.model, latentDim: model.latentDim, epochs: run.checkpoint?.epoch ?? 0 };
  const samplers = [{ label: 'prior', make: () => createSampler('prior', { run, model, components: 0 }) },
    ...ks.map((k) => ({ label: `gmm-k${k}`, make: () => createSampler('gmm', { run, model, components: k, log: (line: string) => console.log(`  ${line}`) }) }))];
  const codes = encodeMeans(model, test);
  const z = tf.tensor2d(codes, [test.size, model.latentDim]);
  const recon = decodeMeans(model, z, test.labels);
  z.dispose();
  const reconFd = frechetDistance(imageStats(features, recon, test.size), reference);
  rows.push({ ...base, sampler: 'test reconstructions', fd: reconFd });
  console.log(`${name} reconstructions of the test images: FD ${reconFd.toFixed(3)}`);
  for (const { label, make } of samplers) {
    const started = performance.now();
    const sampler = await make();
    const fitSeconds = (performance.now() - started) / 1000;
    const images = sampleImages(model, n, seed, sampler.source);
    const fd = frechetDistance(imageStats(features, images, n), reference);
    rows.push({ ...base, sampler: label, fd, ...(label === 'prior' ? {} : { fitSeconds }) });
    console.log(`${name} ${label}: FD ${fd.toFixed(3)}${label === 'prior' ? '' : ` (mixture ${sampler.cached ? 'read from the cache' : 'fitted'} in ${fitSeconds.toFixed(1)} s)`}`);
    if (values.grids) {
      mkdirSync(values.grids, { recursive: true });
      const file = path.join(values.grids, `${name}-${label}.png`);
      writeFileSync(file, imageGridPng(images.subarray(0, 64 * 784), { count: 64, height: 28, width: 28, channels: 1, cols: 8, title: `${name}: ${label} (seed ${seed})` }));
    }
  }
  model.dispose();
}

console.log(`\n| run | model | z | epochs | sampler | FD ↓ |\n|---|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.run} | ${r.model} | ${r.latentDim} | ${r.epochs} | ${r.sampler} | ${r.fd.toFixed(3)} |`);
console.log(`| MNIST training images | | | | | ${floor.toFixed(3)} |`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ n, seed, components: ks, backend, floor, rows }, null, 2)}\n`);
