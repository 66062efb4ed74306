/**
 * `npm run bench`: LatentLab against PyTorch on the canonical MNIST VAE
 * (784-400-20, Bernoulli likelihood, Adam 1e-3, batch 128), trained in the
 * same run, back to back, on the same IDX files. `--net conv`: the
 * conv-mnist preset's convolutional VAE instead (conv 32-64, dense 256,
 * 10-D latent) against the same nets in PyTorch.
 *
 *   node --import tsx bench/run.ts [--epochs N] [--quick] [--net mlp|conv] [--python PATH]
 *        [--threads T] [--backend wasm|cpu] [--no-torch] [--no-web] [--json out.json]
 *
 * Per epoch: training seconds and images/s (training only: batching, forward,
 * backward and the optimizer; evaluation is timed apart), train loss and test
 * loss (nats per image), and the process's peak RSS. The ratio compares the
 * median epoch time after warm-up (epochs 2..N; epoch 1 when N = 1). The two
 * run in lockstep, alternating epochs, so both see the same machine load.
 * At the end, bench/web-decode.ts times decoding one latent point in the
 * web page in headless Chromium (--no-web skips it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '../src/node/backend.js';
import { loadDataSplits, mnistDirectory } from '../src/node/datasets.js';
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
  threads: number;
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
  const o: Options = { epochs: 2, quick: false, net: 'mlp', threads: 1, backend: 'wasm', torch: true, aae: true, web: true, python: process.env.PYTHON };
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
    else if (a === '--threads') o.threads = Number(value());
    else if (a === '--backend') o.backend = value() as BackendChoice;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-aae') o.aae = false;
    else if (a === '--no-web') o.web = false;
    else if (a === '--json') o.json = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node --import tsx bench/run.ts [--epochs N] [--quick] [--net mlp|conv] [--python PATH] [--threads T] [--backend wasm|cpu] [--no-torch] [--no-aae] [--no-web] [--json out.json]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick && !epochsGiven) o.epochs = 1;
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error('--epochs must be a positive integer');
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error('--threads must be a positive integer');
  return o;
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** LatentLab on the canonical config, one epoch per call of `epoch()`. */
async function startLatentLab(o: Options): Promise<{ name: string; epoch: () => Promise<EpochRow>; rows: EpochRow[] }> {
  const backend = await initBackend(o.backend);
  const limits = o.quick ? { trainLimit: QUICK.train, testLimit: QUICK.test } : {};
  const { train, test } = loadDataSplits('mnist', limits);
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
  return { name: `LatentLab (${backend})`, epoch, rows };
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
function startTorch(o: Options, python: string): { epoch: () => Promise<EpochRow>; finish: () => Promise<SideResult> } {
  const args = [path.join(HERE, 'torch_vae.py'), mnistDirectory(), '--epochs', String(o.epochs), '--threads', String(o.threads), '--lockstep', '--net', o.net];
  if (o.quick) args.push('--train-limit', String(QUICK.train), '--test-limit', String(QUICK.test));
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'inherit'] });
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
      console.log(`  pytorch   epoch ${j.epoch}: ${j.seconds.toFixed(2)} s, train ${j.train_loss.toFixed(2)}, test ${j.test_loss.toFixed(2)}`);
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
      return { name: `PyTorch ${version} (${o.threads} thread${o.threads > 1 ? 's' : ''})`, epochs: rows, peakRssMb: peak };
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

function report(o: Options, sides: SideResult[]): { ratio?: number } {
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
  if (sides.length < 2) return {};
  const [ll, pt] = sides.map((s) => median(steady(s.epochs).map((r) => r.seconds)));
  const which = o.epochs > 1 ? `median of epochs 2..${o.epochs}` : 'epoch 1 (no warm-up excluded)';
  const ratio = ll / pt;
  console.log(`\nepoch time, ${which}: LatentLab ${ll.toFixed(2)} s, PyTorch ${pt.toFixed(2)} s → ratio LatentLab/PyTorch = ${ratio.toFixed(2)}×`);
  return { ratio };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const what = o.net === 'conv' ? 'conv VAE (preset conv-mnist: conv 4×4/2 32-64, dense 256, 10-D latent)' : 'canonical VAE 784-400-20';
  console.log(`${what} on MNIST (${o.quick ? `quick: ${QUICK.train} train / ${QUICK.test} test images` : '60000 train / 10000 test images'}), ${o.epochs} epoch(s), batch ${BATCH}`);
  const ll = await startLatentLab(o);
  let torchNote: string | undefined;
  let torch: ReturnType<typeof startTorch> | null = null;
  if (o.torch) {
    const { python, why } = findPython(o);
    if (python) torch = startTorch(o, python);
    else torchNote = `PyTorch comparison skipped: ${why}. On Debian: ${INSTALL_HINT} (then PYTHON=/usr/bin/python3 or --python PATH).`;
  } else torchNote = 'PyTorch comparison skipped (--no-torch).';
  // Epochs alternate (PyTorch, then LatentLab), so a change in machine load hits both sides alike.
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    if (torch) await torch.epoch();
    await ll.epoch();
  }
  const sides: SideResult[] = [{ name: ll.name, epochs: ll.rows, peakRssMb: peakRssMb() }];
  if (torch) sides.push(await torch.finish());
  const { ratio } = report(o, sides);
  if (torchNote) console.log(`\n${torchNote}`);
  // The AAE and web-page measurements are of the MLP models.
  const aae = o.aae && o.net === 'mlp' ? await aaeThroughput(o) : undefined;
  const web = o.web && o.net === 'mlp' ? await webDecodeBenchmark() : undefined;
  if (o.json) {
    const out = { date: new Date().toISOString(), options: o, tfjs: tf.version_core, node: process.version, results: sides, ratio, aae, web, ratioBasis: 'median epoch time after warm-up (epochs 2..N; epoch 1 when N = 1)' };
    writeFileSync(o.json, JSON.stringify(out, null, 2) + '\n');
    console.log(`results written to ${o.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
