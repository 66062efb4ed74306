/**
 * `latentlab serve`'s server: it serves the page and files inside the runs
 * folder and nothing else (raw and encoded `..`, encoded slashes, absolute
 * paths and absolute-form request targets, symbolic links leading out),
 * bounds request bodies (413), streams metrics as server-sent events, hands
 * out test images from the run's data set, and fails clearly when the port
 * is taken or a folder is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/core/config/resolve.js';
import type { ConfigInput } from '../src/core/config/schema.js';
import type { FileMap } from '../src/core/io/layers-io.js';
import { buildManifest, runFolderFiles } from '../src/core/io/run-layout.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { describeFound } from '../src/node/cli/serve.js';
import { mnistDirectory } from '../src/node/datasets.js';
import { writeDirAtomic } from '../src/node/fs-atomic.js';
import { isLoopback, startServer, type RunningServer } from '../src/node/serve/server.js';
import { safeSegments } from '../src/node/serve/safe-path.js';
import { SavedRunFigures } from '../src/node/serve/saved-figures.js';
import { REPO_ROOT, describeRun, hasStackTrace, makeTempDir, runCli } from './helpers/cli.js';
import { setupBackend } from './helpers/tf.js';

const tmp = makeTempDir('latentlab-serve-');
const RUNS = path.join(tmp.dir, 'runs');
const WEB = path.join(tmp.dir, 'web');
const OUTSIDE = path.join(tmp.dir, 'outside');
const SECRET = 'SECRET-OUTSIDE-THE-RUNS-FOLDER';
const MAX_BODY = 1024 * 1024;
let server: RunningServer;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/** Sends a request with `rawPath` exactly as given (no normalisation on the client side). */
function request(rawPath: string, { method = 'GET', body, headers = {}, port = server.port }: { method?: string; body?: Buffer; headers?: Record<string, string | number>; port?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // A connection of its own (agent: false): Node's default agent keeps sockets alive, and a request sent on one
    // just as the server's keep-alive timeout closes it (after a test blocked the event loop in spawnSync, as
    // runCli does) fails with ECONNRESET.
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

function writeRun(name: string, root = RUNS, config: ConfigInput = { latentDim: 2 }): void {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolveConfig(config)));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ latentlab: 't', tfjs: 't', backend: 'cpu', created: 'now', seed: 1, model: 'vae', data: { source: 'mnist', shape: [28, 28], train: 10, test: 10 }, dataDim: 784, latentDim: 2, nets: {} }));
  writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ epoch: 1, step: 3, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: { loss: 10 }, test: { loss: 11 } })}\n`);
}

/**
 * The files of a small real run (MNIST-shaped, 8 hidden units, 2-D latent,
 * `epochs` epochs recorded of `planned`), as the page posts them: its
 * checkpoint verifies and loads.
 */
async function tinyRunFiles({ epochs = 2, planned = 2 } = {}): Promise<FileMap> {
  const config = resolveConfig({ latentDim: 2, encoder: { hidden: [8] }, decoder: { hidden: [8] }, data: { source: 'mnist', trainLimit: 100, testLimit: 300 }, train: { epochs: planned } });
  const model = buildModel(config, [28, 28]);
  const phases = modelFamily(config).phases(model, { stepsPerEpoch: 1 });
  const records = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1, step: 3 * (i + 1), seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: { loss: 200 - i }, test: { loss: 201 - i },
  }));
  const files = await runFolderFiles(model, phases, records, await buildManifest(model, 'test', 'cpu', { source: 'mnist', shape: [28, 28], train: 100, test: 300 }), 'test');
  for (const phase of phases) phase.optimizer.dispose();
  model.dispose();
  return files;
}

before(async () => {
  await setupBackend();
  mkdirSync(WEB, { recursive: true });
  writeFileSync(path.join(WEB, 'index.html'), '<!doctype html><title>page</title>');
  mkdirSync(path.join(WEB, 'tfjs-wasm'));
  writeFileSync(path.join(WEB, 'tfjs-wasm', 'x.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  mkdirSync(OUTSIDE, { recursive: true });
  writeFileSync(path.join(OUTSIDE, 'secret.txt'), SECRET);
  writeFileSync(path.join(tmp.dir, 'secret.txt'), SECRET);
  writeRun('r1');
  symlinkSync(OUTSIDE, path.join(RUNS, 'escape'));
  symlinkSync(path.join(OUTSIDE, 'secret.txt'), path.join(RUNS, 'r1', 'leak.txt'));
  server = await startServer({ runsDir: RUNS, webDir: WEB, port: 0, maxBody: MAX_BODY });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

describe('only the page and the runs folder are served', () => {
  test('the page and a run file are served', async () => {
    const page = await request('/');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<title>page<\/title>/);
    const wasm = await request('/tfjs-wasm/x.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers['content-type'], 'application/wasm', 'streaming compilation needs application/wasm');
    const config = await request('/runs/r1/config.json');
    assert.equal(config.status, 200);
    assert.equal(JSON.parse(config.body.toString()).latentDim, 2);
  });

  const escapes = [
    '/runs/../secret.txt', '/runs/../outside/secret.txt', '/../secret.txt', '/runs/r1/../../secret.txt',
    '/runs/%2e%2e/secret.txt', '/runs/%2E%2E/outside/secret.txt', '/%2e%2e/secret.txt', '/runs/r1/%2e%2e/%2e%2e/secret.txt',
    '/runs/..%2fsecret.txt', '/runs/%2e%2e%2fsecret.txt', '/runs/r1%2f..%2f..%2fsecret.txt', '/runs/..%5csecret.txt',
    `/runs/${encodeURIComponent(path.join(OUTSIDE, 'secret.txt'))}`, `/${encodeURIComponent(path.join(OUTSIDE, 'secret.txt'))}`,
    `//${path.join(OUTSIDE, 'secret.txt').slice(1)}`, `/runs//${path.join(OUTSIDE, 'secret.txt').slice(1)}`,
    `http://127.0.0.1/${path.join(OUTSIDE, 'secret.txt')}`, `http://127.0.0.1/runs/../../secret.txt`,
    '/runs/escape/secret.txt', '/runs/r1/leak.txt', '/runs/%00/secret.txt', '/runs/%zz/secret.txt',
    '/api/runs/escape', '/api/runs/..', '/api/runs/%2e%2e', '/api/runs/%2e%2e/events', '/api/data?run=..&limit=1', '/api/data?run=escape&limit=1',
  ];
  for (const p of escapes) {
    test(`refuses ${p}`, async () => {
      const r = await request(p);
      assert.ok([400, 403, 404].includes(r.status), `${p}: status ${r.status}`);
      assert.ok(!r.body.toString().includes(SECRET), `${p}: leaked the file`);
    });
  }

  test('a symbolic link out of the runs folder is refused with 403, and is not listed as a run', async () => {
    assert.equal((await request('/runs/escape/secret.txt')).status, 403);
    assert.equal((await request('/runs/r1/leak.txt')).status, 403);
    const runs = JSON.parse((await request('/api/runs')).body.toString()) as { name: string }[];
    assert.deepEqual(runs.map((r) => r.name), ['r1']);
  });

  test('the path checks reject dot segments after decoding', () => {
    assert.equal(safeSegments('/a/%2e%2e/b'), null);
    assert.equal(safeSegments('/a/.%2E/b'), null);
    assert.equal(safeSegments('/a%2fb'), null);
    assert.deepEqual(safeSegments('/a/b%20c.png'), ['a', 'b c.png']);
  });

  test('methods other than GET, HEAD and the run upload are refused', async () => {
    assert.equal((await request('/runs/r1/config.json', { method: 'PUT', body: Buffer.from('x') })).status, 405);
    assert.equal((await request('/runs/r1/config.json', { method: 'DELETE' })).status, 405);
  });
});

