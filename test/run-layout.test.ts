// The run-folder layout (core/io/run-layout.ts) that the Node writer, the page
// and the server's upload check share: which paths belong to a run folder, and
// that a checkpoint written on disk holds exactly the files the page would put
// in a downloaded run.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../src/core/config/resolve.js';
import {
  buildManifest, checkpointName, fileMapStore, isRunFile, readCheckpointNets, readRun, runFolderFiles, RunFolderError, verifyRun,
} from '../src/core/io/run-layout.js';
import type { FileMap } from '../src/core/io/layers-io.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { openRunFolder, saveCheckpoint } from '../src/node/run-folder.js';
import { saveRun } from '../src/node/serve/save-run.js';
import { HttpError } from '../src/node/serve/http-util.js';
import { describeRun, listRuns } from '../src/node/serve/runs.js';
import { UserError } from '../src/node/errors.js';
import { writeDirAtomic } from '../src/node/fs-atomic.js';
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
    const model = buildModel(config, [12]);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
    const record = { epoch: 2, step: 6, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: {}, test: {} };
    const files = await runFolderFiles(model, phases, [record], await buildManifest(model, 'test', 'cpu', { source: 'mnist', shape: [12], train: 1, test: 1 }), 'test');
    const expected = Object.keys(files).filter((f) => f.startsWith('checkpoints/epoch-0002/')).map((f) => f.slice('checkpoints/epoch-0002/'.length)).sort();
    await saveCheckpoint(tmp, model, phases, 2, 6);
    const dir = path.join(tmp, 'checkpoints', 'epoch-0002');
    const written = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(path.sep).join('/')).sort();
    assert.deepEqual(written, expected);
    assert.ok(Object.keys(files).every((f) => isRunFile(f, nets)), 'every file of a downloaded run passes the upload check');
  });
});

