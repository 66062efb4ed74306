/**
 * `npm run bench`: LatentLab against PyTorch on the canonical MNIST VAE
 * (784-400-20, Bernoulli likelihood, Adam 1e-3, batch 128), trained in the
 * same run, back to back, on the same IDX files. `--net conv`: the
 * conv-mnist preset's convolutional VAE instead (conv 32-64, dense 256,
 * 10-D latent) against the same nets in PyTorch.
 *
 *   node --import tsx bench/run.ts [--epochs N] [--quick] [--net mlp|conv] [--python PATH]
 *        [--threads T[,T…]] [--backend native|wasm|cpu] [--no-torch] [--no-web] [--json out.json]
 *
 * Per epoch: training seconds and images/s (training only: batching, forward,
 * backward and the optimizer; evaluation is timed apart), train loss and test
 * loss (nats per image), and the process's peak RSS. The ratio compares the
 * median epoch time after warm-up (epochs 2..N; epoch 1 when N = 1). The two
 * run in lockstep, alternating epochs, so both see the same machine load.
 * `--threads 1,2` repeats the comparison with each thread count, both sides
 * on the same number of threads; the default is every CPU this process may
 * use. LatentLab's native engine: its pool's size (the wasm engine runs one
 * thread whatever the count). PyTorch with T > 1 threads runs in its two
 * configurations side by side — torch.set_num_threads(T) with OpenBLAS on T
 * threads, and torch.set_num_threads(1) with OpenBLAS on T threads (on these
 * 2-core machines the first oversubscribes and runs 2–4× slower) — and the
 * ratio is taken against the faster.
 * At the end, bench/web-decode.ts times decoding one latent point in the
 * web page in headless Chromium (--no-web skips it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend, type BackendChoice } from '../src/node/backend.js';
import { loadNative } from '../src/node/native.js';
import { loadDataSplits, loadTrainingSplits, mnistDirectory } from '../src/node/datasets.js';
import { take } from '../src/core/data/dataset.js';
import { mergeConfig, resolveConfig } from '../src/core/config/resolve.js';
import { readPreset } from '../src/node/presets.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { evaluateObjective } from '../src/core/metrics/evaluate.js';
import { webDecodeBenchmark } from './web-decode.js';

interface Options {
  epochs: number;
  quick: boolean;
  /** 'mlp': the canonical VAE; 'conv': the conv-mnist preset's. */
  net: 'mlp' | 'conv';
  python?: string;
  threads: number[];
  backend: BackendChoice;
  torch: boolean;
  aae: boolean;
  web: boolean;
  json?: string;
}

interface EpochRow {
  epoch: number;
  seconds: number;
  imagesPerSecond: number;
  trainLoss: number;
  testLoss: number;
  evalSeconds: number;
}

