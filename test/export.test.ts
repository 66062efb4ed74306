import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { exportSafetensors } from '../src/core/io/export.js';
import { decodeSafetensors } from '../src/core/io/safetensors.js';
import { buildModel } from '../src/core/models/registry.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = resolveConfig({ latentDim: 3, encoder: { hidden: [12, 8], activation: 'tanh' }, decoder: { hidden: [8], activation: 'elu' } });

function pythonWithTorch(): string | null {
  for (const python of [process.env.PYTHON ?? 'python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return null;
}

describe('safetensors export', () => {
  it('names every weight as the architecture says, kernels [in, out]', () => {
    const model = buildModel(config, [10]);
    const { bytes, architecture } = exportSafetensors(model, [10]);
    const { tensors, metadata } = decodeSafetensors(bytes);
    assert.deepEqual(JSON.parse(metadata.architecture), architecture);
    const enc = architecture.nets.encoder;
    assert.ok(enc.kind === 'mlp', 'an MLP is described as one');
    assert.deepEqual(enc.hidden.map((l) => [l.in, l.out, l.activation]), [[10, 12, 'tanh'], [12, 8, 'tanh']]);
    assert.deepEqual(Object.keys(enc.heads).sort(), ['loc', 'logvar']);
    assert.deepEqual(tensors['encoder.dense0.kernel'].shape, [10, 12]);
    assert.deepEqual(tensors['decoder.logits.kernel'].shape, [8, 10]);
    const named = Object.values(architecture.nets).flatMap((n) => (n.kind === 'mlp' ? [...n.hidden, ...Object.values(n.heads)] : [])).flatMap((l) => [l.kernel, l.bias]);
    assert.deepEqual(named.sort(), Object.keys(tensors).sort(), 'every tensor is described, and nothing else is stored');
  });

  it('PyTorch loading the export reproduces the TF.js outputs', (t) => {
    const python = pythonWithTorch();
    if (!python) {
      t.skip('no Python with torch: install python3-torch to run the interop check');
      return;
    }
    const model = buildModel(config, [10]);
    const { bytes, architecture } = exportSafetensors(model, [10]);
    writeFileSync(path.join(tmp, 'model.safetensors'), bytes);
    writeFileSync(path.join(tmp, 'architecture.json'), JSON.stringify(architecture));
    const x = tf.randomUniform([4, 10], 0, 1, 'float32', 1);
    const z = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const res = spawnSync(python, ['test/interop/torch_load_export.py', tmp], {
      input: JSON.stringify({ x: x.arraySync(), z: z.arraySync() }), encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { loc: number[][]; logvar: number[][]; decoder: { logits: number[][] } };
    const q = model.encode(x) as unknown as { loc: tf.Tensor; logVar: tf.Tensor };
    const logits = (model.decode(z) as unknown as { logits: tf.Tensor }).logits;
    const close = (a: number[][], b: number[][]) => a.flat().forEach((v, i) => assert.ok(Math.abs(v - b.flat()[i]) < 1e-4, `${v} vs ${b.flat()[i]}`));
    close(out.loc, q.loc.arraySync() as number[][]);
    close(out.logvar, q.logVar.arraySync() as number[][]);
    close(out.decoder.logits, logits.arraySync() as number[][]);
  });
});
