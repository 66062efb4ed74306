// A VAE and an AAE with the same nets and a 10-Gaussian mixture prior in 2-D, side by side:
// prior match (MMD, two-sample classifier accuracy; 50 % = indistinguishable), label
// separability (k-NN) and test reconstruction error, plus each one's codes over the prior.
//   npx tsx examples/vae-vs-aae.ts [epochs=8] [out-folder=vae-vs-aae]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, fit, knnAccuracy, mmd, modelFamily, resolveConfig, twoSampleAccuracy } from '../src/core/index.js';
import { encodeMeans, initBackend, loadDataSplits, scatterPng } from '../src/node/index.js';

const epochs = Number(process.argv[2] ?? 8);
const out = process.argv[3] ?? 'vae-vs-aae';
mkdirSync(out, { recursive: true });
await initBackend('wasm');
const { train, test } = loadDataSplits('mnist', { testLimit: 2000 });
for (const kind of ['vae', 'aae'] as const) {
  const config = resolveConfig({
    model: kind, latentDim: 2, prior: { kind: 'gaussian-mixture' },
    encoder: { hidden: [512, 256] }, decoder: { hidden: [256, 512] }, train: { epochs },
  });
  const model = buildModel(config, train.dim);
  const family = modelFamily(config);
  const records = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 128) }), train, test, epochs });
  const codes = encodeMeans(model, test);
  const prior = tf.tidy(() => model.prior.sample({ seed: 7, n: test.size }).dataSync() as Float32Array);
  const half = test.size / 2;
  const labels = test.labels!;
  const row = {
    model: kind,
    reconstruction: records.at(-1)!.test.reconstruction,
    mmd: await mmd(tf.tensor2d(codes, [test.size, 2]), tf.tensor2d(prior, [test.size, 2])),
    twoSample: await twoSampleAccuracy(codes, prior, 2),
    knn: knnAccuracy(codes.subarray(0, 2 * half), labels.subarray(0, half), codes.subarray(2 * half), labels.subarray(half), 2),
  };
  console.log(JSON.stringify(row));
  writeFileSync(path.join(out, `${kind}-latent.png`), scatterPng(codes, labels, {
    title: `${kind.toUpperCase()}: test codes over a 10-Gaussian prior`, xLabel: 'z₁', yLabel: 'z₂', background: prior,
  }));
  model.dispose();
}
