// A VAE on MNIST through the library API: `npx tsx examples/train-vae.ts`
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, fit, importanceWeightedBound, modelFamily, resolveConfig } from '../src/core/index.js';
import { initBackend, loadDataSplits } from '../src/node/index.js';

await initBackend('wasm');
const config = resolveConfig({ latentDim: 2, encoder: { hidden: [256] }, decoder: { hidden: [256] }, train: { epochs: 2 } });
const { train, test } = loadDataSplits('mnist', { trainLimit: 10000, testLimit: 1000 });

const model = buildModel(config, train.shape);                // encoder q(z|x), decoder p(x|z), prior p(z)
const family = modelFamily(config);
await fit({
  model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 128) }), train, test,
  epochs: config.train.epochs,
  onEpochEnd: (r) => console.log(`epoch ${r.epoch}: test −ELBO ${r.test.loss.toFixed(2)} nats (KL ${r.test.kl.toFixed(2)})`),
});

const q = model.encode(tf.tensor2d(test.x.subarray(0, 784), [1, 784]));  // a distribution, not a tuple
console.log('code of the first test image:', await q.mean().data());
const iw = await importanceWeightedBound(model, test, { k: 50, seed: 1 });
console.log(`importance-weighted bound (K=50): −log p(x) ≤ ${iw.nll.toFixed(2)} nats`);
