/**
 * The error boundary (src/node/error-boundary.ts): what a person reads when
 * something fails, in the CLI, in the server and in a script of their own
 * that uses the library.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../src/core/config/resolve.js';
import { DataError } from '../src/core/data/errors.js';
import { describeFailure, INTERNAL_ERROR_EXIT, shortStack, USER_ERROR_EXIT } from '../src/node/error-boundary.js';
import { UserError } from '../src/node/errors.js';
import { REPO_ROOT } from './helpers/cli.js';

// Inside the repository (an ignored folder), so that the scripts resolve its packages as a user's project would.
mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
const scripts = mkdtempSync(path.join(REPO_ROOT, 'test-artifacts', 'boundary-'));
after(() => rmSync(scripts, { recursive: true, force: true }));

describe('describeFailure', () => {
  it('a user error is its message, exit 1', () => {
    for (const e of [new UserError('--epochs: must be ≥ 1'), new DataError('a.idx', 'truncated'), new ConfigError('c.json', ['bad'])]) {
      const failure = describeFailure(e);
      assert.equal(failure.exitCode, USER_ERROR_EXIT);
      assert.equal(failure.internal, false);
      assert.equal(failure.message, e.message);
    }
  });

  it('a file-system error names the path and what the system said, exit 1', () => {
    const e = Object.assign(new Error("ENOSPC: no space left on device, write '/data/x'"), { code: 'ENOSPC', path: '/data/x', syscall: 'write' });
    assert.deepEqual(describeFailure(e), { message: '/data/x: no space left on the disk (ENOSPC on write)', exitCode: USER_ERROR_EXIT, internal: false });
    // Without a path there is nothing to name: a bug.
    assert.equal(describeFailure(Object.assign(new Error('x'), { code: 'ENOSPC' })).internal, true);
  });

  it('anything else is an internal error, exit 70, with a short stack: no line longer than 200 characters, at most 8 frames', () => {
    const bundleLine = `x${'y'.repeat(40_000)}`;
    const e = new TypeError(bundleLine);
    e.stack = `TypeError: ${bundleLine}\n${Array.from({ length: 30 }, (_, i) => `    at f${i} (/bundle.min.js:1:${i}${'z'.repeat(500)})`).join('\n')}`;
    const failure = describeFailure(e);
    assert.equal(failure.exitCode, INTERNAL_ERROR_EXIT);
    assert.equal(failure.internal, true);
    assert.match(failure.message, /^internal error \(a bug in LatentLab/);
    const lines = failure.message.split('\n');
    assert.ok(lines.every((l) => l.length <= 220), 'every line is cut');
    assert.equal(lines.filter((l) => /^\s+at /.test(l)).length, 8);
    assert.ok(failure.message.length < 3000, `${failure.message.length} characters`);
    assert.equal(shortStack('a string'), 'thrown value: a string');
    assert.equal(shortStack(Object.create(null)), 'thrown value: [object Object]');
  });
});

describe('a script of your own that uses the library', () => {
  /** Runs a module (ESM TypeScript) through tsx and returns its exit code and stderr. */
  const runScript = (name: string, body: string) => {
    const file = path.join(scripts, name);
    const backend = pathToFileURL(path.join(REPO_ROOT, 'src/node/backend.ts')).href;
    writeFileSync(file, `import * as tf from '@tensorflow/tfjs-core';\nimport { initBackend } from '${backend}';\nawait initBackend('wasm');\n${body}\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr };
  };

  it('its own error reads as Node prints it: exit 1, no bundle source (the wasm module’s process handlers are removed)', () => {
    const r = runScript('own-error.mts', "void tf;\nthrow new Error('my own mistake');");
    assert.equal(r.status, 1, r.stderr.slice(0, 2000));
    assert.match(r.stderr, /Error: my own mistake/);
    assert.ok(r.stderr.length < 3000, `${r.stderr.length} bytes on stderr`);
  });

  it('an error raised inside TF.js is a readable message and a short report', () => {
    const r = runScript('tf-error.mts', 'tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5]));');
    assert.equal(r.status, 1, r.stderr.slice(0, 2000));
    assert.match(r.stderr, /inner shapes \(3\) and \(4\) of Tensors with shapes 2,3 and 4,5/);
    assert.ok(r.stderr.length < 5000, `${r.stderr.length} bytes on stderr`);
  });
});
