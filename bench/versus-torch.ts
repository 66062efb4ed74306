/**
 * LatentLab against the same model in PyTorch — the package that
 * `latentlab export --format pytorch` writes (same nets, same phases, same
 * data), so both sides run one model, not two implementations of an idea.
 *
 *   node --import tsx bench/versus-torch.ts aae [--images 20000] [--threads 1,2] [--python /usr/bin/python3]
 *       the AAE with 1000-1000 nets (the aae-paper preset, 2-D code, batch 100,
 *       three phases per batch: reconstruction, discriminator, generator):
 *       seconds for one epoch on the first N training images
 *   node --import tsx bench/versus-torch.ts iw [--k 5000] [--limit 200] [--threads 1,2]
 *       the importance-weighted bound −L_K of a canonical VAE (trained one
 *       epoch here) on the first N test images: `latentlab eval --iw K` against
 *       the package's `evaluate.py --iw K`
 *
 * PyTorch runs in a child process per thread count T, with OpenBLAS on T
 * threads and torch.set_num_threads(T), and again with set_num_threads(1)
 * when T > 1 (on 2-core machines the first oversubscribes); the faster
 * counts. LatentLab runs on the native engine with a pool of T threads.
 * Prints a table and the ratios; --json FILE keeps them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { mergeConfig, resolveConfig } from '../src/core/config/resolve.js';
import { take } from '../src/core/data/dataset.js';
import { importanceWeightedBound } from '../src/core/metrics/iw.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { describeBackend, initBackend } from '../src/node/backend.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { loadNative } from '../src/node/native.js';
import { readPreset } from '../src/node/presets.js';
import { writePytorchPackage } from '../src/node/pytorch-package.js';
import { manifestDataOf } from '../src/node/train-run.js';

const args = process.argv.slice(2);
const mode = args[0];
const flag = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
if (mode !== 'aae' && mode !== 'iw') {
  console.log('usage: node --import tsx bench/versus-torch.ts aae|iw [--images N] [--k K] [--limit N] [--threads 1,2] [--python PATH] [--json FILE]');
  process.exit(mode ? 1 : 0);
}
const threadsList = flag('threads', String(os.availableParallelism())).split(',').map(Number);
const python = flag('python', process.env.PYTHON ?? '/usr/bin/python3');
const backend = await initBackend('auto');
const native = loadNative().addon;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-vs-torch-'));
const rows: { what: string; threads: number; seconds: number; value?: number }[] = [];
console.log(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the start; LatentLab on ${describeBackend(backend)}`);

/** Runs the package's script with T threads, both intra-op settings when T > 1; the faster run's JSON lines. */
function torchRun(pkg: string, script: string[], threads: number): { seconds: number; lines: Record<string, unknown>[]; setting: string }[] {
  return (threads > 1 ? [threads, 1] : [1]).map((intraOp) => {
    const started = performance.now();
    const r = spawnSync(python, [...script, '--threads', String(intraOp)], {
      cwd: pkg, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(intraOp) }, maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`${python} ${script.join(' ')}: ${r.stderr.slice(-2000)}`);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { seconds: (performance.now() - started) / 1000, lines, setting: `OpenBLAS ${threads}, intra-op ${intraOp}` };
  });
}

