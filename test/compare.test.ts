/**
 * End-to-end: `latentlab compare` and the label-aware training flags
 * (`--labels prior|conditional`), on small MNIST subsets and synthetic IDX data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodePng } from '../src/node/figures.js';
import { startServer } from '../src/node/serve/server.js';
import { describeRun, hasStackTrace, listDir, makeTempDir, readJson, readJsonl, runCli, syntheticIdxFiles, writeIdxFolder, type CliResult } from './helpers/cli.js';

const tmp = makeTempDir();
after(() => tmp.remove());

function ok(r: CliResult, what: string): void {
  assert.equal(r.status, 0, `${what} failed: ${describeRun(r)}`);
  assert.ok(!hasStackTrace(r.stderr), `${what}: stack trace on stderr: ${describeRun(r)}`);
}

function fails(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.status, 0, describeRun(r));
  assert.match(r.stderr, pattern);
  assert.ok(!hasStackTrace(r.stderr), describeRun(r));
}

interface Row { name: string; model: string; prior: string; run: string; test: Record<string, number>; latent: { images: number; mmd: number; twoSample: number; knn: number } }

describe('latentlab compare', () => {
  const out = path.join(tmp.dir, 'compare');
  const dir = path.join(out, 'c');
  let r: CliResult;
  before(() => {
    r = runCli(['compare', '--train-limit', '600', '--test-limit', '300', '--metric-images', '200', '--epochs', '1', '--hidden', '32', '--out', out, '--name', 'c'], { timeoutMs: 300_000 });
  });

  test('trains the six models, says how long it expects to take, and writes six run folders', () => {
    ok(r, 'compare');
    assert.match(r.stdout, /expected time: about \d+ (s|min) \(timed steps: VAE \d+ ms, AAE \d+ ms, WAE \d+ ms\)/);
    assert.deepEqual(listDir(dir).sort(), ['aae-gaussian', 'aae-mixture', 'comparison.json', 'report.html', 'report.md', 'vae-gaussian', 'vae-mixture', 'wae-gaussian', 'wae-mixture']);
    for (const run of ['vae-gaussian', 'aae-gaussian', 'wae-gaussian', 'vae-mixture', 'aae-mixture', 'wae-mixture']) {
      const config = readJson<{ model: string; latentDim: number; prior: { kind: string }; encoder: { hidden: number[] } }>(path.join(dir, run, 'config.json'));
      assert.equal(config.model, run.split('-')[0]);
      assert.equal(config.latentDim, 2);
      assert.equal(config.prior.kind, run.endsWith('mixture') ? 'gaussian-mixture' : 'standard-normal');
      assert.deepEqual(config.encoder.hidden, [32]);
      assert.equal(readJsonl(path.join(dir, run, 'metrics.jsonl')).length, 1);
      assert.ok(existsSync(path.join(dir, run, 'checkpoints', 'latest.json')));
      assert.ok(!existsSync(path.join(dir, run, 'training.json')), `${run}: training.json left behind`);
    }
    assert.match(r.stdout, new RegExp(`report +${path.join(dir, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(r.stdout.includes(`npx latentlab serve ${out} (they are listed under c/, beside your other runs)`), r.stdout);
  });

  test('latentlab serve on the --out folder lists the six runs under the comparison\'s folder, finished, each with its numbers and the report', async () => {
    const web = path.join(tmp.dir, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(path.join(web, 'index.html'), '<!doctype html>');
    const server = await startServer({ runsDir: out, webDir: web, port: 0 });
    try {
      const runs = (await (await fetch(`${server.url}api/runs`)).json()) as { name: string; group: string; status: string }[];
      assert.deepEqual(runs.map((x) => x.name).sort(), ['aae-gaussian', 'aae-mixture', 'vae-gaussian', 'vae-mixture', 'wae-gaussian', 'wae-mixture'].map((n) => `c/${n}`));
      assert.ok(runs.every((x) => x.group === 'c' && x.status === 'finished'), JSON.stringify(runs));
      const { rows } = readJson<{ rows: Row[] }>(path.join(dir, 'comparison.json'));
      const detail = (await (await fetch(`${server.url}api/runs/${encodeURIComponent('c/wae-mixture')}`)).json()) as { comparison: { latent: unknown; test: unknown; report: string } };
      const row = rows.find((x) => x.run === 'wae-mixture')!;
      assert.deepEqual(detail.comparison.latent, row.latent);
      assert.deepEqual(detail.comparison.test, row.test);
      assert.equal(detail.comparison.report, '/runs/c/report.html');
      assert.equal((await fetch(`${server.url}${detail.comparison.report.slice(1)}`)).status, 200);
    } finally {
      await server.close();
    }
  });

  test('comparison.json holds every number, computed on the requested images', () => {
    const { rows } = readJson<{ rows: Row[] }>(path.join(dir, 'comparison.json'));
    assert.deepEqual(rows.map((x) => x.name), ['vae-gaussian', 'aae-gaussian', 'wae-gaussian', 'vae-mixture', 'aae-mixture', 'wae-mixture']);
    for (const row of rows) {
      assert.equal(row.latent.images, 200);
      assert.ok(Number.isFinite(row.latent.mmd), `${row.name} mmd`);
      assert.ok(row.latent.twoSample >= 0 && row.latent.twoSample <= 1, `${row.name} two-sample ${row.latent.twoSample}`);
      assert.ok(row.latent.knn > 0.1 && row.latent.knn <= 1, `${row.name} k-NN ${row.latent.knn} (chance is 0.1)`);
      assert.ok(row.test.reconstruction > 0);
      assert.equal('loss' in row.test, row.model === 'vae');
      assert.equal('mmd' in row.test, row.model === 'wae', 'the WAE reports its penalty term');
    }
  });

  test('report.html is self-contained: the metrics table and 18 embedded figures that decode', async () => {
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const { rows } = readJson<{ rows: Row[] }>(path.join(dir, 'comparison.json'));
    for (const row of rows) assert.ok(html.includes(row.latent.mmd.toFixed(3)), `MMD of ${row.name} in the table`);
    const images = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    assert.equal(images.length, 18, 'latent, samples and manifold for each of the six models');
    assert.match(html, /<h1>VAE, AAE and WAE: how each shapes a 2-D latent space<\/h1>/);
    assert.match(html, /<th>WAE <span class="run">wae-mixture\/<\/span><\/th>/, 'the WAE is a column of the figures');
    for (const png of images.slice(0, 2)) assert.ok((await decodePng(png)).width > 100);
    assert.ok(!/src="(?!data:)/.test(html), 'no links to files outside the page');
  });

  test('report.md links figures that exist beside it', () => {
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.equal(links.length, 18);
    for (const link of links) assert.ok(existsSync(path.join(dir, link)), link);
    assert.match(md, /\| VAE \| Gaussian N\(0, I\) \|/);
    assert.match(md, /\| WAE \| 10 Gaussians on a circle \|/);
    assert.match(md, /\| VAE \| AAE \| WAE \|/, 'three columns of figures per prior');
  });

  test('an existing comparison folder, or data without labels, is a clear error and nothing is left behind', () => {
    fails(runCli(['compare', '--train-limit', '100', '--test-limit', '50', '--epochs', '1', '--out', out, '--name', 'c']), /already exists/);
    // The comparison that owns the folder keeps it whole: the refused one removes nothing (it claims a folder by creating it, or stops).
    assert.ok(existsSync(path.join(dir, 'report.md')), 'the existing comparison is untouched');
    const data = writeIdxFolder(path.join(tmp.dir, 'unlabelled'), syntheticIdxFiles({ train: 100, test: 40, labels: false }));
    fails(runCli(['compare', '--data', data, '--epochs', '1', '--out', out, '--name', 'nolabels']), /needs label files/);
    assert.ok(!existsSync(path.join(out, 'nolabels')));
  });
});

describe('latentlab train --labels', () => {
  const runs = path.join(tmp.dir, 'label-runs');
  const SMALL = ['--train-limit', '1000', '--test-limit', '300', '--hidden', '32', '--epochs', '1', '--out', runs, '-q'];

  test('a supervised AAE writes styles.png (8 styles × 10 digits) instead of the manifold; eval uses the labels', async () => {
    ok(runCli(['train', '--model', 'aae', '--labels', 'conditional', '--name', 'sup', ...SMALL]), 'supervised aae');
    const dir = path.join(runs, 'sup');
    const styles = await decodePng(readFileSync(path.join(dir, 'styles.png')));
    assert.ok(styles.width >= 10 * 28 && styles.height >= 8 * 28, `${styles.width}×${styles.height}`);
    assert.ok(!existsSync(path.join(dir, 'manifold.png')));
    const arch = readJson<{ nets: Record<string, { weights: { name: string; shape: number[] }[] }> }>(path.join(dir, 'manifest.json'));
    assert.deepEqual(arch.nets.decoder.weights[0].shape, [12, 32], 'decoder input: 2-D z + 10 one-hot');
    assert.deepEqual(arch.nets.encoder.weights[0].shape, [784, 32], 'the encoder does not see the label');
    const evaluated = runCli(['eval', dir, '--json']);
    ok(evaluated, 'eval supervised aae');
    assert.ok(JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!).terms.reconstruction > 0);
  });

  test('a conditional VAE and a label-guided AAE with half the labels train', () => {
    ok(runCli(['train', '--labels', 'conditional', '--name', 'cvae', ...SMALL]), 'conditional vae');
    const m = readJson<{ nets: Record<string, { weights: { shape: number[] }[] }> }>(path.join(runs, 'cvae', 'manifest.json'));
    assert.deepEqual(m.nets.encoder.weights[0].shape, [794, 32]);
    ok(runCli(['eval', path.join(runs, 'cvae'), '--iw', '3', '--limit', '20', '--json']), 'IW bound of a conditional VAE');
    ok(runCli(['train', '--model', 'aae', '--prior', 'gaussian-mixture', '--labels', 'prior', '--labelled-fraction', '0.5', '--name', 'guided', ...SMALL]), 'label-guided aae');
    const g = readJson<{ nets: Record<string, { weights: { shape: number[] }[] }> }>(path.join(runs, 'guided', 'manifest.json'));
    assert.deepEqual(g.nets.discriminator.weights[0].shape[0], 2 + 10 + 1);
    const evaluated = runCli(['eval', path.join(runs, 'guided'), '--json']);
    ok(evaluated, 'eval label-guided aae');
    const accuracy = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!).componentAccuracy;
    assert.ok(accuracy >= 0 && accuracy <= 1, `componentAccuracy ${accuracy}`);
  });

  test('bad label settings: one clear message, no run folder', () => {
    const unlabelled = writeIdxFolder(path.join(tmp.dir, 'unlabelled-train'), syntheticIdxFiles({ train: 100, test: 40, labels: false }));
    const bad = path.join(tmp.dir, 'bad-label-runs');
    for (const [args, pattern] of [
      [['--model', 'aae', '--prior', 'gaussian-mixture', '--labels', 'prior', '--data', unlabelled], /label-guided training .* needs class labels, and this data set has none/],
      [['--model', 'aae', '--labels', 'prior'], /gaussian-mixture or swiss-roll prior with 10 components/],
      [['--labels', 'prior'], /needs model "aae".*\(--labels\)/],
      [['--labels', 'conditional', '--labelled-fraction', '0.5'], /--labelled-fraction/],
      [['--model', 'aae', '--prior', 'gaussian-mixture', '--labels', 'prior', '--labelled-fraction', '1.5'], /labels\.fraction.*--labelled-fraction/],
      [['--labels', 'conditional', '--classes', '3'], /labels up to 9, but labels\.classes is 3/],
    ] as const) {
      const r = runCli(['train', ...args, '--train-limit', '100', '--test-limit', '40', '--epochs', '1', '--hidden', '8', '--out', bad, '-q']);
      fails(r, pattern);
      assert.deepEqual(existsSync(bad) ? listDir(bad) : [], [], `no run folder left behind (${args.join(' ')})`);
    }
  });
});
