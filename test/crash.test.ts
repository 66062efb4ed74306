/**
 * SIGKILL during training, then --resume (bench/crash-harness.ts, a short
 * run of it): three kills with a fixed seed, at least one of them during a
 * checkpoint write and two of them on the same folder; after every kill the
 * folder is consistent, and every resumed run ends identical to the
 * uninterrupted one. Then the harness's checks are shown to catch damaged
 * folders, and a run folder whose creation was killed is shown not to leave
 * its temporary behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkRunFolder, compareToReference, formatSummary, readReference, runCrashHarness, temporariesOf, type CrashHarnessResult, type Reference,
} from '../bench/crash-harness.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { createRunFolder, type Manifest } from '../src/node/run-folder.js';
import { makeTempDir } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-crash-test-');
after(() => tmp.remove());

const EPOCHS = 6;
let result: CrashHarnessResult;
let ref: Reference;
const lines: string[] = [];

before(async () => {
  result = await runCrashHarness({ kills: 3, chains: [1, 2], seed: 11, epochs: EPOCHS, out: tmp.dir, keep: true, minCheckpointWriteLandings: 1, log: (l) => lines.push(l) });
  ref = readReference(path.join(result.root, 'reference', 'run'), EPOCHS);
});

describe('killed with SIGKILL, then resumed', () => {
  it('every check passes', () => {
    assert.deepEqual(result.failures, [], `${lines.join('\n')}\n${formatSummary(result)}`);
  });

  it('three kills or more, one of them during a checkpoint write, two of them on one folder', () => {
    const summary = formatSummary(result);
    assert.ok(result.kills.length >= 3, summary);
    assert.ok(result.kills.some((k) => k.landed === 'during-write' && k.checkpointWrite), `no kill landed during a checkpoint write\n${summary}`);
    assert.ok(result.sequences.some((s) => s.kills >= 2), `no folder was killed twice\n${summary}`);
    for (const k of result.kills) assert.ok(k.killedAfterMs >= 0, `kill ${k.index} was not sent`);
  });

  it('after each kill the folder is consistent', () => {
    for (const k of result.kills) assert.deepEqual(k.problems, [], `kill ${k.index} (${k.landed}, ${k.detail})`);
  });

  it('each folder resumed with exit 0 to the full epoch count, with no temporaries left, identical to the uninterrupted run', () => {
    assert.ok(result.sequences.length >= 1);
    for (const s of result.sequences) {
      assert.ok(s.resumedOk, `${s.folder}: ${s.problems.join('; ')}`);
      assert.ok(s.resumeExits.every((code) => code === 0), `${s.folder}: resumes exited ${s.resumeExits.join(', ')}`);
      const name = path.basename(s.folder);
      assert.deepEqual(temporariesOf(result.root, name), [], `${name}: temporaries left`);
      const end = checkRunFolder(result.root, name, ref);
      assert.deepEqual(end.problems, []);
      assert.equal(end.latestEpoch, EPOCHS);
      assert.equal(end.metricsRecords, EPOCHS);
      assert.deepEqual(compareToReference(s.folder, ref), [], `${name} differs from the uninterrupted run`);
      assert.ok(s.identical);
    }
  });
});

describe('the harness catches a damaged run folder', () => {
  let n = 0;
  /** A copy of the reference run folder, as `name` beside it. */
  const copy = (): { out: string; name: string; dir: string } => {
    const out = path.join(tmp.dir, 'damaged');
    const name = `copy-${++n}`;
    cpSync(ref.dir, path.join(out, name), { recursive: true });
    return { out, name, dir: path.join(out, name) };
  };
  const checkpoint = () => `checkpoints/epoch-${String(EPOCHS).padStart(4, '0')}`;

  it('an intact copy passes and equals the reference', () => {
    const { out, name, dir } = copy();
    assert.deepEqual(checkRunFolder(out, name, ref).problems, []);
    assert.deepEqual(compareToReference(dir, ref), []);
  });

  it('a NaN weight', () => {
    const { out, name, dir } = copy();
    const file = path.join(dir, checkpoint(), 'encoder/weights.bin');
    const bytes = readFileSync(file);
    bytes.writeFloatLE(Number.NaN, 40);
    writeFileSync(file, bytes);
    assert.match(checkRunFolder(out, name, ref).problems.join('\n'), /encoder\/weights\.bin: tensor \S+ holds 1 value\(s\) that are not finite/);
    assert.match(compareToReference(dir, ref).join('\n'), /encoder\/weights\.bin differs from the reference's \(1 of \d+ values differ/);
  });

  it('a weight changed by one bit: finite, but not identical, and not the checksum latest.json records', () => {
    const { out, name, dir } = copy();
    const file = path.join(dir, checkpoint(), 'decoder/weights.bin');
    const bytes = readFileSync(file);
    bytes[0] ^= 1;
    writeFileSync(file, bytes);
    const problems = checkRunFolder(out, name, ref).problems;
    if (ref.latest.checksums) assert.match(problems.join('\n'), /decoder\/weights\.bin: its SHA-256 is not the one latest\.json records/);
    else assert.deepEqual(problems, []);
    assert.match(compareToReference(dir, ref).join('\n'), /decoder\/weights\.bin differs/);
  });

  it('latest.json naming a checkpoint that is not there, and a truncated optimizer file', () => {
    const { out, name, dir } = copy();
    rmSync(path.join(dir, checkpoint()), { recursive: true });
    assert.match(checkRunFolder(out, name, ref).problems.join('\n'), /latest\.json names epoch-0006, which is not there/);
    const other = copy();
    const opt = ref.checkpointFiles.find((f) => f.endsWith('.optimizer.bin'))!;
    const file = path.join(other.dir, checkpoint(), opt);
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    assert.match(checkRunFolder(other.out, other.name, ref).problems.join('\n'), /optimizer\.bin: 100 bytes, shorter than/);
  });

  it('metrics.jsonl: a torn last line passes (the reader leaves it out), a bad whole line or a missing record fails', () => {
    const torn = copy();
    const file = path.join(torn.dir, 'metrics.jsonl');
    const text = readFileSync(file, 'utf8');
    // The next epoch's record cut short, as a kill during its append leaves it.
    writeFileSync(file, `${text}{"epoch":${EPOCHS + 1},"step":`);
    const tornState = checkRunFolder(torn.out, torn.name, ref);
    assert.deepEqual(tornState.problems, []);
    assert.equal(tornState.tornMetrics, true);
    assert.equal(tornState.metricsRecords, EPOCHS);
    const bad = copy();
    writeFileSync(path.join(bad.dir, 'metrics.jsonl'), text.replace('\n', '\n{"epoch": 2, "tr\n'));
    assert.match(checkRunFolder(bad.out, bad.name, ref).problems.join('\n'), /metrics\.jsonl line 2 \(a whole line\) does not parse/);
    const short = copy();
    writeFileSync(path.join(short.dir, 'metrics.jsonl'), text.trimEnd().split('\n').slice(0, -1).map((l) => `${l}\n`).join(''));
    assert.match(checkRunFolder(short.out, short.name, ref).problems.join('\n'), /metrics\.jsonl holds 5 epoch\(s\), the latest checkpoint is epoch 6/);
  });

  it('a temporary left behind is found, in the folder and beside it', () => {
    const { out, name, dir } = copy();
    writeFileSync(path.join(dir, 'checkpoints', '.latest.json.tmp-12345-1700000000000'), '{');
    writeFileSync(path.join(out, `.${name}.tmp-12345-1700000000000`), '');
    assert.deepEqual(temporariesOf(out, name), [`.${name}.tmp-12345-1700000000000`, `${name}/checkpoints/.latest.json.tmp-12345-1700000000000`]);
  });
});

describe('a fresh run killed while creating its folder', () => {
  it('the next creation of that folder removes the temporary the killed one left, not a running process\'s', () => {
    const out = path.join(tmp.dir, 'creation');
    const dir = path.join(out, 'run');
    // The id of a process that has ended (spawned and waited for), and of one that is running (this test's parent).
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = `.run.tmp-${dead}-1700000000000`;
    const live = `.run.tmp-${process.ppid}-1700000000001`;
    for (const name of [stale, live]) {
      mkdirSync(path.join(out, name, 'checkpoints'), { recursive: true });
      writeFileSync(path.join(out, name, 'config.json'), '{"half": ');
    }
    writeFileSync(path.join(out, '.other.tmp-1-2'), '');
    const manifest = { dataDim: 4, latentDim: 2, nets: {}, data: { source: 'test', shape: [4], train: 1, test: 1 } } as unknown as Manifest;
    createRunFolder(dir, resolveConfig({}), manifest);
    assert.ok(existsSync(path.join(dir, 'config.json')));
    assert.deepEqual(readdirSync(out).sort(), ['.other.tmp-1-2', live, 'run'].sort());
  });
});
