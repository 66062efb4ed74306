/**
 * A/B timing of canonical VAE training steps with one engine feature switched
 * off and on, interleaved in one process (blocks of steps alternate, medians
 * over many blocks), so a shared machine's load hits both alike.
 *
 *   node --import tsx bench/ab-step.ts <feature> [--blocks N] [--steps S] [--only off|on] [--aae]
 *
 * --aae times the adversarial autoencoder of bench/run.ts (784-400-2,
 * discriminator 256-256, mixture prior; three phases per step) instead.
 * --only runs 2 warm-up blocks and N blocks of one variant (for instruction
 * counts under valgrind --tool=callgrind, which do not depend on machine load).
 *
 * feature: gemm (the matrix-product kernel vs TF.js's BatchMatMul/_FusedMatMul
 * behind tfjs-layers), dense (dense layers as that kernel vs tfjs-layers' apply),
 * identity (Identity without a copy vs the wasm backend's copying one),
 * bernoulli (the fused Bernoulli log-likelihood kernel vs TF.js ops), or
 * all four at once (Adam and column sums stay on in both) — on the wasm
 * engine; or, on the native engine, gaussian (the fused Gaussian sample, KL
 * and log-density kernels vs TF.js ops) or tanh (tanh layers as one product
 * kernel with a native tanh, and its native gradient, vs tfjs-layers' apply),
 * the latter timed on the likelihood race's VAE (784-200-200-50, tanh, batch
 * 20) instead of the canonical one.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '../src/core/engine/gradients.js';
import { installTransposeFreeMatMul } from '../src/core/engine/transpose-free-matmul.js';
import {
  BERNOULLI_KERNEL, TANH_GRAD_KERNEL, GAUSSIAN_KL_GRAD_KERNEL, GAUSSIAN_KL_KERNEL, GAUSSIAN_LOG_PROB_KERNEL, GAUSSIAN_SAMPLE_GRAD_KERNEL, GAUSSIAN_SAMPLE_KERNEL,
  installWasmKernels, MATMUL_KERNEL,
} from '../src/core/engine/wasm-kernels.js';
import { initBackend } from '../src/node/backend.js';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel, modelFamily } from '../src/core/models/registry.js';
import { trainEpoch } from '../src/core/training/trainer.js';
import { makeDataset } from '../src/core/data/dataset.js';

const args = process.argv.slice(2);
const feature = args[0];
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const blocks = option('--blocks', 20);
const steps = option('--steps', 20);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const kernelsOf: Record<string, string[]> = { gemm: ['BatchMatMul', '_FusedMatMul', MATMUL_KERNEL], dense: [MATMUL_KERNEL], identity: ['Identity'], bernoulli: [BERNOULLI_KERNEL] };
kernelsOf.all = [...new Set([...kernelsOf.gemm, ...kernelsOf.identity, ...kernelsOf.bernoulli])];
kernelsOf.gaussian = [GAUSSIAN_SAMPLE_KERNEL, GAUSSIAN_SAMPLE_GRAD_KERNEL, GAUSSIAN_KL_KERNEL, GAUSSIAN_KL_GRAD_KERNEL, GAUSSIAN_LOG_PROB_KERNEL];
kernelsOf.tanh = [TANH_GRAD_KERNEL];
if (!kernelsOf[feature]) throw new Error(`feature must be one of ${Object.keys(kernelsOf).join(', ')}`);

let off: Map<string, tf.KernelConfig | undefined>;
if (feature === 'gaussian' || feature === 'tanh') {
  if ((await initBackend('native')) !== 'native') throw new Error(`${feature} needs the native engine`);
  off = new Map(kernelsOf[feature].map((n) => [n, undefined]));
} else {
  await tf.setBackend('wasm');
  installTransposeFreeMatMul('wasm');
  off = new Map(kernelsOf[feature].map((n) => [n, tf.getKernel(n, 'wasm')]));
  installWasmKernels('wasm');
}
const on = new Map(kernelsOf[feature].map((n) => [n, tf.getKernel(n, 'wasm')]));
const use = (configs: Map<string, tf.KernelConfig | undefined>) => {
  for (const [name, config] of configs) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    if (config) tf.registerKernel(config);
  }
};

const dim = 784;
const batch = feature === 'tanh' ? 20 : 128;
const x = Float32Array.from({ length: batch * steps * dim }, (_, i) => ((i * 2654435761) % 1000) / 1000);
const data = makeDataset('synthetic', [dim], x);
const config = args.includes('--aae')
  ? resolveConfig({ model: 'aae', latentDim: 2, prior: { kind: 'gaussian-mixture' }, encoder: { hidden: [400] }, decoder: { hidden: [400] }, train: { batchSize: batch } })
  : feature === 'tanh'
    ? resolveConfig({ latentDim: 50, encoder: { hidden: [200, 200], activation: 'tanh' }, decoder: { hidden: [200, 200], activation: 'tanh' }, train: { batchSize: batch } })
    : resolveConfig({ latentDim: 20, encoder: { hidden: [400] }, decoder: { hidden: [400] }, train: { batchSize: batch } });
const model = buildModel(config, [dim]);
const phases = modelFamily(config).phases(model, { stepsPerEpoch: steps });
const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
let step = 0;
for (let b = -2; b < blocks; b++) {
  for (const v of only ? [only as 'on' | 'off'] : b % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    use(v === 'on' ? on : off);
    const r = await trainEpoch({ phases, data, batchSize: batch, epoch: 1, seed: 1, startStep: step, reportEvery: steps });
    step += r.steps;
    if (b >= 0) times[v].push((1000 * r.seconds) / r.steps);
  }
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
if (only) {
  console.log(`${feature} ${only}: ${median(times[only as 'on' | 'off']).toFixed(2)} ms/step (median of ${blocks} blocks of ${steps} steps)`);
  process.exit(0);
}
const [a, c] = [median(times.off), median(times.on)];
console.log(`${args.includes('--aae') ? 'AAE ' : ''}${feature}: off ${a.toFixed(2)} ms/step, on ${c.toFixed(2)} ms/step (median of ${blocks} blocks of ${steps} steps each) → ${(a - c).toFixed(2)} ms/step saved (${((100 * (a - c)) / a).toFixed(1)} %)`);
