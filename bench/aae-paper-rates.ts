// The aae-paper preset's learning rates side by side: each variant (config
// overrides laid over presets/aae-paper.json) trains on the first N MNIST
// training images; prints the test reconstruction after every epoch, the
// running training reconstruction every 20 steps (NaN shows where it
// diverged), the last generator loss, MMD² of 2,000 test codes to the prior,
// and the wall time. One seed per variant.
//   node --import tsx bench/aae-paper-rates.ts ['{"name": {config overrides}, …}'] [--epochs 3] [--images 10000]
import { buildModel, fit, latentMatch, mergeConfig, modelFamily, resolveConfig, take } from '../src/core/index.js';
import { initBackend, loadDataSplits } from '../src/node/index.js';
import { readPreset } from '../src/node/presets.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const json = args.find((a, i) => a.startsWith('{') && !args[i - 1]?.startsWith('--'));
const rate = (learningRate: number) => ({ train: { optimizer: { learningRate } } });
const variants: Record<string, object> = json ? JSON.parse(json) : {
  'reconstruction 0.01 (the paper)': rate(0.01),
  'reconstruction 0.001 (preset)': {},
  'reconstruction 0.0001': rate(1e-4),
  'reconstruction 0.00001': rate(1e-5),
  'D and G 0.3': { adversarial: { discriminatorOptimizer: { learningRate: 0.3 }, generatorOptimizer: { learningRate: 0.3 } } },
};
const epochs = Number(flag('epochs', '3'));
await initBackend('wasm');
const { train, test } = loadDataSplits('mnist', { trainLimit: Number(flag('images', '10000')) });
const held = take(test, 2000);
console.log(`${train.size} training images, ${epochs} epochs, the aae-paper preset with:`);
for (const [name, over] of Object.entries(variants)) {
  const config = resolveConfig(mergeConfig(mergeConfig(readPreset('aae-paper'), { train: { epochs } }), over), name);
  const model = buildModel(config, train.shape);
  const family = modelFamily(config);
  const start = Date.now();
  const running: string[] = [];
  const records = await fit({
    model, family, phases: family.phases(model, { stepsPerEpoch: Math.ceil(train.size / config.train.batchSize), train }), train, test: held, epochs,
    onProgress: (_epoch, p) => { if (p.batch % 20 === 0) running.push(p.terms.reconstruction.toFixed(0)); },
  });
  const last = records.at(-1)!.test;
  const match = Number.isFinite(last.reconstruction) ? (await latentMatch(model, held, 1)).mmd.toFixed(3) : '–';
  console.log(`${name.padEnd(34)} test reconstruction ${records.map((r) => r.test.reconstruction.toFixed(1)).join(' → ')}  generator ${last.generator.toFixed(2)}  MMD² ${match}`);
  console.log(`${''.padEnd(34)} training reconstruction every 20 steps: ${running.join(' ')}  (${((Date.now() - start) / 1000).toFixed(0)} s)`);
  model.dispose();
}
