/**
 * End-to-end tests of the `latentlab` command line: each test spawns the real
 * CLI (`node bin/latentlab.js ...`) and checks what it prints and writes.
 * Everything lands in one temporary folder, removed at the end.
 *
 * Budget: about a minute on 2 cores (MNIST subsets of 2000/500 images, a
 * 64-unit hidden layer, 8×8 synthetic IDX data for the user-data cases).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeIdx } from '../src/core/data/idx.js';
import { decodeSafetensors } from '../src/core/io/safetensors.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { decodePng, pngSize } from '../src/node/figures.js';
import {
  REPO_ROOT, describeRun, hasStackTrace, listDir, makeTempDir, readJson, readJsonl, runCli, syntheticIdxFiles, writeIdxFolder, type CliResult,
} from './helpers/cli.js';

const tmp = makeTempDir();
after(() => tmp.remove());

const RUNS = path.join(tmp.dir, 'runs');
const VERSION = readJson<{ version: string }>(path.join(REPO_ROOT, 'package.json')).version;
/** The MNIST subset and net every MNIST run here uses. */
const SMALL = ['--train-limit', '2000', '--test-limit', '500', '--hidden', '64', '--latent-dim', '2', '--seed', '3'];
const STEPS_PER_EPOCH = Math.ceil(2000 / 128);

interface Terms { loss: number; reconstruction: number; kl: number }
interface EpochRecord {
  epoch: number; step: number; seconds: number; evalSeconds: number; imagesPerSecond: number;
  train: Terms; test: Terms;
}
interface Manifest {
  latentlab: string; tfjs: string; backend: string; created: string; seed: number; model: string;
  data: { source: string; shape: number[]; train: number; test: number; numClasses?: number };
  dataDim: number; latentDim: number;
  nets: Record<string, { weights: { name: string; shape: number[] }[] }>;
}

function ok(r: CliResult, what: string): void {
  assert.equal(r.status, 0, `${what} failed: ${describeRun(r)}`);
  assert.ok(!hasStackTrace(r.stderr), `${what}: stack trace on stderr: ${describeRun(r)}`);
}

function assertClose(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Number.isFinite(actual) && Number.isFinite(expected), `${what}: ${actual} vs ${expected} (not finite)`);
  const tol = rel * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

function assertTerms(t: Terms, what: string): void {
  for (const k of ['loss', 'reconstruction', 'kl'] as const) assert.ok(Number.isFinite(t[k]), `${what}.${k} = ${t[k]}`);
  assert.ok(t.kl >= 0, `${what}.kl = ${t.kl} < 0`);
  assert.ok(t.reconstruction > 0, `${what}.reconstruction = ${t.reconstruction}`);
  // β = 1, no warm-up: the loss is the negative ELBO, reconstruction + KL.
  assertClose(t.loss, t.reconstruction + t.kl, 1e-4, `${what}: loss vs reconstruction + kl`);
}

/** Checks a PNG file: signature, IHDR size within bounds, decodes, not a blank canvas. */
async function assertPng(file: string, { minW = 100, minH = 60, maxW = 4000, maxH = 4000 } = {}): Promise<{ width: number; height: number }> {
  assert.ok(existsSync(file), `${file} is missing`);
  const bytes = readFileSync(file);
  const size = pngSize(bytes);
  assert.ok(size.width >= minW && size.width <= maxW && size.height >= minH && size.height <= maxH, `${path.basename(file)}: implausible size ${size.width}×${size.height}`);
  const img = await decodePng(bytes);
  assert.deepEqual({ width: img.width, height: img.height }, size, `${path.basename(file)}: decoded size differs from IHDR`);
  assert.equal(img.data.length, img.width * img.height * 4);
  const distinct = new Set<number>();
  for (let i = 0; i < img.data.length && distinct.size < 8; i += 4) distinct.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  assert.ok(distinct.size >= 8, `${path.basename(file)}: looks blank (${distinct.size} colours)`);
  return size;
}

/** Float32 tensors of a TF.js layers checkpoint (model.json + weights.bin), by weight name. */
function readLayersWeights(netDir: string): Map<string, { shape: number[]; data: Float32Array }> {
  const json = readJson<{ weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] }>(path.join(netDir, 'model.json'));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest) {
    const bin = Buffer.concat(group.paths.map((p) => readFileSync(path.join(netDir, p))));
    let at = 0;
    for (const w of group.weights) {
      assert.equal(w.dtype, 'float32', `${w.name}: dtype`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bin.subarray(at, at + 4 * n));
      out.set(w.name, { shape: w.shape, data });
      at += 4 * n;
    }
    assert.equal(at, bin.length, `${netDir}: weights.bin holds ${bin.length} bytes, model.json describes ${at}`);
  }
  return out;
}

/**
 * Expects a user error: non-zero exit, a message on stderr matching each
 * pattern, no stack trace, and (for train) no run folder left under `out`.
 */
