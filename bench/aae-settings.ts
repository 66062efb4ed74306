// Adversarial-autoencoder settings side by side: each variant of the `adversarial`
// config trains a 2-D AAE (784-512-256 nets, the compare defaults) on MNIST, then
// reports prior match (MMD², two-sample accuracy), k-NN accuracy on 2,000 test
// images, the test reconstruction and generator loss after every epoch, and the
// wall time. One seed per variant: differences of a few hundredths of MMD² are noise;
// bench/aae-recipe.ts measures the defaults over several seeds.
//   node --import tsx bench/aae-settings.ts ['{"name": {adversarial settings}, …}']
//        [--prior gaussian|mixture] [--epochs 6] [--images 20000]
import { buildModel, fit, latentMatch, modelFamily, resolveConfig, take } from '../src/core/index.js';
import { initBackend, loadDataSplits } from '../src/node/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const json = args.find((a, i) => a.startsWith('{') && !args[i - 1]?.startsWith('--'));
const variants: Record<string, object> = json ? JSON.parse(json) : {
  'joint, λ 10 (default)': {},
  'joint, λ 1': { generatorWeight: 1 },
  'separate, every rate 1e-3 (before)': { generator: 'separate', discriminatorSteps: 1, discriminatorOptimizer: { learningRate: 1e-3 }, generatorOptimizer: { learningRate: 1e-3 } },
  'separate, D and G 1e-4': { generator: 'separate', discriminatorOptimizer: { learningRate: 1e-4 }, generatorOptimizer: { learningRate: 1e-4 } },
};
const epochs = Number(flag('epochs', '6'));
const prior = flag('prior', 'mixture') === 'gaussian' ? { kind: 'standard-normal' } : { kind: 'gaussian-mixture' };
await initBackend('wasm');
const { train, test } = loadDataSplits('mnist', { trainLimit: Number(flag('images', '20000')) });
const held = take(test, 2000);
console.log(`${train.size} training images, ${epochs} epochs, prior ${prior.kind}`);
for (const [name, adversarial] of Object.entries(variants)) {
  const config = resolveConfig({
    model: 'aae', latentDim: 2, prior, adversarial,
    encoder: { hidden: [512, 256] }, decoder: { hidden: [256, 512] }, train: { epochs },
  });
  const model = buildModel(config, train.shape);
  const family = modelFamily(config);
  const start = Date.now();
  const records = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 128), train }), train, test: held, epochs });
  const m = await latentMatch(model, held, 1);
  const curve = records.map((r) => `${r.test.reconstruction.toFixed(1)}/${r.test.generator.toFixed(2)}`).join(' ');
  console.log(`${name.padEnd(36)} MMD² ${m.mmd.toFixed(3)}  two-sample ${(100 * m.twoSample).toFixed(1)} %  k-NN ${(100 * (m.knn ?? 0)).toFixed(1)} %  reconstruction/generator per epoch ${curve}  ${((Date.now() - start) / 1000).toFixed(0)} s`);
  model.dispose();
}
