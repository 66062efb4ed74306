/**
 * Beyond one machine: `latentlab export --format pytorch` → training in
 * PyTorch on two processes (torchrun's own launcher, gloo on the CPU) →
 * `latentlab import` → a run folder whose LatentLab evaluation equals
 * PyTorch's. VAE, AAE and WAE, MLP and conv nets. Needs a Python with torch (CI
 * installs Debian's python3-torch); without one those tests say so and skip.
 * The refusals (a config the package cannot train, weights that do not fit)
 * run everywhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors } from '../src/core/io/safetensors.js';
import { mmdSquared } from '../src/core/metrics/mmd.js';
import type { WassersteinAutoencoder } from '../src/core/models/wae.js';
import { loadRunModel } from '../src/node/load-run.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';
import { setupBackend } from './helpers/tf.js';

function pythonWithTorch(): string | null {
  for (const python of [process.env.PYTHON ?? 'python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) return python;
  }
  return null;
}

const python = pythonWithTorch();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-pytorch-'));
before(setupBackend);
after(() => rmSync(tmp, { recursive: true, force: true }));

const data = { source: 'mnist', trainLimit: 1200, testLimit: 200 };
const CASES = {
  'VAE, MLP': { model: 'vae', latentDim: 4, encoder: { hidden: [64] }, decoder: { hidden: [64] } },
  'AAE, MLP, mixture prior': { model: 'aae', latentDim: 2, prior: { kind: 'gaussian-mixture' }, encoder: { hidden: [64] }, decoder: { hidden: [64] }, adversarial: { discriminator: { hidden: [32] } } },
  'WAE, MLP, mixture prior': { model: 'wae', latentDim: 2, prior: { kind: 'gaussian-mixture' }, encoder: { hidden: [64] }, decoder: { hidden: [64] } },
  'VAE, conv': { model: 'vae', latentDim: 4, encoder: { kind: 'conv', channels: [4, 8], hidden: [32] }, decoder: { kind: 'conv', channels: [4, 8], hidden: [32] } },
  'AAE, conv, Gaussian encoder, swiss-roll prior': {
    model: 'aae', latentDim: 2, prior: { kind: 'swiss-roll' }, adversarial: { encoder: 'gaussian', discriminator: { hidden: [32] }, generator: 'separate' },
    encoder: { kind: 'conv', channels: [4], hidden: [32] }, decoder: { kind: 'conv', channels: [4], hidden: [32] },
  },
} as const;

function writeConfig(name: string, body: object): string {
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...body, data, train: { batchSize: 100, epochs: 1 } }));
  return file;
}

describe('latentlab export --format pytorch → torchrun → latentlab import', () => {
  let i = 0;
  for (const [label, config] of Object.entries(CASES)) {
    it(label, { skip: python ? false : 'no Python with torch: install python3-torch to run it' }, async () => {
      const name = `case${i++}`;
      const pkg = path.join(tmp, `${name}-pkg`);
      const exported = runCli(['export', '--config', writeConfig(name, config), '--format', 'pytorch', '--out', pkg, '--quiet']);
      assert.equal(exported.status, 0, exported.stderr);
      for (const f of ['train.py', 'evaluate.py', 'launch.py', 'latentlab_torch/nets.py', 'architecture.json', 'model.safetensors', 'config.json', 'latentlab.json', 'README.md', 'data/train.npy', 'data/test.npy']) {
        assert.ok(existsSync(path.join(pkg, f)), `${f} is in the package`);
      }
      // Two processes, gloo, through torchrun's own launcher (launch.py: torchrun, fixed where PyTorch 1.13 on Python 3.11 cannot start it).
      const trained = spawnSync(python!, ['launch.py', '--nproc_per_node=2', 'train.py', '--epochs', '20', '--steps', '60', '--out', 'weights.safetensors', '--threads', '1'], {
        cwd: pkg, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      assert.equal(trained.status, 0, `${trained.stdout}\n${trained.stderr}`);
      const pytorch = JSON.parse(readFileSync(path.join(pkg, 'eval.json'), 'utf8')) as Record<string, number>;
      assert.equal(pytorch.processes, 2);
      assert.equal(pytorch.steps, 60);
      const epochs = trained.stdout.trim().split('\n').filter((l) => l.startsWith('{"epoch"')).map((l) => JSON.parse(l) as Record<string, number>);
      const headline = config.model === 'vae' ? 'loss' : 'reconstruction';
      assert.ok(epochs.at(-1)![headline] < epochs[0][headline], `PyTorch's training loss fell: ${epochs.map((e) => e[headline].toFixed(1)).join(' → ')}`);

      const run = path.join(tmp, `${name}-run`);
      const imported = runCli(['import', path.join(pkg, 'weights.safetensors'), '--config', path.join(pkg, 'config.json'), '--out', run, '--quiet']);
      assert.equal(imported.status, 0, imported.stderr);
      const record = JSON.parse(readFileSync(path.join(run, 'imported.json'), 'utf8'));
      const ours = record.latentlabEval[headline] as number;
      // The deterministic AAE encoder gives one number; a sampled code (VAE, Gaussian AAE) differs by its Monte Carlo noise.
      const deterministic = (config.model === 'aae' && !('encoder' in config.adversarial)) || config.model === 'wae';
      const tolerance = deterministic ? 1e-4 * ours : 0.015 * ours;
      assert.ok(Math.abs(ours - pytorch[headline]) <= tolerance, `LatentLab's test ${headline} ${ours.toFixed(3)} vs PyTorch's ${pytorch[headline].toFixed(3)}`);
      const evaluated = runCli(['eval', run, '--json']);
      assert.equal(evaluated.status, 0, evaluated.stderr);

      // The imported weights are PyTorch's to the last bit: both frameworks encode the same test images alike.
      const probe = spawnSync(python!, ['-c', `
import json, sys, torch
sys.path.insert(0, '.')
from latentlab_torch.package import Package, to_float
pkg = Package('.')
m = pkg.build_model('weights.safetensors')
x = to_float(pkg.data('test')[:5])
with torch.no_grad():
    heads = m.nets['encoder'](x)
print(json.dumps({k: v.tolist() for k, v in heads.items()}))
`], { cwd: pkg, encoding: 'utf8' });
      assert.equal(probe.status, 0, probe.stderr);
      const theirs = JSON.parse(probe.stdout) as Record<string, number[][]>;
      const { model } = await loadRunModel(run);
      const testX = new Uint8Array(readFileSync(path.join(pkg, 'data/test.npy')).subarray(128));
      const dim = 784;
      const x = tf.tensor2d(Float32Array.from(testX.subarray(0, 5 * dim), (v) => v / 255), [5, dim]);
      const q = model.encode(x);
      const loc = (q as unknown as { loc: tf.Tensor }).loc.arraySync() as number[][];
      const want = theirs.loc ?? theirs.code;
      loc.flat().forEach((v, j) => assert.ok(Math.abs(v - want.flat()[j]) <= 1e-4 * (1 + Math.abs(v)), `code ${j}: ${v} vs ${want.flat()[j]}`));
      tf.dispose(x);
      if (config.model === 'wae') {
        // The package's MMD² is LatentLab's: the same kernel (latentlab.json) and the same value on the same points.
        const { kernel } = JSON.parse(readFileSync(path.join(pkg, 'latentlab.json'), 'utf8')) as { kernel: { base: number; scales: number[] } };
        assert.deepEqual(kernel, { base: (model as WassersteinAutoencoder).kernel.base, scales: [...(model as WassersteinAutoencoder).kernel.scales] });
        assert.ok(Number.isFinite(pytorch.mmd), `PyTorch's test MMD² ${pytorch.mmd}`);
        const [a, b] = [Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]), Array.from({ length: 9 }, (_, i) => [2 * Math.cos(i), i / 4])];
        const theirsMmd = spawnSync(python!, ['-c', `
import json, sys, torch
sys.path.insert(0, '.')
from latentlab_torch.package import mmd_squared
a, b, k = json.loads(sys.argv[1])
print(float(mmd_squared(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), k['base'], k['scales'])))
`, JSON.stringify([a, b, kernel])], { cwd: pkg, encoding: 'utf8' });
        assert.equal(theirsMmd.status, 0, theirsMmd.stderr);
        const oursMmd = tf.tidy(() => mmdSquared(tf.tensor2d(a), tf.tensor2d(b), kernel).dataSync()[0]);
        assert.ok(Math.abs(oursMmd - Number(theirsMmd.stdout)) < 1e-5, `MMD² ${oursMmd} (LatentLab) vs ${theirsMmd.stdout.trim()} (PyTorch)`);
      }
      model.dispose();
    });
  }
});

describe('refusals: a clear error, nothing written', () => {
  it('a config the PyTorch package cannot train', () => {
    const cfg = writeConfig('labelled', { model: 'vae', latentDim: 2, labels: { use: 'conditional' }, encoder: { hidden: [16] }, decoder: { hidden: [16] } });
    const out = path.join(tmp, 'never');
    const r = runCli(['export', '--config', cfg, '--format', 'pytorch', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /--format pytorch: label-aware training \(labels\.use "conditional"\) is not in the PyTorch package/);
    assert.ok(!existsSync(out));
    const both = runCli(['export', 'runs/x', '--config', cfg, '--format', 'pytorch']);
    assert.match(both.stderr, /give a run folder or --config FILE, not both/);
  });

  it('weights that do not fit the config: missing, misshapen, extra or non-finite tensors are named', () => {
    const pkg = path.join(tmp, 'fit-pkg');
    const cfg = writeConfig('fit', CASES['VAE, MLP']);
    assert.equal(runCli(['export', '--config', cfg, '--format', 'pytorch', '--out', pkg, '--no-data', '--quiet']).status, 0);
    assert.ok(!existsSync(path.join(pkg, 'data')), '--no-data leaves data/ out');
    const good = decodeSafetensors(new Uint8Array(readFileSync(path.join(pkg, 'model.safetensors'))));
    const variants: [string, (t: typeof good.tensors) => void, RegExp][] = [
      ['missing', (t) => delete t['decoder.logits.bias'], /decoder\.logits\.bias is missing/],
      ['misshapen', (t) => { t['encoder.loc.bias'] = { dtype: 'F32', shape: [5], data: new Float32Array(5) }; }, /encoder\.loc\.bias has shape \[5\], the model's is \[4\]/],
      ['extra', (t) => { t['encoder.extra.kernel'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) }; }, /tensors the model does not have: encoder\.extra\.kernel/],
      ['non-finite', (t) => { (t['encoder.dense0.kernel'].data as Float32Array)[3] = NaN; }, /encoder\.dense0\.kernel\[3\] is NaN/],
    ];
    for (const [what, change, message] of variants) {
      const tensors = structuredClone(good.tensors);
      change(tensors);
      const file = path.join(tmp, `${what}.safetensors`);
      writeFileSync(file, encodeSafetensors(tensors, {}));
      const out = path.join(tmp, `${what}-run`);
      const r = runCli(['import', file, '--config', path.join(pkg, 'config.json'), '--out', out, '--no-eval']);
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!existsSync(out), `${what}: no run folder`);
    }
    const folder = runCli(['import', pkg, '--config', path.join(pkg, 'config.json'), '--out', path.join(tmp, 'folder-run')]);
    assert.equal(folder.status, 1);
    assert.match(folder.stderr, /is a folder, expected a file/);
    const description = runCli(['import', path.join(pkg, 'model.safetensors'), '--config', path.join(pkg, 'latentlab.json'), '--out', path.join(tmp, 'desc-run')]);
    assert.equal(description.status, 1);
    assert.match(description.stderr, /the package's description, not a config; give .*config\.json/);
    const ok = runCli(['import', path.join(pkg, 'model.safetensors'), '--config', path.join(pkg, 'config.json'), '--out', path.join(tmp, 'fresh-run'), '--no-eval', '--quiet']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(existsSync(path.join(tmp, 'fresh-run', 'checkpoints', 'latest.json')));
  });
});
