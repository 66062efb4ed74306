/**
 * Per-kernel time of canonical VAE training steps on the wasm backend, with
 * the native engine's kernels (default where it is built) or the wasm ones;
 * or of a preset's model (`--preset iwae-mnist`, its batch size, on 784-value
 * synthetic batches), with `--iwae K` for the importance-weighted objective.
 *
 *   node --import tsx bench/profile-step.ts [--steps N] [--backend native|wasm|cpu] [--preset NAME [--iwae K]]
 *
 * Every kernel registered for the backend is wrapped with a timer (the wasm
 * backend runs kernels synchronously, so wall time around a kernel call is
 * its cost). Kernels called from inside other kernels (the transpose-free
 * matMul calls Transpose) are counted in both. Prints per-step totals by
 * kernel name and by name + shapes, after a warm-up on synthetic batches.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { packagePath } from '../src/node/package-root.js';
import { initBackend } from '../src/node/backend.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { makeDataset, type Dataset } from "../src/core/data/dataset.js";

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] || 60);
const presetName = args.includes('--preset') ? args[args.indexOf('--preset') + 1] : undefined;
const iwaeK = args.includes('--iwae') ? Number(args[args.indexOf('--iwae') + 1]) : undefined;
// A preset's settings but its data: the batches here are synthetic.
const presetFile = presetName && packagePath('presets', `${presetName}.json`);
if (presetFile && !existsSync(presetFile)) {
  console.error(`bench/profile-step: --preset ${presetName}: no such preset (presets/*.json: ${readdirSync(packagePath('presets')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).join(', ')})`);
  process.exit(2);
}
if (iwaeK !== undefined && !(Number.isInteger(iwaeK) && iwaeK >= 1)) {
  console.error(`bench/profile-step: --iwae must be a whole number of samples ≥ 1 (got ${args[args.indexOf('--iwae') + 1]})`);
  process.exit(2);
}
const preset = presetFile ? (({ data: _data, ...rest }) => rest)(JSON.parse(readFileSync(presetFile, 'utf8'))) : undefined;
const BATCH: number = preset?.train?.batchSize ?? 128;

const backendArg = args.indexOf('--backend');
const backend = await initBackend(backendArg >= 0 ? (args[backendArg + 1] as 'native' | 'wasm' | 'cpu') : 'auto');
const tfBackend = tf.getBackend();
console.log(`backend ${backend}`);
const byName = new Map<string, { ms: number; calls: number }>();
const byShape = new Map<string, { ms: number; calls: number }>();
let recording = false;
for (const config of tf.getKernelsForBackend(tfBackend)) {
  const original = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, tfBackend);
  tf.registerKernel({
    ...config,
    kernelFunc: (a) => {
      if (!recording) return original(a);
      const t0 = performance.now();
      const out = original(a);
      const ms = performance.now() - t0;
      const shapes = Object.values(a.inputs).map((t) => (t ? `[${(t as tf.TensorInfo).shape}]` : '-')).join(' ');
      const at = a.attrs as Record<string, unknown>;
      const flags = at && ('transposeA' in at) ? ` tA=${at.transposeA} tB=${at.transposeB} act=${at.activation ?? ''}` : '';
      for (const [map, key] of [[byName, config.kernelName], [byShape, `${config.kernelName} ${shapes}${flags}`]] as const) {
        const e = map.get(key) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls++;
        map.set(key, e);
      }
      return out;
    },
  });
}

const dim = 784;
const n = BATCH * steps;
const x = new Float32Array(n * dim);
for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 1000;
const data: Dataset = makeDataset("synthetic", [dim], x);
const config = resolveConfig(preset
  ? { ...preset, ...(iwaeK ? { objective: { kind: 'iwae', k: iwaeK } } : {}) }
  : { latentDim: 20, encoder: { hidden: [400] }, decoder: { hidden: [400] }, train: { batchSize: BATCH } });
const model = (() => {
  try {
    return buildModel(config, [dim]);
  } catch (err) {
    // The batches here are 784 values each: a preset for other data (colour images, a conv net on [H, W, C]) does not fit them.
    console.error(`bench/profile-step: --preset ${presetName}: ${(err as Error).message.replace(/\n\s*/g, ' ')}`);
    process.exit(2);
  }
})();
const phases = modelFamily(config).phases(model, { stepsPerEpoch: steps });
await trainEpoch({ phases, data, batchSize: BATCH, epoch: 1, seed: 1, startStep: 0 });
recording = true;
const r = await trainEpoch({ phases, data, batchSize: BATCH, epoch: 2, seed: 1, startStep: steps });
recording = false;
const perStep = (ms: number) => (ms / r.steps).toFixed(3);
const show = (map: Map<string, { ms: number; calls: number }>, limit: number) =>
  [...map.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, limit)
    .forEach(([k, v]) => console.log(`${perStep(v.ms).padStart(8)} ms/step ${(v.calls / r.steps).toFixed(1).padStart(5)} calls  ${k}`));
console.log(`${r.steps} steps, ${((r.seconds * 1000) / r.steps).toFixed(2)} ms/step wall (with timers)`);
console.log('\nby kernel:');
show(byName, 40);
console.log('\nby kernel and shapes:');
show(byShape, 60);