function expectUserError(args: string[], patterns: RegExp[], out?: string): CliResult {
  const r = runCli(args);
  assert.notEqual(r.status, 0, `expected failure: ${describeRun(r)}`);
  assert.equal(r.signal, null, `killed by a signal: ${describeRun(r)}`);
  for (const p of patterns) assert.match(r.stderr, p, `stderr does not match ${p}: ${describeRun(r)}`);
  assert.ok(!hasStackTrace(r.stderr), `stack trace on stderr: ${describeRun(r)}`);
  assert.ok(!/Error \[ERR_|triggerUncaughtException/.test(r.stderr), `uncaught error: ${describeRun(r)}`);
  if (out) assert.deepEqual(listDir(out), [], `a run folder was left behind in ${out}`);
  return r;
}

describe('latentlab train on an MNIST subset', () => {
  const dir = path.join(RUNS, 'base');
  let trained: CliResult;
  let metricsAfter2: EpochRecord[];

  before(() => {
    trained = runCli(['train', ...SMALL, '--epochs', '2', '--name', 'base', '--out', RUNS, '-q']);
  });

  test('exits 0 and names the run folder', () => {
    ok(trained, 'train');
    assert.match(trained.stdout, /test −ELBO \d+\.\d+ nats\/image after 2 epochs/);
    assert.ok(trained.stdout.includes(dir), trained.stdout);
  });

  test('config.json is the resolved configuration, flags applied', () => {
    const config = readJson(path.join(dir, 'config.json'));
    assert.equal(config.model, 'vae');
    assert.equal(config.latentDim, 2);
    assert.equal(config.seed, 3);
    assert.deepEqual(config.encoder.hidden, [64]);
    assert.deepEqual(config.decoder.hidden, [64]);
    assert.deepEqual(config.data, { source: 'mnist', binarize: 'none', trainLimit: 2000, testLimit: 500 });
    assert.equal(config.train.epochs, 2);
    // Defaults are filled in, not left implicit.
    assert.equal(config.train.batchSize, 128);
    assert.equal(config.train.optimizer.kind, 'adam');
    assert.equal(config.train.optimizer.learningRate, 0.001);
    assert.equal(config.likelihood.kind, 'bernoulli');
  });

  test('manifest.json records versions, backend, seed, data and tensor shapes', () => {
    const m = readJson<Manifest>(path.join(dir, 'manifest.json'));
    assert.equal(m.latentlab, VERSION);
    assert.match(m.tfjs, /^\d+\.\d+\.\d+/);
    assert.ok(['native', 'wasm', 'cpu', 'tensorflow'].includes(m.backend), `backend ${m.backend}`);
    assert.ok(!Number.isNaN(Date.parse(m.created)), `created ${m.created}`);
    assert.equal(m.seed, 3);
    assert.equal(m.model, 'vae');
    assert.deepEqual(m.data, { source: 'mnist', shape: [28, 28], train: 2000, test: 500, numClasses: 10, format: 'idx' });
    assert.equal(m.dataDim, 784);
    assert.equal(m.latentDim, 2);
    assert.deepEqual(Object.keys(m.nets).sort(), ['decoder', 'encoder']);
    const enc = m.nets.encoder.weights;
    const dec = m.nets.decoder.weights;
    assert.deepEqual(enc[0], { name: 'encoder_dense0/kernel', shape: [784, 64] });
    assert.deepEqual(enc[1], { name: 'encoder_dense0/bias', shape: [64] });
    const names = [...enc, ...dec].map((w) => w.name);
    assert.equal(new Set(names).size, names.length, `duplicate tensor names: ${names}`);
    // The encoder ends in 2-wide heads; the decoder maps 2 → 64 → 784.
    for (const w of enc.slice(2)) assert.ok(w.shape.at(-1) === 2, `${w.name} ${w.shape}`);
    assert.deepEqual(dec[0].shape, [2, 64]);
    assert.deepEqual(dec.at(-2)!.shape, [64, 784]);
    assert.deepEqual(dec.at(-1)!.shape, [784]);
  });

  test('metrics.jsonl has one complete record per epoch, and the test loss went down', () => {
    const records = readJsonl<EpochRecord>(path.join(dir, 'metrics.jsonl'));
    metricsAfter2 = records;
    assert.equal(records.length, 2);
    assert.deepEqual(records.map((r) => r.epoch), [1, 2]);
    assert.deepEqual(records.map((r) => r.step), [STEPS_PER_EPOCH, 2 * STEPS_PER_EPOCH]);
    for (const r of records) {
      assert.ok(r.seconds > 0 && Number.isFinite(r.seconds), `seconds ${r.seconds}`);
      assert.ok(r.evalSeconds >= 0 && Number.isFinite(r.evalSeconds), `evalSeconds ${r.evalSeconds}`);
      assert.ok(r.imagesPerSecond > 0, `imagesPerSecond ${r.imagesPerSecond}`);
      assertClose(r.imagesPerSecond * r.seconds, 2000, 1e-6, `epoch ${r.epoch}: imagesPerSecond × seconds`);
      assertTerms(r.train, `epoch ${r.epoch} train`);
      assertTerms(r.test, `epoch ${r.epoch} test`);
      // Bernoulli −ELBO of MNIST in nats: below the 784·ln2 ≈ 543 of a coin flip, above ~60.
      assert.ok(r.test.loss > 60 && r.test.loss < 560, `epoch ${r.epoch} test loss ${r.test.loss}`);
    }
    assert.ok(records[1].test.loss < records[0].test.loss, `test loss ${records[0].test.loss} → ${records[1].test.loss}`);
    assert.ok(records[1].train.loss < records[0].train.loss, `train loss ${records[0].train.loss} → ${records[1].train.loss}`);
  });

  test('checkpoints/latest.json points at a complete checkpoint', () => {
    const latest = readJson<{ epoch: number; step: number; path: string; checksums: Record<string, string> }>(path.join(dir, 'checkpoints/latest.json'));
    const { checksums, ...pointer } = latest;
    assert.deepEqual(pointer, { epoch: 2, step: 2 * STEPS_PER_EPOCH, path: 'epoch-0002' });
    const ckpt = path.join(dir, 'checkpoints', latest.path);
    // Every file of the checkpoint, with its SHA-256.
    const files = (sub: string): string[] => readdirSync(path.join(ckpt, sub), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(sub, e.name)) : [path.join(sub, e.name).split(path.sep).join('/')]));
    assert.deepEqual(Object.keys(checksums).sort(), files('').sort());
    for (const [file, sum] of Object.entries(checksums)) assert.equal(createHash('sha256').update(readFileSync(path.join(ckpt, file))).digest('hex'), sum, file);
    assert.ok(statSync(ckpt).isDirectory());
    // Older checkpoints are pruned.
    assert.deepEqual(listDir(path.join(dir, 'checkpoints')).filter((f) => f.startsWith('epoch-')), ['epoch-0002']);
    const m = readJson<Manifest>(path.join(dir, 'manifest.json'));
    for (const net of ['encoder', 'decoder']) {
      assert.ok(existsSync(path.join(ckpt, net, 'model.json')), `${net}/model.json`);
      assert.ok(existsSync(path.join(ckpt, net, 'weights.bin')), `${net}/weights.bin`);
      const weights = readLayersWeights(path.join(ckpt, net));
      assert.deepEqual([...weights].map(([name, w]) => ({ name, shape: w.shape })), m.nets[net].weights, `${net}: checkpoint vs manifest`);
      for (const [name, w] of weights) assert.ok(w.data.every(Number.isFinite), `${net} ${name}: non-finite weights`);
    }
    const optimizerFiles = listDir(ckpt).filter((f) => f.endsWith('.optimizer.json'));
    assert.ok(optimizerFiles.length >= 1, `no optimizer state in ${listDir(ckpt)}`);
    for (const f of optimizerFiles) assert.ok(existsSync(path.join(ckpt, f.replace(/\.json$/, '.bin'))), `${f} without its .bin`);
  });

  test('writes the figures as valid PNGs', async () => {
    for (const f of ['reconstructions.png', 'samples.png', 'latent.png', 'manifold.png', 'loss.png']) {
      await assertPng(path.join(dir, f));
      assert.ok(trained.stdout.includes(path.join(dir, f)), `${f} not listed in the summary`);
    }
    // The manifold is a 20×20 grid of 28×28 images; the sample grid is 8×8 of them.
    const manifold = pngSize(readFileSync(path.join(dir, 'manifold.png')));
    assert.ok(manifold.width >= 20 * 28 && manifold.height >= 20 * 28, `manifold ${manifold.width}×${manifold.height}`);
    const samples = pngSize(readFileSync(path.join(dir, 'samples.png')));
    assert.ok(samples.width >= 8 * 28 && samples.height >= 8 * 28, `samples ${samples.width}×${samples.height}`);
  });

  test('eval reproduces the last epoch\'s test −ELBO from the checkpoint', () => {
    const r = runCli(['eval', dir, '--json']);
    ok(r, 'eval');
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(result.epoch, 2);
    assert.equal(result.images, 500);
    assert.equal(result.importanceWeighted, undefined);
    const last = metricsAfter2.at(-1)!;
    for (const k of ['loss', 'reconstruction', 'kl'] as const) assertClose(result.terms[k], last.test[k], 1e-5, `eval ${k} vs metrics.jsonl`);
    // Active units: the variance over the test images of each dimension's q(z|x) mean.
    const active = result.activeUnits;
    assert.equal(active.of, 2);
    assert.equal(active.variances.length, 2);
    assert.ok(active.variances.every((v: number) => Number.isFinite(v) && v >= 0), `${active.variances}`);
    assert.equal(active.count, active.variances.filter((v: number) => v > active.threshold).length);
    const text = runCli(['eval', dir, '-q']);
    ok(text, 'eval (text)');
    assert.match(text.stdout, new RegExp(`active units \\(Var_x E_q\\[z_u\\] > 0\\.01\\)\\s+${active.count} of 2`));
  });

  test('a run resumed after epoch 1 matches an uninterrupted 2-epoch run', () => {
    const first = runCli(['train', ...SMALL, '--epochs', '1', '--name', 'split', '--out', RUNS, '-q']);
    ok(first, 'train 1 epoch');
    const split = path.join(RUNS, 'split');
    assert.equal(readJsonl(path.join(split, 'metrics.jsonl')).length, 1);
    const resumed = runCli(['train', '--resume', split, '--epochs', '2', '-q']);
    ok(resumed, 'resume to 2 epochs');
    const a = metricsAfter2;
    const b = readJsonl<EpochRecord>(path.join(split, 'metrics.jsonl'));
    assert.deepEqual(b.map((r) => [r.epoch, r.step]), a.map((r) => [r.epoch, r.step]));
    for (let i = 0; i < 2; i++) {
      for (const split of ['train', 'test'] as const) {
        for (const k of ['loss', 'reconstruction', 'kl'] as const) {
          assertClose(b[i][split][k], a[i][split][k], 1e-4, `epoch ${i + 1} ${split}.${k}: resumed vs uninterrupted`);
        }
      }
    }
  });

  test('--resume --epochs 3 adds exactly one epoch and continues the step count', () => {
    const r = runCli(['train', '--resume', dir, '--epochs', '3', '-q']);
    ok(r, 'resume');
    assert.match(r.stdout, /after 3 epochs/);
    const records = readJsonl<EpochRecord>(path.join(dir, 'metrics.jsonl'));
    assert.equal(records.length, 3);
    assert.deepEqual(records.slice(0, 2), metricsAfter2, 'earlier records changed');
    assert.equal(records[2].epoch, 3);
    assert.equal(records[2].step, 3 * STEPS_PER_EPOCH);
    assertTerms(records[2].train, 'epoch 3 train');
    assertTerms(records[2].test, 'epoch 3 test');
    const { checksums: _, ...latest } = readJson(path.join(dir, 'checkpoints/latest.json'));
    assert.deepEqual(latest, { epoch: 3, step: 3 * STEPS_PER_EPOCH, path: 'epoch-0003' });
    assert.deepEqual(listDir(path.join(dir, 'checkpoints')).filter((f) => f.startsWith('epoch-')), ['epoch-0003']);
  });

  test('--resume refuses flags that would change the configuration', () => {
    const before = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    expectUserError(['train', '--resume', dir, '--latent-dim', '3', '--epochs', '4', '-q'], [/--resume/, /--latent-dim/]);
    assert.equal(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), before);
  });

  test('eval --iw 20 --limit 100: importance-weighted NLL ≤ −ELBO, written to eval.json', () => {
    const r = runCli(['eval', dir, '--iw', '20', '--limit', '100', '--json']);
    ok(r, 'eval --iw');
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `--json should print one line: ${r.stdout}`);
    const result = JSON.parse(lines[0]);
    assert.equal(result.run, dir);
    assert.equal(result.epoch, 3);
    assert.equal(result.images, 100);
    assertTerms(result.terms, "terms");
    const iw = result.importanceWeighted;
    assert.equal(iw.k, 20);
    assert.ok(Number.isFinite(iw.nll), `nll ${iw.nll}`);
    assert.equal(iw.logLikelihoodBound, -iw.nll);
    // L_K ≥ ELBO in expectation; allow a little Monte Carlo noise.
    assert.ok(iw.nll <= result.terms.loss + 0.5, `IW NLL ${iw.nll} > −ELBO ${result.terms.loss}`);
    assert.ok(iw.nll > result.terms.loss - 60, `IW NLL ${iw.nll} implausibly far below −ELBO ${result.terms.loss}`);
    assert.deepEqual(readJson(path.join(dir, 'eval.json')), result);
  });

  test('eval --8-bit: refused for a Bernoulli likelihood; for the discretised logistic it equals the −ELBO, and the IW bound is below it', () => {
    expectUserError(['eval', dir, '--8-bit', '--limit', '20'], [/--8-bit: a Bernoulli likelihood models the values 0 and 1 only/, /--likelihood discretized-logistic/]);
    const grey = path.join(RUNS, 'grey-dl');
    ok(runCli(['train', '--train-limit', '1000', '--test-limit', '100', '--hidden', '64', '--latent-dim', '4', '--epochs', '1', '--binarize', 'none',
      '--likelihood', 'discretized-logistic', '--name', 'grey-dl', '--out', RUNS, '-q']), 'train a discretised-logistic run');
    const r = runCli(['eval', grey, '--8-bit', '--iw', '8', '--json']);
    ok(r, 'eval --8-bit');
    const result = JSON.parse(r.stdout);
    const eight = result.eightBit as { elbo: number; bitsPerValue: number; importanceWeighted: { k: number; nll: number } };
    // The discretised logistic already gives probabilities of 8-bit values: the same bound, up to the Monte Carlo noise of one z per image.
    assert.ok(Math.abs(eight.elbo - result.terms.loss) < 0.02 * result.terms.loss, `8-bit −ELBO ${eight.elbo} vs −ELBO ${result.terms.loss}`);
    assert.ok(Math.abs(eight.bitsPerValue - eight.elbo / (784 * Math.LN2)) < 1e-9);
    assert.equal(eight.importanceWeighted.k, 8);
    assert.ok(eight.importanceWeighted.nll <= eight.elbo + 0.5 && eight.importanceWeighted.nll > eight.elbo - 60, `IW ${eight.importanceWeighted.nll}, ELBO ${eight.elbo}`);
    const text = runCli(['eval', grey, '--8-bit', '-q']);
    ok(text, 'eval --8-bit (text)');
    assert.match(text.stdout, /−ELBO on the 8-bit values\s+\d+\.\d\d \(\d\.\d{3} bits per value\)/);
  });

  test('sample -n 16 writes a PNG grid, the same for the same seed', async () => {
    const out = path.join(tmp.dir, 'samples16.png');
    const r = runCli(['sample', dir, '-n', '16', '--out', out]);
    ok(r, 'sample');
    assert.equal(r.stdout.trim(), out);
    const size = await assertPng(out);
    assert.ok(size.width >= 4 * 28 && size.height >= 4 * 28, `${size.width}×${size.height}`);
    const again = runCli(['sample', dir, '-n', '16']);
    ok(again, 'sample (default path)');
    const defaultOut = path.join(dir, 'samples-n16-seed1.png');
    assert.equal(again.stdout.trim(), defaultOut);
    assert.ok(readFileSync(defaultOut).equals(readFileSync(out)), 'same run, n and seed gave different images');
  });

  test('sample --out into a missing folder or onto a folder is a clear error, and the folder is untouched', () => {
    const missing = path.join(tmp.dir, 'no-such-folder', 's.png');
    expectUserError(['sample', dir, '-n', '4', '--out', missing], [/no-such-folder\/s\.png: cannot write \(the folder .*no-such-folder does not exist\)/]);
    const folder = path.join(tmp.dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    expectUserError(['sample', dir, '-n', '4', '--out', folder], [/a-folder: cannot write \(a folder is in the way/]);
    assert.deepEqual(listDir(folder), []);
  });

  test('export --format safetensors: every tensor of architecture.json, with [in, out] kernels equal to the checkpoint', () => {
    const r = runCli(['export', dir, '--format', 'safetensors']);
    ok(r, 'export');
    const exportDir = path.join(dir, 'export');
    assert.deepEqual(listDir(exportDir), ['architecture.json', 'model.safetensors']);
    assert.deepEqual(r.stdout.trim().split('\n'), [path.join(exportDir, 'model.safetensors'), path.join(exportDir, 'architecture.json')]);
    const arch = readJson(path.join(exportDir, 'architecture.json'));
    assert.equal(arch.dataDim, 784);
    assert.equal(arch.latentDim, 2);
    assert.deepEqual(arch.dataShape, [28, 28]);
    const file = decodeSafetensors(readFileSync(path.join(exportDir, 'model.safetensors')), 'model.safetensors');
    type Layer = { name: string; in: number; out: number; activation: string; kernel: string; bias: string };
    const named = new Set<string>();
    const layers: Layer[] = [];
    for (const net of Object.values(arch.nets) as { input: number; hidden: Layer[]; heads: Record<string, Layer> }[]) {
      let width = net.input;
      for (const layer of net.hidden) {
        assert.equal(layer.in, width, `${layer.kernel}: input width`);
        width = layer.out;
        layers.push(layer);
      }
      for (const head of Object.values(net.heads)) {
        assert.equal(head.in, width, `${head.kernel}: input width`);
        layers.push(head);
      }
    }
    for (const layer of layers) {
      for (const [name, shape] of [[layer.kernel, [layer.in, layer.out]], [layer.bias, [layer.out]]] as const) {
        const t = file.tensors[name];
        assert.ok(t, `${name} named in architecture.json is missing from model.safetensors`);
        assert.equal(t.dtype, 'F32', name);
        assert.deepEqual(t.shape, shape, `${name} shape`);
        named.add(name);
      }
    }
    assert.deepEqual(Object.keys(file.tensors).sort(), [...named].sort(), 'tensors not described by architecture.json');
    assert.deepEqual(file.tensors['encoder.dense0.kernel'].shape, [784, 64]);
    assert.deepEqual(file.tensors['decoder.dense0.kernel'].shape, [2, 64]);
    assert.deepEqual(file.tensors['decoder.logits.kernel'].shape, [64, 784]);
    // The values are the checkpoint's (TF.js Dense kernels are already [in, out]).
    const latest = readJson(path.join(dir, 'checkpoints/latest.json'));
    const enc = readLayersWeights(path.join(dir, 'checkpoints', latest.path, 'encoder'));
    assert.deepEqual(file.tensors['encoder.dense0.kernel'].data, enc.get('encoder_dense0/kernel')!.data);
    assert.deepEqual(file.tensors['encoder.loc.bias'].data, enc.get('encoder_loc/bias')!.data);
    assert.equal(file.metadata.latentlab, VERSION);
    assert.equal(file.metadata.epoch, '3');
  });

  test('export again without --force fails clearly and leaves the first export intact', () => {
    const exportDir = path.join(dir, 'export');
    const before = readFileSync(path.join(exportDir, 'model.safetensors'));
    const beforeArch = readFileSync(path.join(exportDir, 'architecture.json'), 'utf8');
    expectUserError(['export', dir, '--format', 'safetensors'], [/already exists/, /--force/, new RegExp(exportDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))]);
    assert.ok(readFileSync(path.join(exportDir, 'model.safetensors')).equals(before), 'model.safetensors changed');
    assert.equal(readFileSync(path.join(exportDir, 'architecture.json'), 'utf8'), beforeArch);
    assert.deepEqual(listDir(dir).filter((f) => f.includes('.new-')), [], 'staging folder left behind');
  });

  test('export --out onto a regular file is refused, with or without --force, and the file is kept', () => {
    const file = path.join(tmp.dir, 'notes.txt');
    writeFileSync(file, 'keep me\n');
    for (const force of [[], ['--force']]) {
      expectUserError(['export', dir, '--format', 'safetensors', '--out', file, ...force], [/is a file; an export is a folder/]);
      assert.equal(readFileSync(file, 'utf8'), 'keep me\n');
    }
  });
});

