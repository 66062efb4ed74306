/**
 * Ctrl-C (and SIGTERM, SIGHUP) during training: before the first checkpoint
 * nothing is left behind; after it, the run folder stays resumable and says
 * how to continue.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, makeTempDir } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-sigint-');
after(() => tmp.remove());

/** Starts training, waits until `ready()` holds, sends `signal`; resolves with the exit code and stderr. */
function interruptWhen(args: string[], ready: () => boolean, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/latentlab.js', 'train', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const deadline = Date.now() + 120_000;
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill(signal);
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error('training never reached the point to interrupt'));
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

describe('interrupting training', () => {
  it('before the first checkpoint: exit 130 and no run folder', async () => {
    const dir = path.join(tmp.dir, 'runs', 'early');
    // A full MNIST epoch takes seconds; the folder appears before its first checkpoint.
    const { code, stderr } = await interruptWhen(['--out', path.join(tmp.dir, 'runs'), '--name', 'early', '--epochs', '3', '-q'], () => existsSync(path.join(dir, 'manifest.json')));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /nothing kept/);
    assert.ok(!existsSync(dir), 'the half-made run folder was removed');
  });

  it('after a checkpoint: exit 130, the checkpoint kept, and how to resume', async () => {
    const dir = path.join(tmp.dir, 'runs', 'late');
    const latest = path.join(dir, 'checkpoints', 'latest.json');
    const { code, stderr } = await interruptWhen(
      ['--out', path.join(tmp.dir, 'runs'), '--name', 'late', '--epochs', '50', '--train-limit', '3000', '--test-limit', '200', '--hidden', '32', '-q'],
      () => existsSync(latest),
    );
    assert.equal(code, 130, stderr);
    assert.match(stderr, /continue with: latentlab train --resume/);
    const pointer = JSON.parse(readFileSync(latest, 'utf8')) as { path: string; epoch: number };
    assert.ok(pointer.epoch >= 1 && pointer.epoch < 50);
    assert.ok(existsSync(path.join(dir, 'checkpoints', pointer.path, 'encoder', 'model.json')));
    assert.ok(!existsSync(path.join(dir, 'training.json')), 'training.json (a process trains the run) was left behind');
  });

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} as Ctrl-C: exit ${exitCode}, the checkpoint kept, and how to resume`, async () => {
      const dir = path.join(tmp.dir, 'runs', signal);
      const latest = path.join(dir, 'checkpoints', 'latest.json');
      const { code, stderr } = await interruptWhen(
        ['--out', path.join(tmp.dir, 'runs'), '--name', signal, '--epochs', '50', '--train-limit', '1000', '--test-limit', '100', '--hidden', '16', '-q'],
        () => existsSync(latest), signal,
      );
      assert.equal(code, exitCode, stderr);
      assert.match(stderr, new RegExp(`interrupted \\(${signal}\\); continue with: latentlab train --resume`));
      const pointer = JSON.parse(readFileSync(latest, 'utf8')) as { path: string };
      assert.ok(existsSync(path.join(dir, 'checkpoints', pointer.path, 'encoder', 'model.json')));
      assert.ok(!existsSync(path.join(dir, 'training.json')), 'training.json was left behind');
    });
  }
});
