/**
 * training.json, the file that says a process trains a run folder: written
 * with this process's id, trusted only while that process lives, removed by
 * its owner and by no one else, and replaced when a run is resumed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isTrainingLive, markTraining, readTrainingMarker, TRAINING_FILE } from '../src/node/training-marker.js';
import { makeTempDir } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-marker-');
after(() => tmp.remove());

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid && r.status === 0);
  return r.pid;
}

describe('training.json', () => {
  it('names this process while it trains, and is gone once the owner removes it', () => {
    const dir = path.join(tmp.dir, 'live');
    mkdirSync(dir);
    const remove = markTraining(dir);
    const marker = readTrainingMarker(dir);
    assert.equal(marker?.pid, process.pid);
    assert.equal(marker?.hostname, os.hostname());
    assert.ok(!Number.isNaN(Date.parse(marker!.started)));
    assert.equal(isTrainingLive(dir), true);
    assert.ok(process.listeners('exit').includes(remove as () => void), 'removed at exit at the latest');
    remove();
    assert.ok(!existsSync(path.join(dir, TRAINING_FILE)));
    assert.ok(!process.listeners('exit').includes(remove as () => void));
    assert.equal(isTrainingLive(dir), false);
  });

  it('a marker whose process is gone is stale; marking again replaces it', () => {
    const dir = path.join(tmp.dir, 'stale');
    mkdirSync(dir);
    const stale = { pid: deadPid(), hostname: os.hostname(), started: '2020-01-01T00:00:00.000Z' };
    writeFileSync(path.join(dir, TRAINING_FILE), JSON.stringify(stale));
    assert.deepEqual(readTrainingMarker(dir), stale);
    assert.equal(isTrainingLive(dir), false);
    const remove = markTraining(dir);
    assert.equal(readTrainingMarker(dir)?.pid, process.pid);
    remove();
    assert.ok(!existsSync(path.join(dir, TRAINING_FILE)));
  });

  it('the owner leaves a marker another process has written since alone', () => {
    const dir = path.join(tmp.dir, 'taken-over');
    mkdirSync(dir);
    const remove = markTraining(dir);
    const other = { pid: process.pid + 1, hostname: 'elsewhere', started: new Date().toISOString() };
    writeFileSync(path.join(dir, TRAINING_FILE), JSON.stringify(other));
    remove();
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, TRAINING_FILE), 'utf8')), other);
  });

  it('a damaged marker is no marker; one from another machine counts while the run keeps changing', () => {
    const dir = path.join(tmp.dir, 'odd');
    mkdirSync(dir);
    for (const text of ['', '{', '[]', 'null', '{"pid":"1","hostname":"h","started":"s"}', '{"pid":0,"hostname":"h","started":"s"}']) {
      writeFileSync(path.join(dir, TRAINING_FILE), text);
      assert.equal(readTrainingMarker(dir), undefined, text);
      assert.equal(isTrainingLive(dir), false, text);
    }
    writeFileSync(path.join(dir, TRAINING_FILE), JSON.stringify({ pid: 1, hostname: `not-${os.hostname()}`, started: new Date().toISOString() }));
    assert.equal(isTrainingLive(dir), true);
    assert.equal(isTrainingLive(dir, Date.now() + 11 * 60_000), false, 'stale once nothing changed for ten minutes');
  });
});