describe('latentlab train on the user\'s own IDX data', () => {
  const dataDir = path.join(tmp.dir, 'data', 'bars8x8');
  const dir = path.join(RUNS, 'own-data');

  before(() => {
    writeIdxFolder(dataDir, syntheticIdxFiles({ train: 300, test: 100, rows: 8, cols: 8, classes: 4 }));
  });

  test('trains 1 epoch on 300 8×8 images given by a relative --data path and writes figures', async () => {
    const relative = path.relative(REPO_ROOT, dataDir);
    assert.ok(!path.isAbsolute(relative));
    const r = runCli(['train', '--data', relative, '--epochs', '1', '--hidden', '32', '--latent-dim', '3', '--batch-size', '50', '--name', 'own-data', '--out', RUNS, '-q']);
    ok(r, 'train on IDX data');
    const m = readJson<Manifest>(path.join(dir, 'manifest.json'));
    assert.deepEqual({ shape: m.data.shape, train: m.data.train, test: m.data.test, numClasses: m.data.numClasses }, { shape: [8, 8], train: 300, test: 100, numClasses: 4 });
    assert.equal(m.dataDim, 64);
    assert.equal(m.latentDim, 3);
    assert.deepEqual(m.nets.encoder.weights[0].shape, [64, 32]);
    const records = readJsonl<EpochRecord>(path.join(dir, 'metrics.jsonl'));
    assert.equal(records.length, 1);
    assert.equal(records[0].step, 6);
    assertTerms(records[0].train, 'train');
    assertTerms(records[0].test, 'test');
    await assertPng(path.join(dir, 'reconstructions.png'), { minW: 8 * 8, minH: 2 * 8 });
    await assertPng(path.join(dir, 'samples.png'), { minW: 8 * 8, minH: 8 * 8 });
    await assertPng(path.join(dir, 'latent.png'));
    await assertPng(path.join(dir, 'loss.png'));
    assert.ok(!existsSync(path.join(dir, 'manifold.png')), 'manifold.png is for 2-D latents only');
  });

  test('the run can be evaluated from another working directory', () => {
    const r = runCli(['eval', dir, '--json'], { cwd: tmp.dir });
    ok(r, 'eval from another cwd');
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(result.images, 100);
    assertClose(result.terms.loss, readJsonl<EpochRecord>(path.join(dir, 'metrics.jsonl'))[0].test.loss, 1e-5, 'eval vs metrics');
  });
});