interface SideResult {
  name: string;
  epochs: EpochRow[];
  peakRssMb: number;
  note?: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BATCH = 128;
const QUICK = { train: 10_000, test: 2_000 };
const INSTALL_HINT = 'apt-get install -y python3-torch python3-numpy libopenblas0-pthread';

function parseArgs(argv: string[]): Options {
  const o: Options = { epochs: 2, quick: false, net: 'mlp', threads: [cpuCount()], backend: 'auto', torch: true, aae: true, web: true, python: process.env.PYTHON };
  let epochsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--epochs') (o.epochs = Number(value())), (epochsGiven = true);
    else if (a === '--quick') o.quick = true;
    else if (a === '--net') {
      const net = value();
      if (net !== 'mlp' && net !== 'conv') throw new Error(`--net: mlp or conv, got ${net}`);
      o.net = net;
    }
    else if (a === '--python') o.python = value();
    else if (a === '--threads') o.threads = value().split(',').map(Number);
    else if (a === '--backend') o.backend = value() as BackendChoice;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-aae') o.aae = false;
    else if (a === '--no-web') o.web = false;
    else if (a === '--json') o.json = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node --import tsx bench/run.ts [--epochs N] [--quick] [--net mlp|conv] [--python PATH] [--threads T[,T…]] [--backend native|wasm|cpu] [--no-torch] [--no-aae] [--no-web] [--json out.json]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick && !epochsGiven) o.epochs = 1;
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error('--epochs must be a positive integer');
  if (!o.threads.length || o.threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads must be positive integers, comma-separated');
  return o;
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function cpuCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Sets the native engine's pool to `threads`; a no-op on the other engines (one thread). */
function setThreads(backend: string, threads: number): number {
  const native = backend === 'native' ? loadNative().addon : undefined;
  if (!native) return 1;
  native.setThreads(threads);
  return threads;
}

/** LatentLab on the canonical config, one epoch per call of `epoch()`. */
async function startLatentLab(o: Options, threads: number): Promise<{ name: string; epoch: () => Promise<EpochRow>; rows: EpochRow[]; dispose: () => void }> {
  const backend = await initBackend(o.backend);
  const used = setThreads(backend, threads);
  const limits = o.quick ? { trainLimit: QUICK.train, testLimit: QUICK.test } : {};
  // As `latentlab train` reads them (8-bit images kept as bytes, read batch by batch).
  const { train, test } = loadTrainingSplits('mnist', limits);
  const trainSettings = { train: { epochs: o.epochs, batchSize: BATCH } };
  const config = o.net === 'conv'
    ? resolveConfig(mergeConfig(readPreset('conv-mnist'), trainSettings))
    : resolveConfig({ latentDim: 20, encoder: { hidden: [400] }, decoder: { hidden: [400] }, ...trainSettings });
  const model = buildModel(config, train.shape);
  const family = modelFamily(config);
  const phases = family.phases(model, { stepsPerEpoch: Math.ceil(train.size / BATCH) });
  const rows: EpochRow[] = [];
  let step = 0;
  const epoch = async (): Promise<EpochRow> => {
    const n = rows.length + 1;
    const r = await trainEpoch({ phases, data: train, batchSize: BATCH, epoch: n, seed: config.seed, startStep: step });
    step += r.steps;
    const evalStart = performance.now();
    const ev = await evaluateObjective((x, s) => family.evaluate(model, x, s), test, { seed: 5 });
    const row: EpochRow = {
      epoch: n, seconds: r.seconds, imagesPerSecond: r.examples / r.seconds,
      trainLoss: r.terms.loss, testLoss: ev.loss, evalSeconds: (performance.now() - evalStart) / 1000,
    };
    rows.push(row);
    console.log(`  latentlab epoch ${n}: ${row.seconds.toFixed(2)} s (${((row.seconds * 1000) / r.steps).toFixed(1)} ms/step), train ${row.trainLoss.toFixed(2)}, test ${row.testLoss.toFixed(2)}`);
    return row;
  };
  return { name: `LatentLab ${backend === 'native' ? describeBackend(backend) : `${backend} (1 thread)`}`, epoch, rows, dispose: () => model.dispose() };
}

/**
 * Adversarial-autoencoder training throughput: the same 784-400 encoder and
 * decoder with a 2-D latent, a 256-256 discriminator and a 10-Gaussian
 * mixture prior; one epoch at the default settings (reconstruction with the
 * generator's loss, then two discriminator steps per batch). LatentLab only:
 * there is no reference for it.
 */
async function aaeThroughput(o: Options): Promise<{ seconds: number; imagesPerSecond: number; msPerStep: number }> {
  const limits = o.quick ? { trainLimit: QUICK.train, testLimit: QUICK.test } : {};
  const { train } = loadDataSplits('mnist', limits);
  const config = resolveConfig({
    model: 'aae', latentDim: 2, prior: { kind: 'gaussian-mixture' }, encoder: { hidden: [400] }, decoder: { hidden: [400] }, train: { batchSize: BATCH },
  });
  const model = buildModel(config, train.shape);
  const phases = modelFamily(config).phases(model, { stepsPerEpoch: Math.ceil(train.size / BATCH) });
  await trainEpoch({ phases, data: take(train, 2000), batchSize: BATCH, epoch: 1, seed: 1, startStep: 0 });
  const r = await trainEpoch({ phases, data: train, batchSize: BATCH, epoch: 2, seed: 1, startStep: 0 });
  const out = { seconds: r.seconds, imagesPerSecond: r.examples / r.seconds, msPerStep: (1000 * r.seconds) / r.steps };
  console.log(`\nAAE (784-400-2, discriminator 256-256, mixture prior), one epoch after warm-up: ${out.seconds.toFixed(2)} s, ${Math.round(out.imagesPerSecond)} images/s, ${out.msPerStep.toFixed(1)} ms/step (3 phases)`);
  model.dispose();
  return out;
}

function hasTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
  return r.status === 0;
}

/** The Python to use, or undefined with the reason. */
function findPython(o: Options): { python?: string; why?: string } {
  const candidates = o.python ? [o.python] : ['python3', '/usr/bin/python3'];
  for (const c of candidates) if (hasTorch(c)) return { python: c };
  return { why: `no Python with torch + numpy found (tried ${candidates.join(', ')})` };
}

/** The PyTorch yardstick in lockstep: each `epoch()` lets it run one epoch and returns its row. */
function startTorch(o: Options, python: string, threads: number, intraOp = threads): { epoch: () => Promise<EpochRow>; finish: () => Promise<SideResult> } {
  const args = [path.join(HERE, 'torch_vae.py'), mnistDirectory(), '--epochs', String(o.epochs), '--threads', String(intraOp), '--lockstep', '--net', o.net];
  if (o.quick) args.push('--train-limit', String(QUICK.train), '--test-limit', String(QUICK.test));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(intraOp) };
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const rows: EpochRow[] = [];
  let peak = 0;
  let version = '';
  let pending = '';
  let waiting: ((row: EpochRow) => void) | null = null;
  let failed: Error | null = null;
  const exited = new Promise<void>((resolve) => child.on('close', (code) => {
    if (code !== 0) failed = new Error(`${python} bench/torch_vae.py exited with code ${code}`);
    resolve();
  }));
  child.on('error', (e) => (failed = e));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line);
      const row: EpochRow = {
        epoch: j.epoch, seconds: j.seconds, imagesPerSecond: j.images_per_s,
        trainLoss: j.train_loss, testLoss: j.test_loss, evalSeconds: j.eval_seconds,
      };
      rows.push(row);
      peak = j.peak_rss_mb;
      version = j.torch;
      console.log(`  pytorch${intraOp !== threads ? ` (intra-op ${intraOp})` : ''} epoch ${j.epoch}: ${j.seconds.toFixed(2)} s, train ${j.train_loss.toFixed(2)}, test ${j.test_loss.toFixed(2)}`);
      waiting?.(row);
      waiting = null;
    }
  });
  return {
    epoch: () => new Promise<EpochRow>((resolve, reject) => {
      if (failed) return reject(failed);
      waiting = resolve;
      exited.then(() => failed && reject(failed));
      child.stdin.write('go\n');
    }),
    finish: async () => {
      child.stdin.end();
      await exited;
      if (failed) throw failed;
      const name = intraOp === threads ? `${threads} thread${threads > 1 ? 's' : ''}` : `OpenBLAS ${threads} threads, intra-op ${intraOp}`;
      return { name: `PyTorch ${version} (${name})`, epochs: rows, peakRssMb: peak };
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Epochs after warm-up (2..N), or all of them when there is only one. */
const steady = (rows: EpochRow[]): EpochRow[] => (rows.length > 1 ? rows.slice(1) : rows);

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function report(o: Options, sides: SideResult[], pairs: [SideResult, SideResult][]): { ratios: { threads: number; ratio: number }[] } {
  const body: string[][] = [];
  for (const s of sides) {
    for (const r of s.epochs) {
      const steps = Math.ceil((o.quick ? QUICK.train : 60_000) / BATCH);
      body.push([s.name, String(r.epoch), r.seconds.toFixed(2), ((r.seconds * 1000) / steps).toFixed(1),
        Math.round(r.imagesPerSecond).toString(), r.trainLoss.toFixed(2), r.testLoss.toFixed(2), s.peakRssMb.toFixed(0)]);
    }
  }
  console.log('');
  console.log(table(['implementation', 'epoch', 'train s', 'ms/step', 'images/s', 'train loss', 'test loss', 'peak RSS MB'], body));
  console.log('(train s and images/s: training only, evaluation excluded; losses: −ELBO in nats per image)');
  console.log(`(peak RSS: LatentLab's is the whole process's, over every thread count run; PyTorch's is per run)`);
  const which = o.epochs > 1 ? `median of epochs 2..${o.epochs}` : 'epoch 1 (no warm-up excluded)';
  const ratios = pairs.map(([l, p], i) => {
    const [ll, pt] = [l, p].map((s) => median(steady(s.epochs).map((r) => r.seconds)));
    const ratio = ll / pt;
    console.log(`${i === 0 ? '\n' : ''}epoch time with ${o.threads[i]} thread(s), ${which}: LatentLab ${ll.toFixed(2)} s, ${p.name} ${pt.toFixed(2)} s → ratio LatentLab/PyTorch = ${ratio.toFixed(2)}×`);
    // The spread behind the medians: on a shared machine either side's epochs can move by a third within one run.
    const range = (s: SideResult) => {
      const t = steady(s.epochs).map((r) => r.seconds);
      return `${Math.min(...t).toFixed(2)}–${Math.max(...t).toFixed(2)} s`;
    };
    if (steady(l.epochs).length > 1) console.log(`  (those epochs ranged over ${range(l)} for LatentLab and ${range(p)} for PyTorch)`);
    return { threads: o.threads[i], ratio };
  });
  return { ratios };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const what = o.net === 'conv' ? 'conv VAE (preset conv-mnist: conv 4×4/2 32-64, dense 256, 10-D latent)' : 'canonical VAE 784-400-20';
  console.log(`${what} on MNIST (${o.quick ? `quick: ${QUICK.train} train / ${QUICK.test} test images` : '60000 train / 10000 test images'}), ${o.epochs} epoch(s), batch ${BATCH}`);
  let torchNote: string | undefined;
  let python: string | undefined;
  if (o.torch) {
    const found = findPython(o);
    python = found.python;
    if (!python) torchNote = `PyTorch comparison skipped: ${found.why}. On Debian: ${INSTALL_HINT} (then PYTHON=/usr/bin/python3 or --python PATH).`;
  } else torchNote = 'PyTorch comparison skipped (--no-torch).';
  console.log(`machine: ${cpuCount()} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min) at the start`);
  const sides: SideResult[] = [];
  const pairs: [SideResult, SideResult][] = [];
  for (const threads of o.threads) {
    console.log(`\n${threads} thread(s):`);
    const ll = await startLatentLab(o, threads);
    const torches = python ? (threads > 1 ? [threads, 1] : [1]).map((intraOp) => startTorch(o, python, threads, intraOp)) : [];
    // Epochs alternate (PyTorch, then LatentLab), so a change in machine load hits both sides alike.
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      for (const torch of torches) await torch.epoch();
      await ll.epoch();
    }
    ll.dispose();
    const mine: SideResult = { name: ll.name, epochs: ll.rows, peakRssMb: peakRssMb() };
    sides.push(mine);
    const theirs: SideResult[] = [];
    for (const torch of torches) theirs.push(await torch.finish());
    sides.push(...theirs);
    if (theirs.length) {
      const time = (s: SideResult) => median(steady(s.epochs).map((r) => r.seconds));
      pairs.push([mine, theirs.reduce((best, s) => (time(s) < time(best) ? s : best))]);
    }
  }
  const { ratios } = report(o, sides, pairs);
  const ratio = ratios[0]?.ratio;
  if (torchNote) console.log(`\n${torchNote}`);
  // The AAE and web-page measurements are of the MLP models.
  const aae = o.aae && o.net === 'mlp' ? await aaeThroughput(o) : undefined;
  const web = o.web && o.net === 'mlp' ? await webDecodeBenchmark() : undefined;
  if (o.json) {
    const out = { date: new Date().toISOString(), options: o, tfjs: tf.version_core, node: process.version, results: sides, ratio, ratios, aae, web, ratioBasis: 'median epoch time after warm-up (epochs 2..N; epoch 1 when N = 1)' };
    writeFileSync(o.json, JSON.stringify(out, null, 2) + '\n');
    console.log(`results written to ${o.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
