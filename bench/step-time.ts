/**
 * Wall time per training step of the canonical VAE (784-400-20, batch 128) on
 * synthetic batches, nothing else timed: for comparing two checkouts of
 * LatentLab, run alternately (copy this file into the older one), since a
 * shared machine's speed moves by more than most changes gain.
 *
 *   node --import tsx bench/step-time.ts [--steps 300] [--epochs 2]
 *
 * One warm-up epoch, then `--epochs` timed epochs of `--steps` steps; prints
 * ms per step for each. Threads: LATENTLAB_THREADS (default: every CPU).
 */
import { initBackend } from '../src/node/backend.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { makeDataset } from '../src/core/data/dataset.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const steps = option('--steps', 300);
const epochs = option('--epochs', 2);
const BATCH = 128;
const DIM = 784;

const backend = await initBackend('auto');
const x = new Float32Array(steps * BATCH * DIM);
for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 1000;
const data = makeDataset('synthetic', [DIM], x);
const config = resolveConfig({ latentDim: 20, encoder: { hidden: [400] }, decoder: { hidden: [400] }, train: { batchSize: BATCH } });
const model = buildModel(config, [DIM]);
const phases = modelFamily(config).phases(model, { stepsPerEpoch: steps });
await trainEpoch({ phases, data, batchSize: BATCH, epoch: 1, seed: 1, startStep: 0 });
const times: string[] = [];
for (let e = 0; e < epochs; e++) {
  const r = await trainEpoch({ phases, data, batchSize: BATCH, epoch: e + 2, seed: 1, startStep: steps * (e + 1) });
  times.push(((r.seconds * 1000) / r.steps).toFixed(2));
}
console.log(`${backend}: ${times.join(' ')} ms per step`);