/** The files of an IDX data folder by their names (labels when present). */
function idxFileNames(files: ReturnType<typeof syntheticIdxFiles>): Record<string, Uint8Array> {
  return {
    'train-images-idx3-ubyte': files.trainImages, 't10k-images-idx3-ubyte': files.testImages,
    ...(files.trainLabels ? { 'train-labels-idx1-ubyte': files.trainLabels } : {}),
    ...(files.testLabels ? { 't10k-labels-idx1-ubyte': files.testLabels } : {}),
  };
}

describe('bad input: one clear message, no stack trace, no run folder', () => {
  const QUICK = ['--train-limit', '50', '--test-limit', '20', '--epochs', '1', '--hidden', '8', '-q'];
  let n = 0;
  /** A fresh, empty --out folder per case, so "nothing left behind" is checkable. */
  const freshOut = () => {
    const out = path.join(tmp.dir, 'bad-out', String(n++));
    mkdirSync(out, { recursive: true });
    return out;
  };
  const idx = (name: string) => path.join(tmp.dir, 'bad-data', name);
  const good = syntheticIdxFiles({ train: 50, test: 20, rows: 8, cols: 8 });

  before(() => {
    writeIdxFolder(idx('good'), good);
    writeIdxFolder(idx('truncated'), { ...good, trainImages: good.trainImages.subarray(0, good.trainImages.length - 10) });
    const wrongMagic = Uint8Array.from(good.trainImages);
    wrongMagic[0] = 0x12;
    wrongMagic[1] = 0x34;
    writeIdxFolder(idx('magic'), { ...good, trainImages: wrongMagic });
    writeIdxFolder(idx('counts'), { ...good, trainLabels: encodeIdx({ dtype: 'ubyte', shape: [49], data: new Uint8Array(49) }) });
    const floatLabels = Float32Array.from({ length: 50 }, (_, i) => i % 10);
    floatLabels[7] = 2.5;
    writeIdxFolder(idx('float-labels'), { ...good, trainLabels: encodeIdx({ dtype: 'float32', shape: [50], data: floatLabels }) });
    const none = syntheticIdxFiles({ train: 0, test: 0, rows: 8, cols: 8 });
    writeIdxFolder(idx('no-train'), { ...good, trainImages: none.trainImages, trainLabels: none.trainLabels });
    writeIdxFolder(idx('no-test'), { ...good, testImages: none.testImages, testLabels: none.testLabels });
    const wide = syntheticIdxFiles({ train: 50, test: 20, rows: 8, cols: 9 });
    writeIdxFolder(idx('shapes'), { ...good, testImages: wide.testImages });
    const stray = Uint8Array.from({ length: 50 }, (_, i) => i % 4);
    stray[11] = 200;
    writeIdxFolder(idx('stray-label'), { ...good, trainLabels: encodeIdx({ dtype: 'ubyte', shape: [50], data: stray }) });
    writeIdxFolder(idx('test-unlabelled'), { ...good, testLabels: undefined });
    mkdirSync(idx('gzipped'), { recursive: true });
    for (const [name, bytes] of Object.entries(idxFileNames(good))) writeFileSync(path.join(idx('gzipped'), `${name}.gz`), gzipSync(bytes));
    mkdirSync(idx('bad-gzip'), { recursive: true });
    for (const [name, bytes] of Object.entries(idxFileNames(good))) writeFileSync(path.join(idx('bad-gzip'), `${name}.gz`), gzipSync(bytes).subarray(0, 40));
    mkdirSync(path.join(tmp.dir, 'not-a-run'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'not-a-run', 'notes.txt'), 'hello\n');
    writeFileSync(path.join(tmp.dir, 'unknown-key.json'), JSON.stringify({ latentDim: 2, train: { epochs: 1, learningRate: 0.01 } }));
    writeFileSync(path.join(tmp.dir, 'invalid.json'), '{ "latentDim": 2, }');
    writeFileSync(path.join(tmp.dir, 'array.json'), '[{ "latentDim": 2 }]');
  });

  test('the good IDX folder used below trains (control)', () => {
    const out = freshOut();
    ok(runCli(['train', '--data', idx('good'), ...QUICK, '--out', out]), 'control run');
    assert.equal(listDir(out).length, 1);
  });

  test('unknown flag', () => {
    const out = freshOut();
    expectUserError(['train', '--latnet-dim', '4', '--out', out], [/unknown option '--latnet-dim'/], out);
  });

  test('--latent-dim 0', () => {
    const out = freshOut();
    expectUserError(['train', '--latent-dim', '0', ...QUICK, '--out', out], [/--latent-dim/, /at least 1/], out);
  });

  test('--objective, --k and --latent-layers: only a VAE, --k only with iwae, β refused with iwae, no labels with stacked layers', () => {
    const out = freshOut();
    expectUserError(['train', '--model', 'aae', '--objective', 'iwae', ...QUICK, '--out', out], [/--objective: for --model vae/], out);
    expectUserError(['train', '--k', '5', ...QUICK, '--out', out], [/--k: the number of importance samples of --objective iwae/], out);
    expectUserError(['train', '--objective', 'iwae', '--beta', '2', ...QUICK, '--out', out], [/no KL term to weight/, /--objective/], out);
    expectUserError(['train', '--objective', 'iwae', '--k', '0', ...QUICK, '--out', out], [/--k/], out);
    expectUserError(['train', '--iw-gradient', 'dreg', ...QUICK, '--out', out], [/--iw-gradient: the gradient estimator of --objective iwae/], out);
    expectUserError(['train', '--objective', 'elbo', '--iw-gradient', 'dreg', ...QUICK, '--out', out], [/--iw-gradient: the gradient estimator of --objective iwae/], out);
    expectUserError(['train', '--model', 'wae', '--iw-gradient', 'dreg', ...QUICK, '--out', out], [/--iw-gradient: for --model vae/], out);
    expectUserError(['train', '--objective', 'iwae', '--iw-gradient', 'dreg', '--latent-layers', '8', ...QUICK, '--out', out], [/one stochastic layer/, /--iw-gradient/], out);
    expectUserError(['train', '--model', 'aae', '--latent-layers', '8', ...QUICK, '--out', out], [/--latent-layers: for --model vae/], out);
    expectUserError(['train', '--latent-layers', '8', '--labels', 'conditional', ...QUICK, '--out', out], [/stacked stochastic layers take no labels/, /--latent-layers/], out);
  });

  test('--epochs -1', () => {
    const out = freshOut();
    expectUserError(['train', ...QUICK, '--epochs', '-1', '--out', out], [/--epochs/, /got -1|'-1'/], out);
  });

  test('--epochs abc', () => {
    const out = freshOut();
    expectUserError(['train', ...QUICK, '--epochs', 'abc', '--out', out], [/--epochs/, /'abc'/], out);
  });

  test('unknown key in a --config file', () => {
    const out = freshOut();
    const file = path.join(tmp.dir, 'unknown-key.json');
    expectUserError(['train', '--config', file, ...QUICK, '--out', out], [new RegExp(`${file}: invalid configuration`), /unknown key "learningRate" in train/], out);
  });

  test('--config file that is not valid JSON', () => {
    const out = freshOut();
    const file = path.join(tmp.dir, 'invalid.json');
    expectUserError(['train', '--config', file, ...QUICK, '--out', out], [new RegExp(`${file}: not valid JSON`)], out);
  });

  test('--config file that is JSON but not an object', () => {
    const out = freshOut();
    const file = path.join(tmp.dir, 'array.json');
    expectUserError(['train', '--config', file, ...QUICK, '--out', out], [new RegExp(file), /object/], out);
  });

  test('--config file that does not exist', () => {
    const out = freshOut();
    const file = path.join(tmp.dir, 'nope.json');
    expectUserError(['train', '--config', file, ...QUICK, '--out', out], [new RegExp(`${file}: file not found`)], out);
  });

  test('--data pointing at a missing folder', () => {
    const out = freshOut();
    const missing = path.join(tmp.dir, 'no-such-data');
    expectUserError(['train', '--data', missing, ...QUICK, '--out', out], [new RegExp(missing), /not found/], out);
  });

  test('IDX folder with a truncated train-images file', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('truncated'), ...QUICK, '--out', out], [/train-images-idx3-ubyte: truncated/, /3200 bytes/, /3190/], out);
  });

  test('IDX file with a wrong magic number', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('magic'), ...QUICK, '--out', out], [/train-images-idx3-ubyte: not an IDX file: wrong magic number/], out);
  });

  test('IDX folder whose label count differs from the image count', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('counts'), ...QUICK, '--out', out], [/train-labels-idx1-ubyte: 49 labels/, /has 50 examples/], out);
  });

  test('IDX labels that are not whole numbers', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('float-labels'), ...QUICK, '--out', out], [/train-labels-idx1-ubyte: label 7 is 2\.5: class labels must be whole numbers/], out);
  });

  test('gzipped IDX files (name.gz) load as the same data; a damaged one is a clear error', () => {
    const plain = loadDataSplits(idx('good'));
    const gzipped = loadDataSplits(idx('gzipped'));
    assert.deepEqual([gzipped.train.size, gzipped.test.size, gzipped.train.shape], [plain.train.size, plain.test.size, plain.train.shape]);
    assert.deepEqual(gzipped.train.x, plain.train.x);
    assert.deepEqual(gzipped.test.labels, plain.test.labels);
    expectUserError(['train', '--data', idx('bad-gzip'), ...QUICK, '--out', freshOut()], [/train-images-idx3-ubyte\.gz: a damaged gzip file/]);
  });

  test('a device in place of a file (a link to /dev/zero) is refused, not read forever: data, --config, a checkpoint', () => {
    const data = idx('device');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 't10k-images-idx3-ubyte'), good.testImages);
    symlinkSync('/dev/zero', path.join(data, 'train-images-idx3-ubyte'));
    expectUserError(['train', '--data', data, ...QUICK, '--out', freshOut()], [/device\/train-images-idx3-ubyte: is not a regular file/]);
    expectUserError(['train', '--config', '/dev/zero', ...QUICK, '--out', freshOut()], [/\/dev\/zero: is not a regular file/]);
    const out = freshOut();
    ok(runCli(['train', '--data', idx('good'), ...QUICK, '--out', out, '--name', 'r']), 'a run to damage');
    const weights = path.join(out, 'r', 'checkpoints', 'epoch-0001', 'decoder', 'weights.bin');
    rmSync(weights);
    symlinkSync('/dev/zero', weights);
    expectUserError(['eval', path.join(out, 'r'), '-q'], [/decoder\/weights\.bin: is not a regular file/]);
  });

  test('a split with no images (train or test), also in compare', () => {
    expectUserError(['train', '--data', idx('no-train'), ...QUICK, '--out', freshOut()], [/no-train\/train: holds no examples/]);
    expectUserError(['train', '--data', idx('no-test'), ...QUICK, '--out', freshOut()], [/no-test\/test: holds no examples/]);
    const out = freshOut();
    expectUserError(['compare', '--data', idx('no-train'), '--train-limit', '50', '--test-limit', '20', '--epochs', '1', '-q', '--out', out], [/no-train\/train: holds no examples/], out);
  });

  test('train and test images of different sizes', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('shapes'), ...QUICK, '--out', out], [/shapes\/test: examples of shape 8×9, but shapes\/train has 8×8/], out);
  });

  test('a stray label (200 among classes 0–3) is an error, not a 201-class data set', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('stray-label'), ...QUICK, '--out', out], [/stray-label\/train: label 200 \(example 11\) implies 201 classes, but 196 of them \(first: 4\) have no example/], out);
  });

  test('labels for one split only', () => {
    const out = freshOut();
    expectUserError(['train', '--data', idx('test-unlabelled'), ...QUICK, '--out', out], [/test-unlabelled\/test: has no labels but test-unlabelled\/train has/], out);
  });

  test('eval of a folder that is not a run folder', () => {
    expectUserError(['eval', path.join(tmp.dir, 'not-a-run')], [/not-a-run is not a LatentLab run folder/, /config\.json/]);
  });

  test('eval of a folder of run folders names the runs inside it', () => {
    const parent = freshOut();
    ok(runCli(['train', '--data', idx('good'), ...QUICK, '--name', 'inner', '--out', parent]), 'a run inside');
    expectUserError(['eval', parent], [/is not a LatentLab run folder/, new RegExp(`it holds a run folder: ${path.join(parent, 'inner').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)]);
  });

  test('eval of a folder that does not exist', () => {
    expectUserError(['eval', path.join(tmp.dir, 'nowhere')], [/nowhere: no such run folder/]);
  });

  test('--resume of a non-run folder', () => {
    const before = listDir(path.join(tmp.dir, 'not-a-run'));
    expectUserError(['train', '--resume', path.join(tmp.dir, 'not-a-run'), '--epochs', '1', '-q'], [/not-a-run is not a LatentLab run folder/]);
    assert.deepEqual(listDir(path.join(tmp.dir, 'not-a-run')), before, '--resume wrote into a folder that is not a run');
  });

  test('--preset nope', () => {
    const out = freshOut();
    expectUserError(['train', '--preset', 'nope', ...QUICK, '--out', out], [/--preset/, /'nope'/, /canonical/], out);
  });

  test('--out naming a file, or a place where no folder can be made (/proc), is a clear error, not a hang', () => {
    const file = path.join(tmp.dir, 'out-is-a-file');
    writeFileSync(file, 'x');
    expectUserError(['train', '--data', idx('good'), ...QUICK, '--out', file], [/out-is-a-file: is a file, not a folder/]);
    expectUserError(['train', '--data', idx('good'), ...QUICK, '--out', path.join(file, 'runs')], [/out-is-a-file: is a file, not a folder \(needed for/]);
    if (existsSync('/proc/self')) expectUserError(['train', '--data', idx('good'), ...QUICK, '--out', '/proc/latentlab-runs'], [/\/proc\/latentlab-runs: cannot write/]);
  });

  test('a run folder name that is taken is refused, and the existing run is untouched', () => {
    const out = freshOut();
    ok(runCli(['train', '--data', idx('good'), ...QUICK, '--name', 'taken', '--out', out]), 'first run');
    const metrics = path.join(out, 'taken', 'metrics.jsonl');
    const before = readFileSync(metrics, 'utf8');
    expectUserError(['train', '--data', idx('good'), ...QUICK, '--name', 'taken', '--out', out], [/already exists/, /--resume/]);
    assert.equal(readFileSync(metrics, 'utf8'), before);
    assert.ok(existsSync(path.join(out, 'taken', 'checkpoints', 'latest.json')), 'the existing run lost its checkpoint');
  });
});

describe('resuming cleans up after an interrupted write', () => {
  test('temporary checkpoint folders and files are removed, the run goes on, config.json is rewritten only after the checkpoint loads', () => {
    const out = path.join(tmp.dir, 'stale');
    mkdirSync(out, { recursive: true });
    ok(runCli(['train', '--train-limit', '200', '--test-limit', '50', '--hidden', '16', '--epochs', '1', '-q', '--out', out, '--name', 'r']), 'first epoch');
    const run = path.join(out, 'r');
    mkdirSync(path.join(run, 'checkpoints', '.epoch-0002.tmp-4242-1700000000000', 'encoder'), { recursive: true });
    writeFileSync(path.join(run, 'checkpoints', '.epoch-0002.tmp-4242-1700000000000', 'encoder', 'weights.bin'), new Uint8Array(1000));
    writeFileSync(path.join(run, 'checkpoints', '.latest.json.tmp-4242-1700000000001'), '{"epo');
    writeFileSync(path.join(run, '.metrics.jsonl.tmp-4242-1700000000002'), '');
    // A resume that fails (its checkpoint's weights no longer load) leaves config.json as it was.
    const weights = path.join(run, 'checkpoints', 'epoch-0001', 'encoder', 'weights.bin');
    const good = readFileSync(weights);
    const config = readFileSync(path.join(run, 'config.json'), 'utf8');
    writeFileSync(weights, good.subarray(0, 10));
    expectUserError(['train', '--resume', run, '--epochs', '2', '-q'], [/encoder/]);
    assert.equal(readFileSync(path.join(run, 'config.json'), 'utf8'), config, 'a failed resume rewrote config.json');
    writeFileSync(weights, good);
    const manifest = readFileSync(path.join(run, 'manifest.json'), 'utf8');
    assert.match(JSON.parse(manifest).configDigest, /^[0-9a-f]{64}$/);
    // --clip-grad-norm may join a resume (say, to get past a divergence); the config digest leaves it out.
    const r = runCli(['train', '--resume', run, '--epochs', '2', '--clip-grad-norm', '50']);
    ok(r, 'resume');
    assert.match(r.stdout, /removed 3 temporary file\(s\)/);
    assert.deepEqual(readdirSync(path.join(run, 'checkpoints')).filter((f) => f !== '.keep').sort(), ['epoch-0002', 'latest.json']);
    assert.ok(!readdirSync(run).some((f) => f.includes('.tmp-')));
    const resumed = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8'));
    assert.equal(resumed.train.epochs, 2);
    assert.equal(resumed.train.clipGradNorm, 50);
    assert.equal(readFileSync(path.join(run, 'manifest.json'), 'utf8'), manifest, 'the manifest is written once');
    ok(runCli(['eval', run, '-q']), 'eval after a resume with clipping');
  });
});

describe('output into a closed pipe', () => {
  test('`latentlab train --help | head -1` ends quietly with exit 0', () => {
    const err = JSON.stringify(path.join(tmp.dir, 'epipe.err'));
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(REPO_ROOT, 'bin/latentlab.js'))} train --help 2>${err} | head -1; echo "status \${PIPESTATUS[0]}"; cat ${err}`], { encoding: 'utf8' });
    assert.match(r.stdout, /^Usage: latentlab train/);
    assert.match(r.stdout, /status 0/);
    assert.doesNotMatch(r.stdout, /EPIPE|node:events/);
  });
});