try {
  if (mode === 'aae') {
    const images = Number(flag('images', '20000'));
    const base = mergeConfig(readPreset('aae-paper'), { latentDim: 2, prior: { kind: 'gaussian-mixture', components: 1, means: [[0, 0]], std: 5 }, data: { trainLimit: images, testLimit: 500 }, train: { epochs: 1 } });
    const config = resolveConfig(base);
    const { train, test } = loadDataSplits('mnist', { trainLimit: images, testLimit: 500 });
    const pkg = path.join(tmp, 'aae');
    const model = buildModel(config, train.shape);
    writePytorchPackage({ model, config, data: manifestDataOf(config, {}, train, test), out: pkg, splits: { train, test } });
    console.log(`AAE 784-1000-1000-2, discriminator 1000-1000, batch 100, 3 phases, ${images} images (${Math.ceil(images / 100)} steps), one epoch each:`);
    for (const threads of threadsList) {
      native?.setThreads(threads);
      const fresh = buildModel(config, train.shape);
      const phases = modelFamily(config).phases(fresh, { stepsPerEpoch: Math.ceil(images / 100) });
      await trainEpoch({ phases, data: take(train, 1000), batchSize: 100, epoch: 1, seed: 1, startStep: 0 }); // warm-up
      const r = await trainEpoch({ phases, data: train, batchSize: 100, epoch: 1, seed: 1, startStep: 0 });
      fresh.dispose();
      rows.push({ what: `LatentLab ${native ? `native, ${threads} thread(s)` : backend}`, threads, seconds: r.seconds });
      console.log(`  LatentLab, ${threads} thread(s): ${r.seconds.toFixed(2)} s (${((1000 * r.seconds) / r.steps).toFixed(1)} ms/step)`);
      for (const t of torchRun(pkg, ['train.py', '--epochs', '1', '--out', 'w.safetensors', '--eval-limit', '100'], threads)) {
        const epoch = t.lines.find((l) => l.epoch === 1) as { seconds: number };
        rows.push({ what: `PyTorch ${torch()} (${t.setting})`, threads, seconds: epoch.seconds });
        console.log(`  PyTorch (${t.setting}): ${epoch.seconds.toFixed(2)} s`);
      }
    }
    model.dispose();
  } else {
    const k = Number(flag('k', '5000'));
    const limit = Number(flag('limit', '200'));
    const config = resolveConfig({ latentDim: 20, encoder: { hidden: [400] }, decoder: { hidden: [400] }, data: { testLimit: limit }, train: { epochs: 1, batchSize: 128 } });
    const { train, test } = loadDataSplits('mnist', { testLimit: limit });
    const model = buildModel(config, train.shape);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: Math.ceil(train.size / 128) });
    await trainEpoch({ phases, data: train, batchSize: 128, epoch: 1, seed: 1, startStep: 0 });
    const pkg = path.join(tmp, 'iw');
    writePytorchPackage({ model, config, data: manifestDataOf(config, {}, train, test), out: pkg, splits: { train: take(train, 1000), test } });
    console.log(`importance-weighted bound, canonical VAE after one epoch, K = ${k}, ${limit} test images:`);
    for (const threads of threadsList) {
      native?.setThreads(threads);
      const started = performance.now();
      const r = await importanceWeightedBound(model, test, { k, seed: 5 });
      const seconds = (performance.now() - started) / 1000;
      rows.push({ what: `LatentLab ${native ? `native, ${threads} thread(s)` : backend}`, threads, seconds, value: r.nll });
      console.log(`  LatentLab, ${threads} thread(s): ${seconds.toFixed(2)} s, −L_K ${r.nll.toFixed(2)}`);
      for (const t of torchRun(pkg, ['evaluate.py', '--iw', String(k), '--limit', String(limit)], threads)) {
        const iw = (t.lines[0] as { iw: { nll: number; seconds: number } }).iw;
        rows.push({ what: `PyTorch ${torch()} (${t.setting})`, threads, seconds: iw.seconds, value: iw.nll });
        console.log(`  PyTorch (${t.setting}): ${iw.seconds.toFixed(2)} s, −L_K ${iw.nll.toFixed(2)}`);
      }
    }
    model.dispose();
  }
  console.log('');
  for (const threads of threadsList) {
    const mine = rows.find((r) => r.threads === threads && r.what.startsWith('LatentLab'))!;
    const best = rows.filter((r) => r.threads === threads && r.what.startsWith('PyTorch')).sort((a, b) => a.seconds - b.seconds)[0];
    console.log(`${threads} thread(s): LatentLab ${mine.seconds.toFixed(2)} s, PyTorch ${best.seconds.toFixed(2)} s (${best.what}) → ratio ${(mine.seconds / best.seconds).toFixed(2)}×`);
  }
  const json = flag('json', '');
  if (json) writeFileSync(json, `${JSON.stringify({ date: new Date().toISOString(), mode, args, tfjs: tf.version_core, rows }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function torch(): string {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.stdout.trim();
}
