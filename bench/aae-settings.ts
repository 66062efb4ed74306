// Adversarial-autoencoder settings side by side: each variant of the `adversarial`
// config trains a 2-D AAE with the 10-Gaussian mixture prior (784-512-256 nets) on
// the first 20,000 MNIST training images for 6 epochs, then reports prior match
// (MMD², two-sample accuracy), k-NN accuracy on 2,000 test images, test
// reconstruction and wall time. One seed per variant: differences of a few
// hundredths of MMD² are noise.
//   node --import tsx bench/aae-settings.ts ['{"name": {adversarial settings}, …}']
import { buildModel, fit, latentMatch, modelFamily, resolveConfig, take } from '../src/core/index.js';
import { initBackend, loadDataSplits } from '../src/node/index.js';

const variants: Record<string, object> = process.argv[2] ? JSON.parse(process.argv[2]) : {
  'defaults (D, G lr 1e-3)': {},
  'D lr 2e-4': { discriminatorLearningRate: 2e-4 },
  'G lr 5e-4': { generatorLearningRate: 5e-4 },
  'D lr 5e-4, 2 D steps': { discriminatorLearningRate: 5e-4, discriminatorSteps: 2 },
};
await initBackend('wasm');
const epochs = 6;
const { train, test } = loadDataSplits('mnist', { trainLimit: 20000 });
const held = take(test, 2000);
for (const [name, adversarial] of Object.entries(variants)) {
  const config = resolveConfig({
    model: 'aae', latentDim: 2, prior: { kind: 'gaussian-mixture' }, adversarial,
    encoder: { hidden: [512, 256] }, decoder: { hidden: [256, 512] }, train: { epochs },
  });
  const model = buildModel(config, train.dim);
  const family = modelFamily(config);
  const start = Date.now();
  const records = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 128) }), train, test: held, epochs });
  const m = await latentMatch(model, held, 1);
  console.log(`${name.padEnd(24)} MMD² ${m.mmd.toFixed(3)}  two-sample ${(100 * m.twoSample).toFixed(1)} %  k-NN ${(100 * (m.knn ?? 0)).toFixed(1)} %  reconstruction ${records.at(-1)!.test.reconstruction.toFixed(1)}  ${((Date.now() - start) / 1000).toFixed(0)} s`);
  model.dispose();
}