describe('divergence: a clear stop, and the last finite checkpoint kept', () => {
  const QUICK = ['--train-limit', '200', '--test-limit', '50', '--hidden', '16', '-q'];
  let n = 0;
  const out = () => {
    const dir = path.join(tmp.dir, 'diverge', String(n++));
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  test('a fresh run at --lr 10 stops with a message, exit 1, and leaves no run folder', () => {
    const dir = out();
    expectUserError(['train', ...QUICK, '--epochs', '2', '--lr', '10', '--out', dir], [/diverged in epoch 1/, /not finite|grew to over 100× its size at the start/, /nothing was kept/, /--lr \(now 10\)/], dir);
  });

  test('an AAE diverging on resume keeps its good checkpoint as the latest, and it still evaluates', () => {
    const dir = out();
    ok(runCli(['train', ...QUICK, '--model', 'aae', '--epochs', '1', '--out', dir, '--name', 'good']), 'the good epoch');
    const run = path.join(dir, 'good');
    const latest = readFileSync(path.join(run, 'checkpoints', 'latest.json'), 'utf8');
    const weights = readFileSync(path.join(run, 'checkpoints', 'epoch-0001', 'encoder', 'weights.bin'));
    // The config edited to a rate that diverges (what --lr with --resume is refused for), then resumed. The manifest's
    // config digest would refuse the edit, so the run is made one written before the digest existed.
    const config = readJson<{ train: { optimizer: { learningRate: number } } }>(path.join(run, 'config.json'));
    config.train.optimizer.learningRate = 10;
    writeFileSync(path.join(run, 'config.json'), JSON.stringify(config));
    const { configDigest: _, ...manifest } = readJson(path.join(run, 'manifest.json'));
    writeFileSync(path.join(run, 'manifest.json'), JSON.stringify(manifest));
    expectUserError(['train', '--resume', run, '--epochs', '3', '-q'], [/diverged in epoch 2/, /latest checkpoint is still epoch 1/]);
    assert.equal(readFileSync(path.join(run, 'checkpoints', 'latest.json'), 'utf8'), latest);
    assert.deepEqual(readFileSync(path.join(run, 'checkpoints', 'epoch-0001', 'encoder', 'weights.bin')), weights, 'the good weights are untouched');
    assert.deepEqual(readdirSync(path.join(run, 'checkpoints')).filter((f) => !f.startsWith('.')).sort(), ['epoch-0001', 'latest.json']);
    assert.equal(readJsonl(path.join(run, 'metrics.jsonl')).length, 1, 'no record of the diverged epoch');
    const evaluated = runCli(['eval', run, '--json', '-q']);
    ok(evaluated, 'eval of the kept checkpoint');
    assert.ok(Number.isFinite(JSON.parse(evaluated.stdout).terms.reconstruction), evaluated.stdout);
  });
});

describe('latentlab train --model aae', () => {
  test('trains with a mixture prior, evaluates, exports the discriminator too', () => {
    const runs = path.join(tmp.dir, 'aae-runs');
    const dir = path.join(runs, 'aae');
    ok(runCli(['train', '--model', 'aae', '--prior', 'gaussian-mixture', '--prior-components', '4', ...SMALL, '--epochs', '1', '--out', runs, '--name', 'aae', '-q']), 'aae train');
    const [record] = readJsonl<{ test: Record<string, number> }>(path.join(dir, 'metrics.jsonl'));
    assert.deepEqual(Object.keys(record.test).sort(), ['discriminator', 'generator', 'reconstruction']);
    assert.ok(existsSync(path.join(dir, 'checkpoints', 'epoch-0001', 'discriminator', 'model.json')));
    for (const f of ['latent.png', 'manifold.png', 'samples.png', 'loss.png']) assert.ok(existsSync(path.join(dir, f)), f);
    const evaluated = runCli(['eval', dir, '--json']);
    ok(evaluated, 'aae eval');
    assert.ok(Number.isFinite(JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!).terms.reconstruction));
    const parzen = runCli(['eval', dir, '--parzen', '--parzen-samples', '300', '--parzen-validation', '100', '--limit', '50', '--json']);
    ok(parzen, 'aae eval --parzen');
    const p = JSON.parse(parzen.stdout.trim().split('\n').at(-1)!).parzen as { logLikelihood: number; sigma: number; standardError: number; validation: unknown[] };
    assert.ok(Number.isFinite(p.logLikelihood) && p.sigma > 0 && p.standardError > 0 && p.validation.length === 20, JSON.stringify(p));
    const iw = runCli(['eval', dir, '--iw', '5']);
    assert.notEqual(iw.status, 0);
    assert.match(iw.stderr, /--iw: .*deterministic encoder/);
    assert.ok(!hasStackTrace(iw.stderr));
    ok(runCli(['export', dir]), 'aae export');
    const arch = readJson<{ nets: Record<string, { heads: Record<string, unknown> }> }>(path.join(dir, 'export', 'architecture.json'));
    assert.deepEqual(Object.keys(arch.nets).sort(), ['decoder', 'discriminator', 'encoder']);
    assert.deepEqual(Object.keys(arch.nets.encoder.heads), ['code']);
  });

  test('a prior a VAE cannot use, or that does not fit the latent, is a clear error', () => {
    const runs = path.join(tmp.dir, 'bad-prior');
    for (const [args, pattern] of [
      [['--prior', 'swiss-roll'], /VAE needs a prior with a density/],
      [['--model', 'aae', '--prior', 'swiss-roll', '--latent-dim', '3'], /swiss-roll is a 2-D prior; latentDim is 3/],
      [['--model', 'aae', '--prior-components', '0'], /--prior-components/],
    ] as const) {
      const r = runCli(['train', ...args, '--train-limit', '200', '--test-limit', '50', '--epochs', '1', '--out', runs, '-q']);
      assert.notEqual(r.status, 0, describeRun(r));
      assert.match(r.stderr, pattern);
      assert.ok(!hasStackTrace(r.stderr), describeRun(r));
      assert.deepEqual(existsSync(runs) ? listDir(runs) : [], [], 'no run folder left behind');
    }
  });
});