describe('request bodies are bounded', () => {
  test('a declared body over the limit gets 413 before it is read', async () => {
    const r = await request('/api/runs', { method: 'POST', body: Buffer.alloc(MAX_BODY + 1, 32), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.match(r.body.toString(), /over the limit/);
  });

  test('a chunked body that grows over the limit gets 413', async () => {
    const r = await request('/api/runs', { method: 'POST', body: Buffer.alloc(MAX_BODY * 2, 32), headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' } });
    assert.equal(r.status, 413);
  });

  test('a small body that is not a run is refused with 400 and writes nothing', async () => {
    const r = await request('/api/runs', { method: 'POST', body: Buffer.from(JSON.stringify({ name: 'x', files: { '../evil.json': '' } })), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.match(r.body.toString(), /not part of a run folder/);
    assert.equal((await request('/api/runs/x')).status, 404);
  });

  test('an uploaded run may not name files for the server to read (data folder, prior samples)', async () => {
    const upload = (config: object) => request('/api/runs', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ name: 'sneaky', files: {
        'config.json': Buffer.from(JSON.stringify(config)).toString('base64'),
        'manifest.json': Buffer.from('{}').toString('base64'),
        'checkpoints/latest.json': Buffer.from('{}').toString('base64'),
      } })),
    });
    const data = await upload(resolveConfig({ data: { source: '/etc' } }));
    assert.equal(data.status, 400);
    assert.match(data.body.toString(), /must use the embedded data/);
    const prior = await upload(resolveConfig({ model: 'aae', prior: { kind: 'samples', file: '/dev/zero' } }));
    assert.equal(prior.status, 400);
    assert.match(prior.body.toString(), /prior given by a file/);
    assert.equal((await request('/api/runs/sneaky')).status, 404);
  });

  test('bound to loopback, a request addressed to another host name (DNS rebinding) is refused', async () => {
    const r = await request('/api/runs', { headers: { Host: `evil.example:${server.port}` } });
    assert.equal(r.status, 403);
    assert.equal((await request('/api/runs', { headers: { Host: `localhost:${server.port}` } })).status, 200);
  });

  test('a run upload from another site (no JSON content type, or a foreign Origin) is refused and writes nothing', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'csrf', files: {} }));
    const plain = await request('/api/runs', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(plain.status, 415);
    const foreign = await request('/api/runs', { method: 'POST', body, headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.toString(), /another origin/);
    const own = await request('/api/runs', { method: 'POST', body, headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${server.port}` } });
    assert.equal(own.status, 400, 'the page\'s own origin gets as far as checking the files');
    assert.equal((await request('/api/runs/csrf')).status, 404);
  });
});

describe('API', () => {
  test('a run in detail: config, metrics, figures', async () => {
    const r = JSON.parse((await request('/api/runs/r1')).body.toString());
    assert.equal(r.config.latentDim, 2);
    assert.equal(r.metrics.length, 1);
    assert.equal(r.checkpoint, null);
  });

  test('a run\'s images come grey or colour as the run was trained on them; colour pixels for a grey run are a 422 naming the file', async () => {
    const { createCanvas } = await import('@napi-rs/canvas');
    const folder = path.join(tmp.dir, 'rgb-grey');
    for (const [cls, shade] of [['dark', '#333333'], ['light', '#cccccc']]) {
      mkdirSync(path.join(folder, cls), { recursive: true });
      for (let i = 0; i < 3; i++) {
        const c = createCanvas(8, 8);
        const ctx = c.getContext('2d');
        ctx.fillStyle = shade;
        ctx.fillRect(0, 0, 8, 8);
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(i, i, 3, 3);
        writeFileSync(path.join(folder, cls, `${i}.png`), c.toBuffer('image/png'));   // RGBA files with grey pixels: grey when read whole
      }
    }
    const fixture = (name: string, source: string, shape: number[]) => {
      const dir = path.join(RUNS, name);
      mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolveConfig({ latentDim: 2, data: { source } })));
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ latentlab: 't', tfjs: 't', backend: 'cpu', created: 'now', seed: 1, model: 'vae', data: { source, shape, train: 5, test: 1 }, dataDim: shape.reduce((a, b) => a * b, 1), latentDim: 2, nets: {} }));
      writeFileSync(path.join(dir, 'metrics.jsonl'), '');
    };
    // Trained on the folder read from disk (its headers say colour): the page gets [8, 8, 3], each pixel's R = G = B.
    fixture('colour-run', folder, [8, 8, 3]);
    const r = await request('/api/data?split=train&limit=5&run=colour-run');
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.headers['x-shape'], '8,8,3');
    const pixels = r.body.subarray(0, 5 * 192);
    for (let p = 0; p < pixels.length; p += 3) assert.ok(pixels[p] === pixels[p + 1] && pixels[p] === pixels[p + 2], `pixel ${p / 3} is not grey`);
    // A grey run given colour pictures: refused, naming one.
    const colour = path.join(tmp.dir, 'colour-pictures');
    mkdirSync(path.join(colour, 'a'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const c = createCanvas(8, 8);
      const ctx = c.getContext('2d');
      ctx.fillStyle = '#d01c3c';
      ctx.fillRect(0, 0, 8, 8);
      writeFileSync(path.join(colour, 'a', `${i}.png`), c.toBuffer('image/png'));
    }
    fixture('grey-run', colour, [8, 8]);
    const refused = await request('/api/data?split=test&limit=1&run=grey-run');
    assert.equal(refused.status, 422);
    assert.match(refused.body.toString(), /a\/\d\.png has colour pixels, but the run was trained on grey images \(8×8\)/);
    // Later tests list the runs folder: leave it as it was.
    for (const name of ['colour-run', 'grey-run']) rmSync(path.join(RUNS, name), { recursive: true, force: true });
  });

  test('test images are the data set\'s own bytes, labels after them', async () => {
    const r = await request('/api/data?split=test&limit=5&run=r1');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-count'], '5');
    assert.equal(r.headers['x-shape'], '28,28');
    assert.equal(r.headers['x-labels'], '1');
    assert.equal(r.body.length, 5 * 784 + 5);
    const images = readFileSync(path.join(mnistDirectory(), 't10k-images-idx3-ubyte'));
    const labels = readFileSync(path.join(mnistDirectory(), 't10k-labels-idx1-ubyte'));
    assert.deepEqual([...r.body.subarray(0, 5 * 784)], [...images.subarray(16, 16 + 5 * 784)]);
    assert.deepEqual([...r.body.subarray(5 * 784)], [...labels.subarray(8, 13)]);
  });

  test('a run whose prior file is not IDX gets a 422 naming the file, without quoting its bytes', async () => {
    const file = path.join(OUTSIDE, 'prior.bin');
    writeFileSync(file, `${SECRET} not an IDX file`);
    writeRun('bad-prior');
    const config = path.join(RUNS, 'bad-prior', 'config.json');
    writeFileSync(config, JSON.stringify(resolveConfig({ model: 'aae', latentDim: 2, prior: { kind: 'samples', file } })));
    const manifest = path.join(RUNS, 'bad-prior', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), model: 'aae' }));
    const r = await request('/api/runs/bad-prior/prior');
    assert.equal(r.status, 422, r.body.toString());
    assert.match(r.body.toString(), /prior\.bin: not an IDX file/);
    assert.ok(!r.body.toString().includes('SECRET') && !/0x[0-9a-f]{8}/.test(r.body.toString()), r.body.toString());
    rmSync(path.join(RUNS, 'bad-prior'), { recursive: true, force: true });
  });

  test('bad data queries get 400', async () => {
    assert.equal((await request('/api/data?split=test&limit=0')).status, 400);
    assert.equal((await request('/api/data?split=validation&limit=5')).status, 400);
    for (const split of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) assert.equal((await request(`/api/data?split=${split}&limit=5`)).status, 400, split);
    assert.equal((await request('/api/data?split=test&limit=99999')).status, 400);
  });

  test('server-sent events replay the metrics, then stream appended progress lines', async () => {
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/runs/r1/events' }, (res) => {
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        let appended = false;
        const timer = setTimeout(() => reject(new Error(`no progress event; got ${received.join('')}`)), 5000);
        res.on('data', (chunk: Buffer) => {
          received.push(chunk.toString());
          const text = received.join('');
          if (!appended && text.includes('event: caught-up')) {
            appended = true;
            appendFileSync(path.join(RUNS, 'r1', 'progress.jsonl'), `${JSON.stringify({ time: 1, epoch: 2, batch: 1, batches: 3, terms: { loss: 9.5 } })}\n`);
          }
          if (text.includes('event: progress')) {
            clearTimeout(timer);
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (received.length ? undefined : reject(e)));
    });
    const text = received.join('');
    assert.match(text, /event: epoch\ndata: \{"epoch":1,/);
    assert.match(text, /event: progress\ndata: \{"time":1,"epoch":2,"batch":1,"batches":3,"terms":\{"loss":9.5\}\}/);
  });
});

/** An epoch line of metrics.jsonl. */
const epochLine = (epoch: number) => `${JSON.stringify({ epoch, step: 3 * epoch, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: { loss: 10 }, test: { loss: 11 } })}\n`;

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid && r.status === 0);
  return r.pid;
}

/** Writes training.json into a run folder as a training process would (`pid` alive or not). */
function writeMarker(dir: string, pid: number): void {
  writeFileSync(path.join(dir, 'training.json'), JSON.stringify({ pid, hostname: os.hostname(), started: new Date().toISOString() }));
}

/** Waits until `check()` returns something other than undefined (`ms` at most). */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SseEvent { readonly event: string; readonly data: string }

/** A server-sent event stream being read: every event so far, and a wait for the next one that matches. */
function openStream(rawPath: string, port: number) {
  const events: SseEvent[] = [];
  let buffer = '';
  let wake = () => {};
  const req = http.get({ host: '127.0.0.1', port, path: rawPath }, (res) => {
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data });
      }
      wake();
    });
  });
  req.on('error', () => {});
  let read = 0;
  return {
    events,
    /** The next event (after those already taken) that `match` accepts; rejects after `ms`. */
    async next(match: (e: SseEvent) => boolean, ms = 5000): Promise<SseEvent> {
      const deadline = Date.now() + ms;
      for (;;) {
        while (read < events.length) {
          const e = events[read++];
          if (match(e)) return e;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close: () => req.destroy(),
  };
}

/** Opens the run's event stream and calls `step(text so far)` on each chunk until it returns true (5 s at most). */
function followEvents(run: string, step: (text: string) => boolean, port = server.port): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get({ host: '127.0.0.1', port, path: `/api/runs/${encodeURIComponent(run)}/events` }, (res) => {
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`timed out; received: ${text}`));
      }, 5000);
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (step(text)) {
          clearTimeout(timer);
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', (e) => (text ? undefined : reject(e)));
  });
}

describe('server-sent events after a resume', () => {
  // r1's progress.jsonl holds the line appended by the event test above.
  test('a rewritten metrics file makes the stream reset and replay both files', async () => {
    let replaced = false;
    const text = await followEvents('r1', (t) => {
      if (!replaced && t.includes('event: caught-up')) {
        replaced = true;
        // What a resume does: the file is written under another name and renamed into place.
        const tmpFile = path.join(RUNS, 'r1', '.metrics.jsonl.tmp');
        writeFileSync(tmpFile, readFileSync(path.join(RUNS, 'r1', 'metrics.jsonl')));
        renameSync(tmpFile, path.join(RUNS, 'r1', 'metrics.jsonl'));
      }
      return /event: reset[\s\S]*event: epoch[\s\S]*event: progress/.test(t);
    });
    const afterReset = text.slice(text.indexOf('event: reset'));
    assert.equal(afterReset.match(/event: epoch/g)?.length, 1, text);
  });
});

describe('latentlab serve on the command line', () => {
  test('--help lists the options; latentlab --help lists serve', () => {
    const help = runCli(['serve', '--help']);
    assert.equal(help.status, 0);
    for (const flag of ['--host', '--port', 'runs_dir']) assert.ok(help.stdout.includes(flag), `serve --help lacks ${flag}`);
    assert.match(runCli(['--help']).stdout, /serve/);
  });

  test('a port in use: one clear message, exit 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = runCli(['serve', RUNS, '--port', String(port)], { timeoutMs: 60_000 });
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stderr, new RegExp(`--port ${port}: the port is already in use`));
      assert.ok(!hasStackTrace(r.stderr), describeRun(r));
    } finally {
      blocker.close();
    }
  });

  test('a missing runs folder: one clear message, exit 1', () => {
    const r = runCli(['serve', path.join(tmp.dir, 'nope')]);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /runs folder .*nope does not exist/);
    assert.ok(!hasStackTrace(r.stderr));
  });

  test('a missing page build names the command that builds it', async () => {
    await assert.rejects(startServer({ runsDir: RUNS, webDir: path.join(tmp.dir, 'no-web'), port: 0 }), /npm run build:web/);
  });

  test('--port 0 picks a free port, prints the URL, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), 'serve', RUNS, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    });
    assert.notEqual(new URL(url).port, '0');
    assert.match(out, /^1 run$/m, 'says how many runs it found');
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { name: string }[];
    assert.deepEqual(runs.map((r) => r.name), ['r1']);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  });

  test('loopback addresses are told apart from the rest (anything else gets a warning)', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.org']) assert.ok(!isLoopback(h), h);
  });
});

describe('run folders in subfolders (a comparison\'s six runs)', () => {
  const NESTED = path.join(tmp.dir, 'nested-runs');
  let nested: RunningServer;
  const get = (p: string) => request(p, { port: nested.port });
  const RUN = 'compare-x/vae-gaussian';

  before(async () => {
    writeRun('top', NESTED);
    writeDirAtomic(path.join(NESTED, 'compare-x', 'vae-gaussian'), await tinyRunFiles());
    writeFileSync(path.join(NESTED, 'compare-x', 'vae-gaussian', 'latent.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeRun('compare-x/aae-gaussian', NESTED);
    writeRun('a/b/c/deep', NESTED);                       // 4 levels: listed
    writeRun('a/b/c/d/too-deep', NESTED);                 // 5 levels: not looked for
    writeRun('top/inside-a-run', NESTED);                 // inside a run folder: not looked at
    writeRun('.hidden/r', NESTED);
    writeRun('old.tmp/r', NESTED);
    writeRun('compare-x/.vae-mixture.tmp-1-2', NESTED);
    writeRun('outside-run', OUTSIDE);
    symlinkSync(path.join(OUTSIDE, 'outside-run'), path.join(NESTED, 'link-out'));
    symlinkSync(OUTSIDE, path.join(NESTED, 'compare-x', 'escape'));
    nested = await startServer({ runsDir: NESTED, webDir: WEB, port: 0 });
  });
  after(() => nested?.close());

  test('GET /api/runs lists runs found up to 4 levels down by their path, with their group; nothing hidden, temporary, too deep, inside a run or outside', async () => {
    const runs = JSON.parse((await get('/api/runs')).body.toString()) as { name: string; group: string; error?: string }[];
    assert.deepEqual(runs.map((r) => r.name).sort(), ['a/b/c/deep', 'compare-x/aae-gaussian', 'compare-x/vae-gaussian', 'top']);
    assert.deepEqual(Object.fromEntries(runs.map((r) => [r.name, r.group])), { 'a/b/c/deep': 'a/b/c', 'compare-x/aae-gaussian': 'compare-x', 'compare-x/vae-gaussian': 'compare-x', top: '' });
    assert.ok(runs.every((r) => r.error === undefined), JSON.stringify(runs));
  });

  test('a nested run\'s detail, nets, figures, events and images are served under its encoded name', async () => {
    const r = await get(`/api/runs/${encodeURIComponent(RUN)}`);
    assert.equal(r.status, 200, r.body.toString());
    const detail = JSON.parse(r.body.toString());
    assert.equal(detail.name, RUN);
    assert.equal(detail.group, 'compare-x');
    assert.deepEqual(detail.figures, ['/runs/compare-x/vae-gaussian/latent.png']);
    assert.deepEqual(detail.nets, {
      encoder: '/runs/compare-x/vae-gaussian/checkpoints/epoch-0002/encoder/model.json',
      decoder: '/runs/compare-x/vae-gaussian/checkpoints/epoch-0002/decoder/model.json',
    });
    const net = await get(detail.nets.encoder);
    assert.equal(net.status, 200);
    assert.ok(JSON.parse(net.body.toString()).weightsManifest);
    assert.equal((await get(detail.figures[0])).status, 200);
    const data = await get(`/api/data?split=test&limit=3&run=${encodeURIComponent(RUN)}`);
    assert.equal(data.status, 200, data.body.toString());
    assert.equal(data.headers['x-count'], '3');
    const text = await followEvents(RUN, (t) => t.includes('event: caught-up'), nested.port);
    assert.equal(text.match(/event: epoch\ndata: \{"epoch":/g)?.length, 2, text);
  });

  const hostile = [
    'compare-x%2F..%2Ftop', '..%2Ftop', 'compare-x%2F%2Fvae-gaussian', '%2Fcompare-x%2Fvae-gaussian', 'compare-x%2Fvae-gaussian%2F',
    'top%2Finside-a-run', 'a%2Fb%2Fc%2Fd%2Ftoo-deep', '.hidden%2Fr', 'old.tmp%2Fr', 'link-out', 'compare-x%2Fescape', 'compare-x%2Fescape%2F..%2F..%2Fsecret.txt',
    'compare-x%5Cvae-gaussian', `${encodeURIComponent(path.join(OUTSIDE, 'outside-run'))}`,
  ];
  for (const name of hostile) {
    test(`refuses the run name ${name}`, async () => {
      for (const p of [`/api/runs/${name}`, `/api/runs/${name}/events`, `/api/runs/${name}/prior`, `/api/data?limit=1&run=${name}`]) {
        const r = await get(p);
        assert.ok([400, 403, 404].includes(r.status), `${p}: status ${r.status}`);
        assert.ok(!r.body.toString().includes(SECRET), `${p}: leaked`);
      }
    });
  }

  test('a run measured by latentlab compare carries its row of comparison.json and the report\'s URL; a missing, damaged or foreign file leaves it out', async () => {
    const folder = path.join(NESTED, 'compare-x');
    const row = {
      name: 'vae-gaussian', model: 'vae', prior: 'standard-normal', priorLabel: 'Gaussian N(0, I)', run: 'vae-gaussian',
      test: { negElbo: 150.25, reconstruction: 140.5, kl: 9.75 }, latent: { images: 2000, mmd: 0.0125, twoSample: 0.5625, knn: 0.8125 }, trainSeconds: 12,
    };
    const other = { ...row, name: 'aae-gaussian', model: 'aae', run: 'aae-gaussian', latent: { ...row.latent, knn: null } };
    writeFileSync(path.join(folder, 'comparison.json'), JSON.stringify({ settings: { epochs: 2 }, rows: [other, row] }));
    writeFileSync(path.join(folder, 'report.html'), '<!doctype html><title>report</title>');
    const comparison = async (name: string) => {
      const r = await get(`/api/runs/${encodeURIComponent(name)}`);
      assert.equal(r.status, 200, r.body.toString());
      return JSON.parse(r.body.toString()).comparison;
    };
    assert.deepEqual(await comparison(RUN), { latent: row.latent, test: row.test, priorLabel: row.priorLabel, report: '/runs/compare-x/report.html' });
    assert.equal((await comparison('compare-x/aae-gaussian')).latent.knn, null);
    assert.match((await get('/runs/compare-x/report.html')).body.toString(), /<title>report<\/title>/);
    assert.equal(await comparison('top'), undefined, 'no comparison.json beside it');
    rmSync(path.join(folder, 'report.html'));
    assert.equal((await comparison(RUN)).report, null);
    writeFileSync(path.join(folder, 'comparison.json'), JSON.stringify({ rows: [other] }));
    assert.equal(await comparison(RUN), undefined, 'no row for the run');
    for (const damaged of ['{"rows": [', '{"rows": {}}', 'null', JSON.stringify({ rows: [{ ...row, latent: 'x' }] })]) {
      writeFileSync(path.join(folder, 'comparison.json'), damaged);
      assert.equal(await comparison(RUN), undefined, damaged);
    }
    writeFileSync(path.join(OUTSIDE, 'comparison.json'), JSON.stringify({ rows: [row] }));
    rmSync(path.join(folder, 'comparison.json'));
    symlinkSync(path.join(OUTSIDE, 'comparison.json'), path.join(folder, 'comparison.json'));
    assert.equal(await comparison(RUN), undefined, 'a comparison.json that links out of the runs folder is not read');
  });

  test('a link to a run folder outside the runs folder is neither listed nor served', async () => {
    assert.equal((await get('/runs/link-out/config.json')).status, 403);
    assert.equal((await get('/api/runs/link-out')).status, 404);
  });

  test('a run saved from the page keeps a plain name', async () => {
    const r = await request('/api/runs', { port: nested.port, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ name: 'compare-x/saved', files: {} })) });
    assert.equal(r.status, 400);
  });

  test('serve says how many runs it found, and in how many subfolders; or where it looked', () => {
    assert.equal(describeFound(NESTED), '4 runs (3 of them in 2 subfolders)');
    const empty = path.join(tmp.dir, 'empty-runs');
    mkdirSync(empty);
    assert.match(describeFound(empty), /^no run folders found in .*empty-runs \(looked up to 4 levels down\)/);
  });
});

describe('run status: training, finished, interrupted, empty', () => {
  const ROOT = path.join(tmp.dir, 'status-runs');
  let srv: RunningServer;
  const get = (p: string) => request(p, { port: srv.port });
  const detail = async (name: string) => JSON.parse((await get(`/api/runs/${encodeURIComponent(name)}`)).body.toString());

  before(async () => {
    writeRun('live', ROOT);                                          // 1 of 10 epochs, this process trains it
    writeMarker(path.join(ROOT, 'live'), process.pid);
    writeRun('stale', ROOT);                                         // 1 of 10 epochs, its process is gone (kill -9)
    writeMarker(path.join(ROOT, 'stale'), deadPid());
    writeRun('finished', ROOT, { latentDim: 2, train: { epochs: 1 } });
    writeRun('interrupted', ROOT);
    writeRun('empty', ROOT);
    writeFileSync(path.join(ROOT, 'empty', 'metrics.jsonl'), '');
    srv = await startServer({ runsDir: ROOT, webDir: WEB, port: 0 });
  });
  after(() => srv?.close());

  test('each summary and each detail says where the run stands, with its epochs and planned epochs', async () => {
    const runs = JSON.parse((await get('/api/runs')).body.toString()) as { name: string; status: string; epochs: number; plannedEpochs: number }[];
    const expected: Record<string, unknown[]> = {
      live: ['training', 1, 10], stale: ['interrupted', 1, 10], finished: ['finished', 1, 1], interrupted: ['interrupted', 1, 10], empty: ['empty', 0, 10],
    };
    assert.deepEqual(Object.fromEntries(runs.map((r) => [r.name, [r.status, r.epochs, r.plannedEpochs]])), expected);
    for (const [name, want] of Object.entries(expected)) {
      const d = await detail(name);
      assert.deepEqual([d.status, d.epochs, d.plannedEpochs], want, name);
    }
  });

  test('a run\'s event stream says its status after catching up, and again when it changes', async () => {
    const dir = path.join(ROOT, 'live');
    let step = 0;
    const text = await followEvents('live', (t) => {
      const statuses = [...t.matchAll(/event: status\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]));
      if (step === 0 && statuses.length === 1) {
        assert.ok(t.indexOf('event: caught-up') < t.indexOf('event: status'), t);
        assert.deepEqual(statuses[0], { status: 'training', epochs: 1, plannedEpochs: 10 });
        writeMarker(dir, deadPid());                                    // the process was killed
        step = 1;
      } else if (step === 1 && statuses.length === 2) {
        assert.deepEqual(statuses[1], { status: 'interrupted', epochs: 1, plannedEpochs: 10 });
        writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolveConfig({ latentDim: 2, train: { epochs: 2 } })));
        appendFileSync(path.join(dir, 'metrics.jsonl'), epochLine(2));  // resumed to 2 epochs, and done
        rmSync(path.join(dir, 'training.json'));
        step = 2;
      } else if (step === 2 && statuses.length === 3) {
        assert.deepEqual(statuses[2], { status: 'finished', epochs: 2, plannedEpochs: 2 });
        return true;
      }
      return false;
    }, srv.port);
    assert.ok(text.lastIndexOf('event: epoch') < text.lastIndexOf('event: status'), 'the new epoch comes before the status that counts it');
  });

  test('a real latentlab train: training while its process lives, interrupted after kill -9 (training.json left stale), finished after --resume (training.json gone)', async () => {
    const dir = path.join(ROOT, 'real');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), 'train', '--train-limit', '500', '--test-limit', '100', '--hidden', '16',
      '--latent-dim', '2', '--batch-size', '50', '--epochs', '500', '--out', ROOT, '--name', 'real', '-q'], { cwd: REPO_ROOT, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await waitFor('the first checkpoint', () => (existsSync(path.join(dir, 'checkpoints', 'latest.json')) ? true : undefined), 60_000);
      const marker = JSON.parse(readFileSync(path.join(dir, 'training.json'), 'utf8'));
      assert.equal(marker.pid, child.pid);
      assert.equal((await detail('real')).status, 'training');
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(existsSync(path.join(dir, 'training.json')), 'kill -9 leaves training.json');
    const killed = await detail('real');
    assert.equal(killed.status, 'interrupted');
    const done = killed.checkpoint.epoch as number;
    const r = runCli(['train', '--resume', dir, '--epochs', String(done + 1), '-q']);
    assert.equal(r.status, 0, describeRun(r));
    assert.ok(!existsSync(path.join(dir, 'training.json')), 'the resumed run replaced the stale training.json and removed it when done');
    const finished = await detail('real');
    assert.deepEqual([finished.status, finished.epochs, finished.plannedEpochs], ['finished', done + 1, done + 1]);
  });
});

describe('GET /api/events: the runs folder, live', () => {
  const ROOT = path.join(tmp.dir, 'feed-runs');
  let srv: RunningServer;
  type Summary = { name: string; group: string; epochs: number; status: string; figures: string[] };
  const runsOf = (e: SseEvent) => JSON.parse(e.data) as Summary[];

  before(async () => {
    writeRun('first', ROOT);
    srv = await startServer({ runsDir: ROOT, webDir: WEB, port: 0 });
  });
  after(() => srv?.close());

  test('sends the list on connect, then again when a run appears, gets an epoch, a figure, a new status, or goes; not for a progress line alone', async () => {
    const stream = openStream('/api/events', srv.port);
    try {
      const first = await stream.next((e) => e.event === 'runs');
      assert.equal(first.data, (await request('/api/runs', { port: srv.port })).body.toString(), 'the same JSON as GET /api/runs');
      assert.deepEqual(runsOf(first).map((r) => r.name), ['first']);

      writeRun('compare-y/new-run', ROOT);
      let started = Date.now();
      const appeared = runsOf(await stream.next((e) => e.event === 'runs'));
      assert.ok(Date.now() - started < 3000, `the new run was announced after ${Date.now() - started} ms`);
      const fresh = appeared.find((r) => r.name === 'compare-y/new-run');
      assert.deepEqual([fresh?.group, fresh?.epochs, fresh?.status], ['compare-y', 1, 'interrupted']);

      const dir = path.join(ROOT, 'compare-y', 'new-run');
      appendFileSync(path.join(dir, 'progress.jsonl'), `${JSON.stringify({ time: 1, epoch: 2, batch: 1, batches: 3, terms: { loss: 9 } })}\n`);
      await assert.rejects(stream.next((e) => e.event === 'runs', 1500), /no matching event/, 'a progress line alone changes nothing the list shows but the time');

      started = Date.now();
      appendFileSync(path.join(dir, 'metrics.jsonl'), epochLine(2));
      const epoch = runsOf(await stream.next((e) => e.event === 'runs'));
      assert.ok(Date.now() - started < 3000);
      assert.equal(epoch.find((r) => r.name === 'compare-y/new-run')?.epochs, 2);

      writeMarker(dir, process.pid);
      assert.equal(runsOf(await stream.next((e) => e.event === 'runs')).find((r) => r.name === 'compare-y/new-run')?.status, 'training');
      writeMarker(dir, deadPid());
      assert.equal(runsOf(await stream.next((e) => e.event === 'runs')).find((r) => r.name === 'compare-y/new-run')?.status, 'interrupted');

      writeFileSync(path.join(dir, 'loss.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      assert.deepEqual(runsOf(await stream.next((e) => e.event === 'runs')).find((r) => r.name === 'compare-y/new-run')?.figures, ['/runs/compare-y/new-run/loss.png']);

      rmSync(path.join(ROOT, 'compare-y'), { recursive: true });
      assert.deepEqual(runsOf(await stream.next((e) => e.event === 'runs')).map((r) => r.name), ['first']);
    } finally {
      stream.close();
    }
  });
});

describe('a run saved from the page gets its figures', () => {
  const ROOT = path.join(tmp.dir, 'saved-runs');
  let srv: RunningServer;

  before(async () => {
    mkdirSync(ROOT);
    srv = await startServer({ runsDir: ROOT, webDir: WEB, port: 0 });
  });
  after(() => srv?.close());

  test('after the 201, the figures latentlab train writes land in the folder, each a whole PNG, and the live list announces them', async () => {
    const files = await tinyRunFiles();
    const stream = openStream('/api/events', srv.port);
    try {
      await stream.next((e) => e.event === 'runs');
      const body = Buffer.from(JSON.stringify({
        name: 'from-page', files: Object.fromEntries(Object.entries(files).map(([f, data]) => [f, Buffer.from(data).toString('base64')])),
      }));
      const r = await request('/api/runs', { port: srv.port, method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      assert.equal(r.status, 201, r.body.toString());
      assert.deepEqual(JSON.parse(r.body.toString()), { name: 'from-page' });
      const expected = ['latent.png', 'loss.png', 'manifold.png', 'reconstructions.png', 'samples.png'];
      const announced = await stream.next((e) => {
        const run = (JSON.parse(e.data) as { name: string; figures?: string[] }[]).find((x) => x.name === 'from-page');
        return e.event === 'runs' && (run?.figures?.length ?? 0) >= expected.length;
      }, 30_000);
      const run = (JSON.parse(announced.data) as { name: string; figures: string[]; status: string }[]).find((x) => x.name === 'from-page')!;
      assert.deepEqual(run.figures, expected.map((f) => `/runs/from-page/${f}`));
      assert.equal(run.status, 'finished');
      for (const f of expected) {
        const png = readFileSync(path.join(ROOT, 'from-page', f));
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f}: PNG signature`);
        assert.equal(png.subarray(-8, -4).toString('latin1'), 'IEND', `${f}: whole`);
        assert.ok(png.readUInt32BE(16) > 50 && png.readUInt32BE(20) > 50, `${f}: ${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
      }
    } finally {
      stream.close();
    }
  });

  test('figures that cannot be drawn are one line on stderr, and nothing else happens', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await new SavedRunFigures().draw(path.join(ROOT, 'no-such-run'), 'no-such-run');
    } finally {
      process.stderr.write = write;
    }
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0], /^latentlab serve: no figures for the saved run no-such-run: .*no-such-run.*\n$/);
    assert.ok(!existsSync(path.join(ROOT, 'no-such-run')));
  });
});
