/**
 * Seconds per full MNIST epoch of each row of `latentlab reproduce vae`
 * (ELBO, IWAE k = 50, VampPrior, two stochastic layers), extrapolated from
 * 6,000 images of synthetic binary data after a warm-up epoch: CPU seconds
 * (which other work on the machine inflates less) and wall seconds. The wall
 * time with both threads of a 2-core machine, as `reproduce vae` trains, is
 * what it assumes up front (VAE_SECONDS_PER_EPOCH in src/node/reproduce.ts)
 * to size its default one-hour runs and to say how long they take.
 *
 *   LATENTLAB_THREADS=2 node --import tsx bench/vae-epoch-cost.ts [elbo] [iwae] [vamp] [iwae2]
 */
import { initBackend } from '../src/node/backend.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { readPreset } from '../src/node/presets.js';
import { mergeConfig } from '../src/core/config/resolve.js';
await initBackend('native');
const rows: [string, unknown][] = [
  ['elbo', readPreset('iwae-mnist')],
  ['iwae', mergeConfig(readPreset('iwae-mnist'), { objective: { kind: 'iwae', k: 50 } })],
  ['vamp', readPreset('vamp-mnist')],
  ['iwae2', mergeConfig(readPreset('iwae2-mnist'), { objective: { kind: 'iwae', k: 50 } })],
];
const which = process.argv.slice(2);
for (const [name, input] of rows) {
  if (which.length && !which.includes(name)) continue;
  const config = resolveConfig(input as never);
  const batch = config.train.batchSize;
  const steps = Math.max(20, Math.round(6000 / batch));
  const x = Float32Array.from({ length: batch * steps * 784 }, (_, i) => (((i * 2654435761) % 1000) / 1000 > 0.5 ? 1 : 0));
  const data = makeDataset('synthetic', [784], x);
  const model = buildModel(config, [784]);
  const phases = modelFamily(config).phases(model, { stepsPerEpoch: steps });
  await trainEpoch({ phases, data, batchSize: batch, epoch: 1, seed: 1, startStep: 0 });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await trainEpoch({ phases, data, batchSize: batch, epoch: 2, seed: 1, startStep: steps });
  const cpu = process.cpuUsage(c0);
  const per = (s: number) => (s / r.steps) * (60000 / batch);
  console.log(`${name}: batch ${batch}, ${r.steps} steps: ${per((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s per epoch, ${per((performance.now() - t0) / 1000).toFixed(1)} wall s per epoch`);
}