describe('a prior given by samples in a file', () => {
  /** A float32 .npy file (format version 1.0) holding `rows` × `cols` values. */
  function npy(rows: number, cols: number, values: (i: number) => number): Buffer {
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
    header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
    const data = Buffer.from(Float32Array.from({ length: rows * cols }, (_, i) => values(i)).buffer);
    const head = Buffer.alloc(10);
    head.write('\x93NUMPY', 0, 'latin1');
    head[6] = 1;
    head[7] = 0;
    head.writeUInt16LE(header.length, 8);
    return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
  }

  test('an AAE trains against samples from .npy or .json; a wrong shape or a VAE is a clear error', () => {
    const folder = path.join(tmp.dir, 'prior-files');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'ring.npy'), npy(300, 2, (i) => 3 * (i % 2 ? Math.sin(i) : Math.cos(i - 1))));
    writeFileSync(path.join(folder, 'ring.json'), JSON.stringify([[1, 0], [0, 1], [-1, 0], [0, -1]]));
    writeFileSync(path.join(folder, 'wide.npy'), npy(10, 3, () => 0));
    const runs = path.join(folder, 'runs');
    const small = ['--train-limit', '300', '--test-limit', '60', '--hidden', '16', '--epochs', '1', '--out', runs, '-q'];
    for (const file of ['ring.npy', 'ring.json']) {
      ok(runCli(['train', '--model', 'aae', '--prior-file', file, '--name', file, ...small], { cwd: folder }), `aae with ${file}`);
      const config = readJson<{ prior: { kind: string; file: string } }>(path.join(runs, file, 'config.json'));
      assert.deepEqual(config.prior, { kind: 'samples', file: path.join(folder, file) }, 'the file is stored absolute');
      ok(runCli(['sample', path.join(runs, file), '-n', '4']), `sample from the ${file} run from another folder`);
    }
    for (const [args, pattern] of [
      [['--model', 'aae', '--prior-file', 'wide.npy'], /wide\.npy: prior samples must have shape \[n, 2\]/],
      [['--prior-file', 'ring.npy'], /VAE needs a prior with a density/],
      [['--model', 'aae', '--prior-file', 'missing.npy'], /missing\.npy: file not found/],
      [['--model', 'aae', '--prior-file', '.'], /prior samples file .*: not a file/],
    ] as const) {
      const r = runCli(['train', ...args, '--name', 'bad', ...small], { cwd: folder });
      assert.notEqual(r.status, 0, describeRun(r));
      assert.match(r.stderr, pattern);
      assert.ok(!hasStackTrace(r.stderr), describeRun(r));
      assert.ok(!existsSync(path.join(runs, 'bad')), 'no run folder left behind');
    }
  });
});

