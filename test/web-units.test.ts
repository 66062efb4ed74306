/**
 * Pieces of the web feature that run without a browser: the page's ZIP
 * writer (checked by Python's zipfile, an independent reader) and the
 * throttled progress log that training writes for the live dashboard.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../src/node/errors.js';
import { progressLog } from '../src/node/progress-log.js';
import { crc32, zipStore } from '../src/web/zip.js';
import { defaultSlice } from '../src/web/latent.js';
import { makeTempDir, readJsonl } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-web-units-');
after(() => tmp.remove());

describe('zip writer', () => {
  test('CRC-32 known answers', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  test('an independent reader lists and extracts the files byte for byte', (t) => {
    const python = '/usr/bin/python3';
    if (spawnSync(python, ['-c', 'import zipfile']).status !== 0) {
      t.skip('python3 with zipfile is not available');
      return;
    }
    const weights = new Uint8Array(70_001).map((_, i) => (i * 31 + 7) & 0xff);
    const files = { 'run/config.json': new TextEncoder().encode('{"latentDim": 2}\n'), 'run/checkpoints/epoch-0001/decoder/weights.bin': weights };
    const file = path.join(tmp.dir, 'run.zip');
    writeFileSync(file, zipStore(files));
    const script = `import zipfile, sys, hashlib
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist(): print(i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest())`;
    const r = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const expected = Object.entries(files).map(([name, data]) => `${name} ${data.length} ${createHash('sha256').update(data).digest('hex')}`);
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
  });
});

describe('progress.jsonl', () => {
  test('at most one line per interval, and always the last batch of an epoch', () => {
    const log = progressLog(tmp.dir, { intervalMs: 60_000 });
    const terms = { loss: 1 };
    log(1, { batch: 10, batches: 30, examples: 1280, terms });
    log(1, { batch: 20, batches: 30, examples: 2560, terms: { loss: 2 } });
    log(1, { batch: 30, batches: 30, examples: 3840, terms: { loss: 3 } });
    log(2, { batch: 10, batches: 30, examples: 1280, terms: { loss: 4 } });
    const lines = readJsonl(path.join(tmp.dir, 'progress.jsonl'));
    assert.deepEqual(lines.map((l) => [l.epoch, l.batch, l.batches, l.terms.loss]), [[1, 10, 30, 1], [1, 30, 30, 3]]);
    assert.ok(Math.abs(lines[0].time - Date.now()) < 60_000);
    assert.ok(readFileSync(path.join(tmp.dir, 'progress.jsonl'), 'utf8').endsWith('\n'));
  });

  test('a resumed run drops the lines of epochs after its checkpoint', () => {
    const dir = path.join(tmp.dir, 'resumed');
    mkdirSync(dir);
    const first = progressLog(dir, { intervalMs: 0 });
    for (const epoch of [1, 2, 3]) first(epoch, { batch: 5, batches: 5, examples: 640, terms: { loss: epoch } });
    const resumed = progressLog(dir, { intervalMs: 0, keepThrough: 2 });
    assert.deepEqual(readJsonl(path.join(dir, 'progress.jsonl')).map((l) => l.epoch), [1, 2]);
    resumed(3, { batch: 5, batches: 5, examples: 640, terms: { loss: 30 } });
    assert.deepEqual(readJsonl(path.join(dir, 'progress.jsonl')).map((l) => [l.epoch, l.terms.loss]), [[1, 1], [2, 2], [3, 30]]);
  });

  test('a folder in place of progress.jsonl is refused on resuming, by name (not an internal EISDIR)', () => {
    const dir = path.join(tmp.dir, 'progress-folder');
    mkdirSync(path.join(dir, 'progress.jsonl'), { recursive: true });
    assert.throws(() => progressLog(dir, { keepThrough: 1 }), (e: unknown) => {
      assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
      assert.equal(e.message, `${path.join(dir, 'progress.jsonl')}: is a folder, expected the step-by-step progress log (remove it to resume)`);
      return true;
    });
  });
});

describe('the explorer\'s first slice', () => {
  test('two dimensions: both; above that, the two the codes spread most along, in index order; a class part is skipped', () => {
    assert.deepEqual(defaultSlice([0.5, 2]), [0, 1]);
    assert.deepEqual(defaultSlice([3]), [0, 0]);
    assert.deepEqual(defaultSlice([0.01, 0.02, 1.5, 0.03, 0.9]), [2, 4]);
    assert.deepEqual(defaultSlice([1, 1, 1, 1]), [0, 1], 'ties go to the lower index');
    // A class-and-style code [y (3), z (3)]: the class part never enters the slice, however much it varies.
    assert.deepEqual(defaultSlice([5, 5, 5, 0.1, 0.7, 0.2], 3), [4, 5]);
    assert.deepEqual(defaultSlice([5, 5, 5, 0.1, 0.7], 3), [3, 4]);
  });
});

