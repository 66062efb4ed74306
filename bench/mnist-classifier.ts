/**
 * Trains the small MNIST classifier whose features bench/samplers.ts
 * measures samples with, and writes it to bench/mnist-classifier/
 * (model.json + weights.bin, TF.js layers format, and info.json with its
 * test accuracy).
 *
 *   node --import tsx bench/mnist-classifier.ts [--epochs 8] [--seed 1] [--out bench/mnist-classifier]
 *
 * An MLP 784-256-128-10 (ReLU; PyTorch's default initialisation, seeded),
 * softmax cross-entropy, Adam 1e-3, batch 128, the 60,000 training images
 * in a seeded order each epoch, no augmentation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { materialize } from '../src/core/data/dataset.js';
import { layersModelToFiles } from '../src/core/io/layers-io.js';
import { applyMlp, buildMlp, trainableVariables } from '../src/core/nets/mlp.js';
import { deriveSeed, permutation } from '../src/core/util/random.js';
import { initBackend } from '../src/node/backend.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { applyInBatches, CLASSIFIER_DIR } from './mnist-features.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: CLASSIFIER_DIR },
    backend: { type: 'string', default: 'auto' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const backend = await initBackend(values.backend as 'auto');
const splits = loadDataSplits('mnist');
const train = materialize(splits.train);
const test = materialize(splits.test);
const net = buildMlp({ name: 'classifier', inputSize: 784, hidden: [256, 128], heads: [{ name: 'logits', size: 10 }], activation: 'relu', seed: deriveSeed(seed, 1) });
const vars = trainableVariables(net);
const optimizer = tf.train.adam(1e-3);
const batch = 128;

function accuracy(x: Float32Array, labels: Int32Array): number {
  const logits = applyInBatches(net, x, labels.length);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
    if (best === labels[i]) hits++;
  }
  return hits / labels.length;
}

const started = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = permutation(train.size, deriveSeed(seed, 2, epoch));
  let total = 0;
  for (let start = 0; start < train.size; start += batch) {
    const rows = Math.min(batch, train.size - start);
    const x = new Float32Array(rows * 784);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const j = order[start + i];
      x.set(train.x.subarray(j * 784, (j + 1) * 784), i * 784);
      y[i] = train.labels![j];
    }
    const loss = tf.tidy(() => optimizer.minimize(() => {
      const [logits] = applyMlp(net, tf.tensor2d(x, [rows, 784]), true);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), 10), logits) as tf.Scalar;
    }, true, vars)!);
    total += (await loss.data())[0] * rows;
    loss.dispose();
  }
  console.log(`epoch ${epoch}: training cross-entropy ${(total / train.size).toFixed(4)}, test accuracy ${(100 * accuracy(test.x, test.labels!)).toFixed(2)} % (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
const testAccuracy = accuracy(test.x, test.labels!);
const files = await layersModelToFiles(net, 'LatentLab bench/mnist-classifier.ts');
mkdirSync(values.out!, { recursive: true });
for (const [name, data] of Object.entries(files)) writeFileSync(path.join(values.out!, name), data);
const info = {
  net: 'MLP 784-256-128-10, ReLU; features: the 128 outputs of classifier_dense1',
  training: { epochs, seed, batch, optimizer: 'Adam 1e-3', data: 'MNIST training images (60,000), no augmentation', backend },
  command: `node --import tsx bench/mnist-classifier.ts --epochs ${epochs} --seed ${seed}`,
  testAccuracy: Number(testAccuracy.toFixed(4)),
  seconds: Math.round((performance.now() - started) / 1000),
};
writeFileSync(path.join(values.out!, 'info.json'), `${JSON.stringify(info, null, 2)}\n`);
console.log(`${values.out}: test accuracy ${(100 * testAccuracy).toFixed(2)} %`);