describe('latentlab train --init-from', () => {
  const QUICK = ['--train-limit', '200', '--test-limit', '50', '--hidden', '16', '--latent-dim', '3', '--epochs', '1', '-q'];
  const source = path.join(RUNS, 'init-source');
  const weights = (run: string, net: string) => {
    const bytes = readFileSync(path.join(run, 'checkpoints', 'epoch-0001', net, 'weights.bin'));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  };
  const largestDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  // A high rate, so that its weights are far from where the same seed starts a fresh run.
  before(() => ok(runCli(['train', ...QUICK, '--lr', '0.05', '--name', 'init-source', '--out', RUNS]), 'the source run'));

  test("a new run's nets start from the source's weights, with another objective; the manifest names the source", () => {
    // At a learning rate of 1e-12 the weights after one epoch are those the run started from.
    const flags = [...QUICK, '--objective', 'iwae', '--k', '3', '--lr', '1e-12', '--out', RUNS];
    const started = runCli(['train', ...flags, '--init-from', source, '--name', 'init-iwae']);
    ok(started, 'train --init-from');
    const fresh = runCli(['train', ...flags, '--name', 'init-none']);
    ok(fresh, 'the same run without --init-from');
    for (const net of ['encoder', 'decoder']) {
      const from = weights(source, net);
      assert.equal(weights(path.join(RUNS, 'init-iwae'), net).length, from.length);
      assert.ok(largestDifference(weights(path.join(RUNS, 'init-iwae'), net), from) < 1e-6, `${net}: the source's weights`);
      assert.ok(largestDifference(weights(path.join(RUNS, 'init-none'), net), from) > 0.01, `${net}: a fresh run's differ`);
    }
    const manifest = readJson<{ initFrom?: unknown; configDigest: string }>(path.join(RUNS, 'init-iwae', 'manifest.json'));
    const sourceDigest = readJson<{ configDigest: string }>(path.join(source, 'manifest.json')).configDigest;
    assert.deepEqual(manifest.initFrom, { run: source, epoch: 1, configDigest: sourceDigest });
    assert.equal(readJson<{ objective: { kind: string } }>(path.join(RUNS, 'init-iwae', 'config.json')).objective.kind, 'iwae');
    // The new run resumes and evaluates like any other.
    ok(runCli(['train', '--resume', path.join(RUNS, 'init-iwae'), '--epochs', '2', '-q']), 'resume');
    ok(runCli(['eval', path.join(RUNS, 'init-iwae'), '--iw', '5', '--limit', '10']), 'eval');
    // The same with the doubly reparameterised gradient: it is recorded in config.json.
    ok(runCli(['train', ...flags, '--iw-gradient', 'dreg', '--init-from', source, '--name', 'init-dreg']), 'train --iw-gradient dreg --init-from');
    assert.deepEqual(readJson<{ objective: object }>(path.join(RUNS, 'init-dreg', 'config.json')).objective, { kind: 'iwae', k: 3, gradient: 'dreg' });
    ok(runCli(['train', '--resume', path.join(RUNS, 'init-dreg'), '--epochs', '2', '-q']), 'resume');
  });

  test("--lr beside a preset's schedule says which epochs it sets", () => {
    const r = runCli(['train', '--preset', 'iwae-mnist', ...QUICK, '--lr', '0.0001', '--name', 'lr-note', '--out', RUNS]);
    ok(r, 'train --preset iwae-mnist --lr');
    assert.match(r.stderr, /--lr 0\.0001 is the rate of epoch 1: the preset iwae-mnist's schedule sets it from epoch 2 on \(7 changes, the first to 0\.000719686\)/);
    const quiet = runCli(['train', ...QUICK, '--lr', '0.0001', '--name', 'lr-plain', '--out', RUNS]);
    ok(quiet, 'train --lr without a schedule');
    assert.doesNotMatch(quiet.stderr, /is the rate of/);
    assert.match(r.stderr, /For one rate throughout, add --constant-lr/);
  });

  test('--constant-lr drops the preset\'s schedule: one rate throughout, a later --lr-drop still applies; not on --resume', () => {
    type Optimizer = { learningRate: number; schedule: { fromEpoch: number; learningRate: number }[] };
    const optimizerOf = (name: string) => readJson<{ train: { optimizer: Optimizer } }>(path.join(RUNS, name, 'config.json')).train.optimizer;
    const r = runCli(['train', '--preset', 'iwae-mnist', ...QUICK, '--lr', '0.0003', '--constant-lr', '--name', 'lr-constant', '--out', RUNS]);
    ok(r, 'train --preset iwae-mnist --lr --constant-lr');
    assert.doesNotMatch(r.stderr, /is the rate of|is not used/);
    assert.deepEqual(optimizerOf('lr-constant'), { ...optimizerOf('lr-constant'), learningRate: 0.0003, schedule: [] });
    ok(runCli(['train', '--preset', 'iwae-mnist', ...QUICK, '--constant-lr', '--lr-drop', '5', '--name', 'lr-constant-drop', '--out', RUNS]), '--constant-lr --lr-drop');
    const dropped = optimizerOf('lr-constant-drop');
    assert.equal(dropped.learningRate, 0.001, 'the preset\'s own rate');
    assert.deepEqual(dropped.schedule, [{ fromEpoch: 5, learningRate: 0.0001 }]);
    expectUserError(['train', '--resume', path.join(RUNS, 'lr-constant'), '--constant-lr', '-q'], [/only --epochs, --lr-drop.*\(got --constant-lr\)/]);
  });

  test('refuses other nets, --resume beside it and a folder that is not a run, and leaves nothing behind', () => {
    const out = path.join(tmp.dir, 'init-refused');
    mkdirSync(out, { recursive: true });
    expectUserError(['train', ...QUICK, '--hidden', '12', '--init-from', source, '--out', out],
      [/--init-from .*init-source: its encoder network is not this model's \(weight 1: this model has \S+ \[784, 12\], the run has \S+ \[784, 16\]\)/], out);
    expectUserError(['train', ...QUICK, '--model', 'aae', '--init-from', source, '--out', out], [/--init-from .*init-source: its encoder network is not this model's/], out);
    expectUserError(['train', '--resume', source, '--init-from', source, '-q'], [/--init-from starts a new run .* give one of them/]);
    expectUserError(['train', ...QUICK, '--init-from', out, '--out', out], [/is not a LatentLab run folder/], out);
  });
});
