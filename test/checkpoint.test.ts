import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { layersModelFromFiles, layersModelToFiles, optimizerStateFromFiles, optimizerStateToFiles } from '../src/core/io/layers-io.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { Adam } from '../src/core/training/adam.js';
import { buildManifest, createRunFolder, loadCheckpointNets, loadOptimizerState, openRunFolder, saveCheckpoint } from '../src/node/run-folder.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-ckpt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = resolveConfig({ latentDim: 3, encoder: { hidden: [16, 8] }, decoder: { hidden: [8, 16] }, likelihood: { kind: 'gaussian' } });

describe('checkpoints', () => {
  it('a net saved to files and loaded back gives identical outputs', async () => {
    const model = buildModel(config, [20]);
    const x = tf.randomUniform([5, 20], 0, 1, 'float32', 1);
    for (const net of Object.values(model.nets)) {
      const files = await layersModelToFiles(net, 'test');
      const loaded = await layersModelFromFiles(files['model.json'] as string, files['weights.bin'] as Uint8Array);
      const input = net.name === 'encoder' ? x : tf.randomNormal([5, 3], 0, 1, 'float32', 2);
      const a = ([] as tf.Tensor[]).concat(net.predict(input) as tf.Tensor | tf.Tensor[]);
      const b = ([] as tf.Tensor[]).concat(loaded.predict(input) as tf.Tensor | tf.Tensor[]);
      assert.equal(a.length, b.length);
      a.forEach((t, i) => assert.deepEqual(values(t), values(b[i])));
      assert.deepEqual(loaded.weights.map((w) => w.originalName), net.weights.map((w) => w.originalName));
    }
  });

  it('rejects a weights file that does not match model.json', async () => {
    const model = buildModel(config, [20]);
    const files = await layersModelToFiles(model.nets.encoder, 'test');
    const short = (files['weights.bin'] as Uint8Array).subarray(0, 100);
    await assert.rejects(layersModelFromFiles(files['model.json'] as string, short), /weights\.bin holds 100 bytes/);
  });

  it('optimizer state round-trips through files', async () => {
    const v = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const adam = new Adam([v], { learningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
    adam.apply([tf.tensor2d([[0.1, -0.2], [0.3, 0.4]])]);
    const state = adam.getState();
    const files = await optimizerStateToFiles(state);
    const back = optimizerStateFromFiles(files['optimizer.json'] as string, files['optimizer.bin'] as Uint8Array);
    assert.equal(back.step, 1);
    assert.deepEqual(values(back.slots[0].m), values(state.slots[0].m));
    assert.deepEqual(values(back.slots[0].v), values(state.slots[0].v));
  });

  it('a run folder checkpoint restores model and optimizer, and keeps only the latest', async () => {
    const model = buildModel(config, [20]);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
    const dir = path.join(tmp, 'run');
    createRunFolder(dir, config, await buildManifest(model, tf.getBackend(), { source: 'test', shape: [20], train: 1, test: 1 }));
    const x = tf.randomUniform([4, 20], 0, 1, 'float32', 3) as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => modelFamily(config).evaluate(model, x, 1).total, phases[0].optimizer.variables as tf.Variable[]);
    phases[0].optimizer.apply(phases[0].optimizer.variables.map((v) => grads[v.name]));
    await saveCheckpoint(dir, model, phases, 1, 1);
    await saveCheckpoint(dir, model, phases, 2, 2);
    assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.startsWith('epoch-')), ['epoch-0002']);
    const run = openRunFolder(dir);
    const { checksums, ...pointer } = run.checkpoint!;
    assert.deepEqual(pointer, { epoch: 2, step: 2, path: 'epoch-0002' });
    assert.deepEqual(Object.keys(checksums!), ['decoder/model.json', 'decoder/weights.bin', 'elbo.optimizer.bin', 'elbo.optimizer.json', 'encoder/model.json', 'encoder/weights.bin']);
    assert.equal(checksums!['decoder/weights.bin'], createHash('sha256').update(readFileSync(path.join(dir, 'checkpoints/epoch-0002/decoder/weights.bin'))).digest('hex'));
    const nets = await loadCheckpointNets(run, run.checkpoint!);
    const restored = modelFamily(config).create(run.config, [20], nets);
    assert.deepEqual(values(restored.encode(x).mean()), values(model.encode(x).mean()));
    assert.deepEqual(values(restored.decode(tf.ones([2, 3])).mean()), values(model.decode(tf.ones([2, 3])).mean()));
    const state = loadOptimizerState(dir, run.checkpoint!, 'elbo');
    assert.equal(state.step, 1);
    assert.equal(state.slots.length, model.variables().length);
  });

  /** A run folder `name` holding one checkpoint (epoch 1) of a fresh model. */
  async function runWithCheckpoint(name: string): Promise<string> {
    const model = buildModel(config, [20]);
    const dir = path.join(tmp, name);
    createRunFolder(dir, config, await buildManifest(model, tf.getBackend(), { source: 'test', shape: [20], train: 1, test: 1 }));
    await saveCheckpoint(dir, model, modelFamily(config).phases(model, { stepsPerEpoch: 1 }), 1, 1);
    model.dispose();
    return dir;
  }

  /** Rewrites a run-folder JSON file through `edit`. */
  function editJson(file: string, edit: (value: Record<string, unknown>) => Record<string, unknown>): void {
    writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')))));
  }

  /** A NaN written into the decoder's weights.bin, keeping its length. */
  function damageWeights(dir: string): void {
    const weights = path.join(dir, 'checkpoints', 'epoch-0001', 'decoder', 'weights.bin');
    const bytes = new Float32Array(Uint8Array.from(readFileSync(weights)).buffer);
    bytes[3] = NaN;
    writeFileSync(weights, new Uint8Array(bytes.buffer));
  }

  it('refuses a checkpoint file whose checksum differs from the one latest.json recorded, naming the file', async () => {
    const dir = await runWithCheckpoint('damaged');
    damageWeights(dir);
    const run = openRunFolder(dir);
    await assert.rejects(loadCheckpointNets(run, run.checkpoint!), /epoch-0001\/decoder\/weights\.bin: does not match the checksum in checkpoints\/latest\.json/);
    // A pointer that leaves a net's file out of its checksums is refused too.
    editJson(path.join(dir, 'checkpoints/latest.json'), (p) => ({ ...p, checksums: { 'encoder/model.json': (p.checksums as Record<string, string>)['encoder/model.json'] } }));
    const pruned = openRunFolder(dir);
    await assert.rejects(loadCheckpointNets(pruned, pruned.checkpoint!), /latest\.json: "checksums" does not list encoder\/weights\.bin/);
  });

  it('refuses weights that are not finite numbers in a checkpoint without checksums (an older run), naming the file', async () => {
    const dir = await runWithCheckpoint('damaged-old');
    damageWeights(dir);
    editJson(path.join(dir, 'checkpoints/latest.json'), ({ checksums: _, ...pointer }) => pointer);
    const run = openRunFolder(dir);
    await assert.rejects(loadCheckpointNets(run, run.checkpoint!), /epoch-0001\/decoder\/weights\.bin: holds values that are not finite numbers/);
  });

  it('refuses a config.json edited after training (the manifest’s digest), but not the changes a resume makes', async () => {
    const dir = await runWithCheckpoint('edited-digest');
    const file = path.join(dir, 'config.json');
    // Same shapes, another meaning: only the digest can tell.
    for (const edit of [{ likelihood: { kind: 'gaussian', variance: 0.5 } }, { train: { ...config.train, beta: 2 } }, { seed: config.seed + 1 }]) {
      writeFileSync(file, JSON.stringify({ ...config, ...edit }));
      const run = openRunFolder(dir);
      await assert.rejects(loadCheckpointNets(run, run.checkpoint!), /config\.json: is not the configuration these weights were trained with/);
    }
    // `train --resume --epochs N --lr-drop E` rewrites these; the digest leaves them out.
    const optimizer = { ...config.train.optimizer, schedule: [{ fromEpoch: 3, learningRate: 1e-4 }] };
    writeFileSync(file, JSON.stringify({ ...config, train: { ...config.train, epochs: config.train.epochs + 5, optimizer } }));
    const run = openRunFolder(dir);
    const nets = await loadCheckpointNets(run, run.checkpoint!);
    Object.values(nets).forEach((n) => n.dispose());
  });

  it('refuses a manifest whose dataDim is far beyond the checkpoint before building anything that large', async () => {
    const dir = await runWithCheckpoint('huge-data');
    editJson(path.join(dir, 'manifest.json'), (m) => ({ ...m, dataDim: 2147483647, data: { ...(m.data as object), shape: [2147483647] } }));
    const run = openRunFolder(dir);
    await assert.rejects(loadCheckpointNets(run, run.checkpoint!), /manifest\.json: "dataDim" 2147483647 does not fit the checkpoint, whose largest weight dimension is \d+/);
    editJson(path.join(dir, 'manifest.json'), (m) => ({ ...m, dataDim: 21 }));
    assert.throws(() => openRunFolder(dir), /manifest\.json: "dataDim" \(21\) must be the product of "data\.shape"/);
  });

  it('refuses a checkpoint whose config.json was edited to describe other nets (also in an older run without a digest)', async () => {
    const dir = await runWithCheckpoint('edited');
    editJson(path.join(dir, 'manifest.json'), ({ configDigest: _, ...manifest }) => manifest);
    for (const edit of [{ latentDim: config.latentDim + 1 }, { encoder: { hidden: [7] } }]) {
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, ...edit }));
      const run = openRunFolder(dir);
      await assert.rejects(loadCheckpointNets(run, run.checkpoint!), /config\.json: does not describe the checkpoint's (encoder|decoder) network.*edited after training/);
    }
  });
});
