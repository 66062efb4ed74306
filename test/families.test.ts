// One contract for every registered model family (models/registry.ts): it
// builds, trains a step (every phase changes only its own variables and
// nothing is NaN), its nets save → load into a model with identical codes and
// decodings, it exports to safetensors, its figures are written, and every
// term it reports is declared with a unit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { exportSafetensors } from '../src/core/io/export.js';
import { decodeSafetensors } from '../src/core/io/safetensors.js';
import { layersModelFromFiles, layersModelToFiles } from '../src/core/io/layers-io.js';
import { buildModel, modelFamilies, modelFamily } from '../src/core/models/registry.js';
import type { ModelKind } from '../src/core/config/schema.js';
import { fit } from '../src/core/training/fit.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { writeRunFigures } from '../src/node/run-figures.js';
import { setupBackend, values } from './helpers/tf.js';

before(setupBackend);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-families-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** 200 8×8 images of four classes (a bright row per class), labelled. */
function images(): ReturnType<typeof makeDataset> {
  const n = 200;
  const x = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = Math.floor(p / 8) === 2 * (i % 4) ? 0.9 : 0.05 + 0.1 * (((i * 7 + p * 13) % 10) / 10);
  }
  return makeDataset('rows', [8, 8], x, labels);
}

/** Each family's own slices, small (a new family must add its entry: the table is typed by model kind). */
const adversarial = { discriminator: { hidden: [8] } };
const slices = {
  vae: {},
  aae: { adversarial },
  wae: {},
  'semi-supervised-aae': { adversarial, categorical: { classes: 4, labelled: 8, labelledBatchSize: 8 } },
  'clustering-aae': { adversarial, categorical: { classes: 4 } },
} satisfies Record<ModelKind, object>;
/** Variants that change what a family builds or trains: a prior with nets of its own, another objective. */
const variants: [ModelKind, string, object][] = [
  ['vae', 'VampPrior', { prior: { kind: 'vamp', components: 6 } }],
  ['vae', 'IWAE objective', { objective: { kind: 'iwae', k: 3 } }],
  ['vae', 'two stochastic layers, IWAE', { latentLayers: [{ size: 4, hidden: [8] }], objective: { kind: 'iwae', k: 2 } }],
];

for (const [kind, variant, slice] of [...(Object.keys(modelFamilies) as ModelKind[]).map((k): [ModelKind, string, object] => [k, '', slices[k]]), ...variants]) {
  describe(`family ${kind}${variant ? ` (${variant})` : ''}`, () => {
    const config = resolveConfig({
      model: kind, latentDim: 2, seed: 3, encoder: { hidden: [16] }, decoder: { hidden: [16] }, train: { batchSize: 50, epochs: 1 }, ...slice,
    });
    const family = modelFamily(config);
    const data = images();

    it('trains an epoch: finite terms, each declared with a unit, every net changed', async () => {
      const model = buildModel(config, data.shape);
      assert.deepEqual(Object.keys(model.nets).sort(), [...family.netNames(config)].sort());
      const before = model.variables().map((v) => v.dataSync().slice());
      const [record] = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: 4, train: data }), train: data, test: data, epochs: 1 });
      for (const [name, v] of [...Object.entries(record.train), ...Object.entries(record.test)]) {
        assert.ok(Number.isFinite(v), `${name} = ${v}`);
        assert.ok(name in family.terms.info, `${name} is declared in the family's terms`);
      }
      const headlines = [family.terms.headline, ...(family.terms.alternates ?? [])];
      assert.ok(headlines.some((k) => k in record.test), `headline term (${headlines.join(' or ')}) reported`);
      const after = model.variables().map((v) => v.dataSync());
      assert.ok(after.every((a, i) => a.some((x, j) => x !== before[i][j])), 'every variable trained');
      model.dispose();
    });

    it('saves and loads: the same codes and decodings', async () => {
      const model = buildModel(config, data.shape);
      const nets: Record<string, Awaited<ReturnType<typeof layersModelFromFiles>>> = {};
      for (const [name, net] of Object.entries(model.nets)) {
        const files = await layersModelToFiles(net, 'test');
        nets[name] = await layersModelFromFiles(files['model.json'] as string, files['weights.bin'] as Uint8Array);
      }
      const loaded = family.create(config, data.shape, nets);
      const x = tf.tensor2d(data.x.subarray(0, 10 * data.dim), [10, data.dim]);
      const z = model.encode(x).mean();
      assert.deepEqual(values(loaded.encode(x).mean()), values(z));
      assert.deepEqual(values(loaded.decode(z).mean()), values(model.decode(z).mean()));
      assert.equal(loaded.latentDim, model.latentDim);
      model.dispose();
      loaded.dispose();
    });

    it('exports every net to safetensors and writes its figures', () => {
      const model = buildModel(config, data.shape);
      const { bytes, architecture } = exportSafetensors(model, data.shape);
      const tensors = decodeSafetensors(bytes);
      for (const name of family.netNames(config)) assert.ok(Object.keys(tensors.tensors ?? tensors).some((t) => t.startsWith(`${name}.`)), `${name} exported`);
      assert.equal(architecture.model, kind);
      const dir = path.join(tmp, kind);
      mkdirSync(dir, { recursive: true });
      const headline = family.terms.headline;
      const records = [1, 2].map((epoch) => ({
        epoch, step: epoch, seconds: 1, evalSeconds: 0, imagesPerSecond: 1, train: { [headline]: 10 / epoch },
        test: { [headline]: 9 / epoch, ...('error' in family.terms.info ? { error: 0.5 / epoch } : {}) },
      }));
      const figures = writeRunFigures(dir, model, data, records);
      for (const f of ['reconstructions.png', 'samples.png', 'latent.png', 'loss.png']) assert.ok(f in figures, `${f} written`);
      assert.equal('error.png' in figures, kind === 'semi-supervised-aae', 'the error curve for the model that reports a test error');
      model.dispose();
    });
  });
}
