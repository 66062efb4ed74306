// The run-folder layout (core/io/run-layout.ts) that the Node writer, the page
// and the server's upload check share: which paths belong to a run folder, and
// that a checkpoint written on disk holds exactly the files the page would put
// in a downloaded run.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildManifest, checkpointName, isRunFile, runFolderFiles } from '../src/core/io/run-layout.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { saveCheckpoint } from '../src/node/run-folder.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-layout-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const nets = ['encoder', 'decoder', 'discriminator', 'categoryDiscriminator'];

describe('run-folder layout', () => {
  it('knows its files, and nothing else', () => {
    for (const f of ['config.json', 'manifest.json', 'metrics.jsonl', 'progress.jsonl', 'checkpoints/latest.json',
      'checkpoints/epoch-0003/encoder/model.json', 'checkpoints/epoch-0003/categoryDiscriminator/weights.bin',
      'checkpoints/epoch-12345/reconstruction.optimizer.bin', 'checkpoints/epoch-0001/classification.optimizer.json']) {
      assert.ok(isRunFile(f, nets), f);
    }
    for (const f of ['../config.json', 'checkpoints/epoch-0003/../../x/model.json', 'checkpoints/epoch-3/encoder/model.json',
      'checkpoints/epoch-0003/evil/model.json', 'checkpoints/epoch-0003/encoder/other.bin', 'latest.json', '/etc/passwd', 'x.png',
      'checkpoints/epoch-0003/a/b.optimizer.json']) {
      assert.ok(!isRunFile(f, nets), f);
    }
    assert.equal(checkpointName(7), 'epoch-0007');
  });

  it('a checkpoint on disk holds exactly the checkpoint files of a downloaded run', async () => {
    const config = resolveConfig({ model: 'aae', encoder: { hidden: [8] }, decoder: { hidden: [8] }, adversarial: { discriminator: { hidden: [4] } } });
    const model = buildModel(config, 12);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
    const record = { epoch: 2, step: 6, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: {}, test: {} };
    const files = await runFolderFiles(model, phases, [record], buildManifest(model, 'test', 'cpu', { source: 'mnist', shape: [12], train: 1, test: 1 }), 'test');
    const expected = Object.keys(files).filter((f) => f.startsWith('checkpoints/epoch-0002/')).map((f) => f.slice('checkpoints/epoch-0002/'.length)).sort();
    await saveCheckpoint(tmp, model, phases, 2, 6);
    const dir = path.join(tmp, 'checkpoints', 'epoch-0002');
    const written = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(path.sep).join('/')).sort();
    assert.deepEqual(written, expected);
    assert.ok(Object.keys(files).every((f) => isRunFile(f, nets)), 'every file of a downloaded run passes the upload check');
  });
});
