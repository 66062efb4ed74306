// The comparison report's sentences follow the numbers: a model is said to
// match the prior better only when both measures say so, and an AAE whose
// reconstruction rose is called out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findings } from '../src/node/compare-report.js';
import type { CompareRow } from '../src/node/compare.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'latentlab-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function row(model: 'vae' | 'aae' | 'wae', mmd: number, twoSample: number, reconstruction: number, curve?: number[]): CompareRow {
  const run = `${model}-${mmd}-${twoSample}`;
  if (curve) {
    mkdirSync(path.join(dir, run), { recursive: true });
    writeFileSync(path.join(dir, run, 'metrics.jsonl'), curve.map((c, i) => `${JSON.stringify({ epoch: i + 1, test: { reconstruction: c } })}\n`).join(''));
  }
  return {
    name: run, model, prior: 'gaussian-mixture', priorLabel: 'ring', run, test: { reconstruction },
    latent: { images: 100, mmd, twoSample, knn: 0.5 }, trainSeconds: 1,
  };
}

describe('comparison findings', () => {
  it('credit the AAE when both measures favour it, with the ratio', () => {
    const [text] = findings([row('vae', 0.7, 0.78, 140), row('aae', 0.07, 0.63, 139, [150, 145, 139])], dir);
    assert.match(text, /the AAE's codes match it more closely by both measures/);
    assert.match(text, /10\.0× lower/);
    assert.match(text, /fell every epoch \(150\.0 → 145\.0 → 139\.0\)/);
    assert.match(text, /components of the ring/);
  });

  it('say so when the measures disagree, and claim neither', () => {
    const [text] = findings([row('vae', 0.05, 0.64, 140), row('aae', 0.07, 0.58, 139, [141, 139])], dir);
    assert.match(text, /the two measures disagree/);
    assert.doesNotMatch(text, /match it more closely/);
  });

  it('place the WAE among the three: "most closely" only when both measures agree, its reconstruction and trend', () => {
    const [vae, aae] = [row('vae', 0.7, 0.78, 140), row('aae', 0.07, 0.63, 139, [150, 145, 139])];
    const texts = findings([vae, aae, row('wae', 0.05, 0.6, 137, [149, 141, 137])], dir);
    assert.equal(texts.length, 2, 'one paragraph for VAE against AAE, one for the WAE');
    assert.match(texts[1], /the WAE's codes match it most closely of the three by both measures/);
    assert.match(texts[1], /VAE 0\.700 and 78\.0 %; AAE 0\.070 and 63\.0 %; WAE 0\.050 and 60\.0 %/);
    assert.match(texts[1], /It reconstructs best of the three: 137\.00/);
    assert.match(texts[1], /The WAE's test reconstruction fell every epoch/);
    const split = findings([vae, aae, row('wae', 0.06, 0.7, 150, [150, 160])], dir)[1];
    assert.match(split, /the two measures rank the WAE's codes differently: first of the three by MMD², second by the two-sample classifier/);
    assert.doesNotMatch(split, /most closely/);
    assert.match(split, /It reconstructs worse than the best: 150\.00/);
    assert.match(split, /Warning: the WAE's test reconstruction rose from its best epoch \(150\.0\) to 160\.0/);
    assert.match(findings([vae, aae, row('wae', 0.9, 0.9, 139)], dir)[1], /least closely of the three by both measures/);
  });

  it('warn when the AAE got worse as it trained', () => {
    const [text] = findings([row('vae', 0.7, 0.78, 140), row('aae', 0.8, 0.8, 236, [205, 190, 236])], dir);
    assert.match(text, /the VAE's codes match it more closely/);
    assert.match(text, /Warning: the AAE's test reconstruction rose from its best epoch \(190\.0\) to 236\.0/);
    assert.match(text, /did not match this prior better/);
    assert.match(text, /The VAE reconstructs better/);
  });
});
