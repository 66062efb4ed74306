/**
 * Applying a trained run to data: the ROC/AUROC arithmetic, per-example
 * anomaly scores, and the encode → decode → score commands end to end
 * (round trips through CSV and .npy, tables back in their own units).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCanvas } from '@napi-rs/canvas';
import { parseNpy } from '../src/core/data/npy.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { rocCurve } from '../src/core/metrics/roc.js';
import { anomalyScores } from '../src/core/metrics/scores.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel } from '../src/core/models/registry.js';
import { uniformGenerator } from '../src/core/util/random.js';
import { initBackend } from '../src/node/backend.js';
import { destandardize } from '../src/node/data/tabular.js';
import { loadRunModel } from '../src/node/load-run.js';
import { describeRun, hasStackTrace, makeTempDir, readJson, runCli } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-apply-');
after(() => tmp.remove());
const at = (...p: string[]) => path.join(tmp.dir, ...p);
const ok = (args: string[]) => {
  const r = runCli(args);
  assert.equal(r.status, 0, describeRun(r));
  return r;
};
const csvRows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));

describe('rocCurve', () => {
  test('AUROC is the probability that an anomaly outscores a normal example (ties count half), computed over all pairs', () => {
    const rand = uniformGenerator(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      // Scores on a coarse grid, so ties happen.
      const scores = Array.from({ length: n }, () => Math.round(rand() * 8));
      const anomalous = Array.from({ length: n }, (_, i) => (i < 2 ? i : rand() < 0.4 ? 1 : 0));
      let pairs = 0, wins = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        if (anomalous[i] && !anomalous[j]) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
      const roc = rocCurve(scores, anomalous);
      assert.ok(Math.abs(roc.auroc - wins / pairs) < 1e-12, `trial ${trial}: ${roc.auroc} vs ${wins / pairs}`);
      assert.deepEqual([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)], [0, 0, 1, 1]);
      // The suggested threshold flags what it says it flags.
      const { threshold, tpr, fpr } = roc.suggested;
      const flagged = (want: number) => scores.filter((s, i) => anomalous[i] === want && s >= threshold).length / anomalous.filter((a) => a === want).length;
      assert.ok(Math.abs(flagged(1) - tpr) < 1e-12 && Math.abs(flagged(0) - fpr) < 1e-12);
    }
    assert.equal(rocCurve([3, 2, 1, 0], [1, 1, 0, 0]).auroc, 1);
    assert.equal(rocCurve([0, 1, 2, 3], [1, 1, 0, 0]).auroc, 0);
    assert.throws(() => rocCurve([1, 2], [0, 0]), /needs both normal and anomalous/);
  });
});

describe('anomalyScores', () => {
  before(async () => {
    await initBackend('cpu');
  });

  test('the −ELBO score is its reconstruction and KL terms summed, per example; the IW bound is tighter on average and grows tighter with K', async () => {
    const config = resolveConfig({ model: 'vae', latentDim: 3, encoder: { hidden: [16] }, decoder: { hidden: [16] }, seed: 4 });
    const model = buildModel(config, [4, 5]);
    const rand = uniformGenerator(9);
    const data = makeDataset('blobs', [4, 5], Float32Array.from({ length: 120 * 20 }, () => (rand() < 0.3 ? 1 : 0)));
    const elbo = await anomalyScores(model, data, { seed: 1, posteriorDensity: true, samples: 200 });
    elbo.score.forEach((s, i) => assert.ok(Math.abs(s - (elbo.terms.reconstruction[i] + elbo.terms.kl[i])) < 1e-3));
    const mean = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const iw5 = await anomalyScores(model, data, { seed: 1, posteriorDensity: true, iw: 5 });
    const iw200 = await anomalyScores(model, data, { seed: 1, posteriorDensity: true, iw: 200 });
    assert.ok(mean(iw5.score) < mean(elbo.score) && mean(iw200.score) < mean(iw5.score), `${mean(elbo.score)} ${mean(iw5.score)} ${mean(iw200.score)}`);
    // A deterministic encoder: −log p(x|z) − log p(z) at the code.
    const aae = buildModel(resolveConfig({ model: 'aae', latentDim: 2, encoder: { hidden: [16] }, decoder: { hidden: [16] } }), [4, 5]);
    const joint = await anomalyScores(aae, data, { seed: 1, posteriorDensity: false });
    assert.deepEqual(Object.keys(joint.terms), ['reconstruction', 'prior']);
    const direct = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(0, 20), [1, 20]);
      const z = aae.encode(x).mean();
      return tf.add(tf.neg(aae.decode(z).logProb(x)), tf.neg(aae.prior.logProb(z))).dataSync()[0];
    });
    assert.ok(Math.abs(joint.score[0] - direct) < 1e-3, `${joint.score[0]} vs ${direct}`);
    model.dispose();
    aae.dispose();
  });
});

describe('encode, decode and score on trained runs', () => {
  before(() => {
    // A table with two kinds of rows, and an image folder of normal and anomalous pictures.
    const rand = uniformGenerator(3);
    const lines = ['width,height,weight,kind'];
    for (let i = 0; i < 200; i++) {
      const k = i % 2;
      lines.push(`${(20 + 10 * k + rand() * 2).toFixed(3)},${(5 - 3 * k + rand()).toFixed(3)},${(100 + 50 * rand()).toFixed(2)},${k ? 'big' : 'small'}`);
    }
    writeFileSync(at('shapes.csv'), lines.join('\n'));
    for (const [folder, count, bright] of [['normal', 40, false], ['anomaly', 10, true]] as const) {
      mkdirSync(at('pictures', folder), { recursive: true });
      for (let i = 0; i < count; i++) {
        const c = createCanvas(8, 8);
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#000';
        ctx.fillRect(0, 0, 8, 8);
        ctx.fillStyle = '#fff';
        if (bright) ctx.fillRect(0, 0, 8, 8);
        else ctx.fillRect(i % 6, 2, 2, 4);
        writeFileSync(at('pictures', folder, `${i}.png`), c.toBuffer('image/png'));
      }
    }
    ok(['train', '--data', at('shapes.csv'), '--label-column', 'kind', '--epochs', '3', '--batch-size', '20', '-q', '--out', at('runs'), '--name', 'table', '--backend', 'cpu']);
  });

  test('encode writes the same means as CSV and .npy; decode of a table returns rows in the data\'s own units', async () => {
    const run = at('runs', 'table');
    ok(['encode', run, '-o', at('codes.csv'), '--backend', 'cpu']);
    ok(['encode', run, '-o', at('codes.npy'), '--backend', 'cpu']);
    const rows = csvRows(at('codes.csv'));
    assert.deepEqual(rows[0], ['index', 'name', 'label', 'class', 'z1', 'z2']);
    const npy = parseNpy(readFileSync(at('codes.npy')), 'codes.npy');
    assert.deepEqual(npy.shape, [rows.length - 1, 2]);
    rows.slice(1).forEach((r, i) => {
      assert.ok(Math.abs(Number(r[4]) - npy.data[2 * i]) < 1e-5 && Math.abs(Number(r[5]) - npy.data[2 * i + 1]) < 1e-5);
      assert.equal(r[3], r[2] === '0' ? 'big' : 'small');
    });
    ok(['decode', run, '--codes', at('codes.csv'), '-o', at('rows.csv'), '--backend', 'cpu']);
    const decoded = csvRows(at('rows.csv'));
    assert.deepEqual(decoded[0], ['width', 'height', 'weight']);
    // The same numbers as the model's decoder means, destandardised with the run's statistics.
    await initBackend('cpu');
    const { run: opened, model } = await loadRunModel(run);
    const expect = tf.tidy(() => model.decode(tf.tensor2d(npy.data as Float32Array, [npy.shape[0], 2])).mean().dataSync() as Float32Array);
    const units = destandardize(expect, opened.manifest.data.standardization!);
    decoded.slice(1).forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(Number(v) - units[3 * i + j]) < 1e-3 * Math.max(1, Math.abs(units[3 * i + j])), `row ${i} column ${j}: ${v} vs ${units[3 * i + j]}`)));
    // Rows in original units: the weights sit near the data's range (100–150), not near 0 as standardised values would.
    const weights = decoded.slice(1).map((r) => Number(r[2]));
    assert.ok(weights.every((w) => w > 60 && w < 190), `weights ${weights.slice(0, 5)}`);
    model.dispose();
    ok(['encode', run, '--samples', '4', '-o', at('samples.npy'), '--backend', 'cpu']);
    assert.deepEqual(parseNpy(readFileSync(at('samples.npy')), 's').shape, [npy.shape[0], 4, 2]);
  });

  test('score with a normal/ and anomaly/ folder layout writes per-example scores, an ROC figure and its AUROC', () => {
    ok(['train', '--data', at('pictures', 'normal'), '--epochs', '15', '--batch-size', '8', '-q', '--out', at('runs'), '--name', 'pictures', '--backend', 'cpu']);
    const r = ok(['score', at('runs', 'pictures'), '--data', at('pictures'), '-o', at('scores.csv'), '--backend', 'cpu', '--samples', '4']);
    assert.match(r.stdout, /AUROC \d\.\d{4} \(anomalies: the anomaly\/ and normal\/ folders; 10 anomalous, 40 normal\)/);
    const rows = csvRows(at('scores.csv'));
    assert.deepEqual(rows[0], ['index', 'name', 'label', 'class', 'score', 'reconstruction', 'kl', 'anomaly']);
    assert.equal(rows.length, 51);
    rows.slice(1).forEach((row) => assert.equal(row[7], row[3] === 'anomaly' ? '1' : '0'));
    const summary = readJson(at('scores-roc.json'));
    // The all-white pictures are far from the normal ones: a trained model ranks them above nearly all.
    assert.ok(summary.auroc > 0.9, `AUROC ${summary.auroc}`);
    assert.ok(existsSync(at('scores-roc.png')));
    const aae = ok(['train', '--model', 'aae', '--data', at('pictures', 'normal'), '--epochs', '1', '-q', '--out', at('runs'), '--name', 'aae', '--backend', 'cpu']);
    assert.equal(aae.status, 0);
    const refused = runCli(['score', at('runs', 'aae'), '--iw', '10', '-o', at('x.csv'), '--backend', 'cpu']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /--iw: the importance-weighted bound needs q\(z\|x\) to have a density/);
    assert.ok(!hasStackTrace(refused.stderr));
    const wrongShape = runCli(['score', at('runs', 'pictures'), '--data', at('shapes.csv'), '--label-column', 'kind', '-o', at('y.csv'), '--backend', 'cpu']);
    assert.equal(wrongShape.status, 1);
    assert.match(wrongShape.stderr, /examples of shape 3, but the run was trained on 8×8/);
  });

  test('an image folder read from disk batch by batch (LATENTLAB_STREAM_MB=0) gives the same codes, scores and evaluation as in memory', () => {
    const run = at('runs', 'pictures');
    const both = (args: string[], out: string) => {
      const memory = ok([...args, '-o', at(`memory-${out}`)]);
      const r = runCli([...args, '-o', at(`disk-${out}`)], { env: { LATENTLAB_STREAM_MB: '0' } });
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(readFileSync(at(`disk-${out}`), 'utf8'), readFileSync(at(`memory-${out}`), 'utf8'), `${args[0]}: ${out} differs when streamed`);
      return memory;
    };
    both(['encode', run, '--data', at('pictures'), '--backend', 'cpu'], 'codes.csv');
    both(['score', run, '--data', at('pictures'), '--samples', '3', '--backend', 'cpu'], 'scores.csv');
    const memory = ok(['eval', run, '--iw', '4', '--json', '--backend', 'cpu']);
    const disk = runCli(['eval', run, '--iw', '4', '--json', '--backend', 'cpu'], { env: { LATENTLAB_STREAM_MB: '0' } });
    assert.equal(disk.status, 0, describeRun(disk));
    assert.deepEqual(JSON.parse(disk.stdout), JSON.parse(memory.stdout));
    const bad = runCli(['eval', run, '--backend', 'cpu'], { env: { LATENTLAB_STREAM_MB: 'lots' } });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /LATENTLAB_STREAM_MB: expected a number of megabytes ≥ 0, got "lots"/);
    assert.ok(!hasStackTrace(bad.stderr));
  });
});