describe('reading a run folder (readRun over any store)', () => {
  /** A whole downloaded run of two epochs (what the page saves), as files. */
  async function downloadedRun(): Promise<FileMap> {
    const config = resolveConfig({ model: 'aae', encoder: { hidden: [8] }, decoder: { hidden: [8] }, adversarial: { discriminator: { hidden: [4] } } });
    const model = buildModel(config, [12]);
    const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
    const records = [1, 2].map((epoch) => ({ epoch, step: 3 * epoch, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: { reconstruction: 9 }, test: { reconstruction: 8 } }));
    const files = await runFolderFiles(model, phases, records, await buildManifest(model, 'test', 'cpu', { source: 'mnist', shape: [12], train: 1, test: 1 }), 'test');
    model.dispose();
    return files;
  }
  const fails = (files: FileMap, file: string, problem: RegExp) => assert.throws(() => readRun(fileMapStore('run', files)),
    (e: unknown) => e instanceof RunFolderError && e.file === file && problem.test(e.message), `${file}: ${problem}`);
  const text = (s: string) => new TextEncoder().encode(s);
  const str = (v: FileMap[string]) => (typeof v === 'string' ? v : new TextDecoder().decode(v));

  it('reads back what the writer wrote, and loads its nets', async () => {
    const files = await downloadedRun();
    const run = readRun(fileMapStore('run', files));
    assert.equal(run.config.model, 'aae');
    const { checksums, ...pointer } = run.checkpoint!;
    assert.deepEqual(pointer, { epoch: 2, step: 6, path: 'epoch-0002' });
    assert.deepEqual(Object.keys(checksums!).sort(), Object.keys(files).filter((f) => f.startsWith('checkpoints/epoch-0002/')).map((f) => f.slice('checkpoints/epoch-0002/'.length)).sort());
    assert.deepEqual(run.metrics.map((r) => r.epoch), [1, 2]);
    assert.equal(run.tornMetrics, false);
    await verifyRun(fileMapStore('run', files), run, modelFamily(run.config).netNames(run.config));
    const nets = await readCheckpointNets(fileMapStore('run', files), run.checkpoint!, modelFamily(run.config).netNames(run.config));
    assert.deepEqual(Object.keys(nets).sort(), ['decoder', 'discriminator', 'encoder']);
    for (const net of Object.values(nets)) net.dispose();
  });

  it('names the file and what is wrong with it', async () => {
    const files = await downloadedRun();
    for (const pointer of ['{"epoch": 2, "step": 6, "path": "../../etc"}', '{"epoch": 2, "step": 6}', '{}', '[1]']) {
      fails({ ...files, 'checkpoints/latest.json': text(pointer) }, 'checkpoints/latest.json', /epoch|step|path|expected/);
    }
    fails({ ...files, 'checkpoints/latest.json': text('{"epoch": 2,') }, 'checkpoints/latest.json', /not valid JSON/);
    const latest = JSON.parse(str(files['checkpoints/latest.json']));
    for (const checksums of [[1], { '../config.json': 'a'.repeat(64) }, { 'decoder/weights.bin': 'not hex' }]) {
      fails({ ...files, 'checkpoints/latest.json': text(JSON.stringify({ ...latest, checksums })) }, 'checkpoints/latest.json', /"checksums"/);
    }
    fails({ ...files, 'manifest.json': text(JSON.stringify({ ...JSON.parse(str(files['manifest.json'])), configDigest: 'x' })) }, 'manifest.json', /"configDigest" must be a SHA-256/);
    fails({ ...files, 'manifest.json': text('{}') }, 'manifest.json', /dataDim/);
    const manifest = JSON.parse(str(files['manifest.json']));
    fails({ ...files, 'manifest.json': text(JSON.stringify({ ...manifest, model: 'vae' })) }, 'manifest.json', /written for a vae.*describes a aae/);
    const metrics = str(files['metrics.jsonl']).split('\n');
    fails({ ...files, 'metrics.jsonl': text(`${metrics[0]}\n{"epo\n${metrics[1]}\n`) }, 'metrics.jsonl', /line 2 is not an epoch record/);
    const { 'checkpoints/epoch-0002/decoder/weights.bin': _, ...withoutWeights } = files;
    await assert.rejects(readCheckpointNets(fileMapStore('run', withoutWeights), { epoch: 2, step: 6, path: 'epoch-0002' }, ['decoder']),
      (e: unknown) => e instanceof RunFolderError && /decoder\/weights\.bin: missing/.test(e.message));
  });

  it('leaves out a torn last line of metrics.jsonl (a crash mid-write) and says so', async () => {
    const files = await downloadedRun();
    const torn = `${str(files['metrics.jsonl'])}{"epoch":3,"step":9,"sec`;
    const run = readRun(fileMapStore('run', { ...files, 'metrics.jsonl': text(torn) }));
    assert.deepEqual(run.metrics.map((r) => r.epoch), [1, 2]);
    assert.equal(run.tornMetrics, true);
  });

  it('on disk: a bad folder is a one-line user error; the server refuses such an upload and writes nothing', async () => {
    const files = await downloadedRun();
    const dir = path.join(tmp, 'bad-pointer');
    writeDirAtomic(dir, { ...files, 'checkpoints/latest.json': '{"epoch": 2, "step": 6, "path": "../../outside"}' });
    assert.throws(() => openRunFolder(dir), (e: unknown) => e instanceof UserError && e.message.includes('checkpoints/latest.json') && !e.message.includes('\n'));
    const runs = path.join(tmp, 'runs');
    const post = (f: FileMap) => Buffer.from(JSON.stringify({
      name: 'uploaded', files: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Buffer.from(typeof v === 'string' ? v : v).toString('base64')])),
    }));
    await assert.rejects(saveRun(runs, post({ ...files, 'checkpoints/latest.json': '{"epoch": 2, "step": 6, "path": "../../outside"}' })), /latest\.json.*path/);
    const { 'checkpoints/epoch-0002/encoder/model.json': _, ...noEncoder } = files;
    await assert.rejects(saveRun(runs, post(noEncoder)), /encoder\/model\.json: missing/);
    const weights = Uint8Array.from(files['checkpoints/epoch-0002/decoder/weights.bin'] as Uint8Array);
    weights[0] ^= 1;
    await assert.rejects(saveRun(runs, post({ ...files, 'checkpoints/epoch-0002/decoder/weights.bin': weights })), /decoder\/weights\.bin: does not match the checksum/);
    assert.equal(readdirSync(tmp).includes('runs') && readdirSync(runs).includes('uploaded'), false, 'nothing written');
    assert.equal(await saveRun(runs, post(files)), 'uploaded');
    assert.equal(openRunFolder(path.join(runs, 'uploaded')).checkpoint?.epoch, 2);
  });

  it('the page is pointed at a checkpoint only after its checksums are verified; a damaged file is a 422 naming it, in the list too', async () => {
    const runs = path.join(tmp, 'page-runs');
    writeDirAtomic(path.join(runs, 'fine'), await downloadedRun());
    assert.equal((await describeRun(runs, 'fine')).checkpoint?.epoch, 2);
    const weights = path.join(runs, 'fine', 'checkpoints', 'epoch-0002', 'encoder', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[5] ^= 0xff;
    writeFileSync(weights, bytes);
    await assert.rejects(describeRun(runs, 'fine'), (e: unknown) => e instanceof HttpError && e.status === 422 && /encoder\/weights\.bin: does not match the checksum/.test(e.message));
    const [listed] = await listRuns(runs);
    assert.match((listed as { error?: string }).error ?? '', /encoder\/weights\.bin: does not match the checksum/);
    bytes[5] ^= 0xff;
    writeFileSync(weights, bytes);
    assert.equal((await describeRun(runs, 'fine')).checkpoint?.epoch, 2, 'verified again once the file changed back');
  });
});

describe('the config digest across versions', () => {
  it('fields added later, at the value older runs trained with, leave the digest as it was; other values change it', async () => {
    const { configDigest } = await import('../src/core/io/run-digest.js');
    const current = resolveConfig({ latentDim: 5 });
    // What an older LatentLab wrote to config.json (and digested): no objective, no latentLayers.
    const { objective: _o, latentLayers: _l, ...older } = current as typeof current & { objective: unknown; latentLayers: unknown };
    assert.equal(await configDigest(current), await configDigest(older as typeof current), 'an older run folder still verifies');
    assert.notEqual(await configDigest(resolveConfig({ latentDim: 5, objective: { kind: 'iwae', k: 5 } })), await configDigest(current));
    assert.notEqual(await configDigest(resolveConfig({ latentDim: 5, latentLayers: [{ size: 8 }] })), await configDigest(current));
    assert.notEqual(await configDigest(resolveConfig({ latentDim: 6 })), await configDigest(current));
  });
});
