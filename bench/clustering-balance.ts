// The clustering AAE's balance term side by side: each variant of the
// `categorical` config trains a clustering AAE (K clusters, 5-D style, 512-512
// nets, input noise 0.3, batch 100) on the first N MNIST training images, then
// reports the held-out terms after every epoch, the test clustering error (each
// cluster labelled by the most frequent digit among its training images) and how
// many clusters hold any training image. One seed per variant.
//   node --import tsx bench/clustering-balance.ts ['{"name": {categorical settings}, …}']
//        [--clusters 16] [--epochs 3] [--images 20000] [--seed 1]
import { assignClusters, clusterError, buildModel, fit, modelFamily, resolveConfig, take, type CategoricalAutoencoder } from '../src/core/index.js';
import { initBackend, loadDataSplits } from '../src/node/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const json = args.find((a, i) => a.startsWith('{') && !args[i - 1]?.startsWith('--'));
const variants: Record<string, object> = json ? JSON.parse(json) : {
  'the paper (balance 0)': { balanceWeight: 0 },
  'balance 1': { balanceWeight: 1 },
  'balance 3': { balanceWeight: 3 },
  'balance 5': { balanceWeight: 5 },
  'balance 10 (default)': {},
  'balance 30': { balanceWeight: 30 },
};
const clusters = Number(flag('clusters', '16'));
const epochs = Number(flag('epochs', '3'));
await initBackend('wasm');
const { train, test } = loadDataSplits('mnist', { trainLimit: Number(flag('images', '20000')) });
const held = take(test, 5000);
console.log(`${train.size} training images, ${held.size} test images, ${clusters} clusters, ${epochs} epochs`);
for (const [name, categorical] of Object.entries(variants)) {
  const config = resolveConfig({
    model: 'clustering-aae', latentDim: 5, seed: Number(flag('seed', '1')), encoder: { hidden: [512, 512] }, decoder: { hidden: [512, 512] },
    adversarial: { discriminator: { hidden: [512, 512] }, inputNoise: 0.3 }, train: { epochs, batchSize: 100 }, categorical: { classes: clusters, ...categorical },
  });
  const model = buildModel(config, train.shape) as CategoricalAutoencoder;
  const family = modelFamily(config);
  const start = Date.now();
  const records = await fit({ model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / 100), train }), train, test: held, epochs });
  for (const r of records) console.log(`  epoch ${r.epoch}: ${Object.entries(r.test).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' · ')}`);
  const result = clusterError(clusters, { assigned: assignClusters(model, train), labels: train.labels! }, { assigned: assignClusters(model, held), labels: held.labels! });
  const used = [...result.sizes].filter((n) => n > 0).length;
  console.log(`${name.padEnd(24)} test error ${(100 * result.error).toFixed(1)} %, ${used} of ${clusters} clusters used [${[...result.sizes].join(' ')}], ${((Date.now() - start) / 1000).toFixed(0)} s`);
  model.dispose();
}
