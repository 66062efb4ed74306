// Label-guided AAE on the four-class synthetic data of test/labels.test.ts:
// the share of codes nearest their own class's mixture component after
// training with a given labelled fraction for a given number of epochs.
//   node --import tsx bench/label-guided.ts [fraction:epochs …]   (default 1:30 0.25:100 0.25:300)
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, componentAccuracy, fit, GaussianMixture, modelFamily, resolveConfig } from '../src/core/index.js';
import { syntheticClasses } from '../test/helpers/synthetic-classes.js';
import { initBackend } from '../src/node/index.js';

await initBackend('wasm');
const data = syntheticClasses();
const { x, labels: y, size: n, dim: d } = data;
const runs = (process.argv.length > 2 ? process.argv.slice(2) : ['1:30', '0.25:100', '0.25:300']).map((a) => a.split(':').map(Number));
for (const [fraction, epochs] of runs) {
  const config = resolveConfig({
    model: 'aae', latentDim: 2, seed: 3, encoder: { hidden: [64] }, decoder: { hidden: [64] },
    adversarial: { discriminator: { hidden: [64, 64] } }, train: { batchSize: 100, epochs },
    prior: { kind: 'gaussian-mixture', components: 4, radius: 4, std: 0.5 }, labels: { use: 'prior', classes: 4, fraction },
  });
  const model = buildModel(config, [d]);
  const family = modelFamily(config);
  await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: 20 }), train: data, test: data, epochs });
  const codes = tf.tidy(() => model.encode(tf.tensor2d(x, [n, d])).mean().dataSync() as Float32Array);
  console.log(`labelled fraction ${fraction}, ${epochs} epochs: ${(100 * componentAccuracy(codes, y, (model.prior as GaussianMixture).means)).toFixed(1)} % of codes nearest their class's component`);
  model.dispose();
}
