// LatentLab as a library, from plain Node: a small VAE on 2,000 MNIST images (a few seconds).
import { buildModel, fit, importanceWeightedBound, modelFamily, resolveConfig, shapedExamples, tf } from 'latentlab';
import { initBackend, loadDataSplits } from 'latentlab/node';

await initBackend('wasm');
const config = resolveConfig({ latentDim: 2, encoder: { hidden: [256] }, decoder: { hidden: [256] }, train: { epochs: 3, batchSize: 100 } });
const { train, test } = loadDataSplits('mnist', { trainLimit: 2000, testLimit: 500 });   // MNIST ships with the package

const model = buildModel(config, train.shape);          // encoder q(z|x), decoder p(x|z), prior p(z)
const family = modelFamily(config);
await fit({
  model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 100) }), train, test,
  epochs: config.train.epochs,
  onEpochEnd: (r) => console.log(`epoch ${r.epoch}: test −ELBO ${r.test.loss.toFixed(2)} nats (KL ${r.test.kl.toFixed(2)})`),
});

const q = model.encode(tf.tensor2d(test.x.subarray(0, 784), [1, 784]));   // a distribution: q.mean(), q.sample({ seed }), q.logProb(z)
console.log('code of the first test image:', Array.from(await q.mean().data(), (v) => +v.toFixed(3)));
const image = shapedExamples(model.decode(q.mean()).mean(), model.dataShape);   // p(x|z) is flat; this is [1, 28, 28]
console.log(`its reconstruction: shape [${image.shape}], mean intensity ${(await tf.mean(image).data())[0].toFixed(3)}`);
const iw = await importanceWeightedBound(model, test, { k: 20, seed: 1 });
console.log(`importance-weighted bound (K=20): −log p(x) ≤ ${iw.nll.toFixed(2)} nats`);
