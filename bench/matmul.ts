/**
 * The canonical VAE's matrix products on the wasm backend: TF.js's kernels
 * (XNNPACK behind LatentLab's transpose-free wrapper) against the
 * hand-written kernel of src/core/engine/kernels/gemm.wat.
 *
 *   node --import tsx bench/matmul.ts [--reps N]
 *
 * Variants alternate call by call (A B A B …) in one process, so machine load
 * hits both alike; each call gets a freshly uploaded right operand, as in
 * training (XNNPACK repacks weights for every new tensor). Prints median
 * milliseconds per call and GFLOP/s.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installTransposeFreeMatMul } from '../src/core/engine/transpose-free-matmul.js';
import { installWasmKernels, MATMUL_KERNEL } from '../src/core/engine/wasm-kernels.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 200);
// The backend as src/node/backend.ts sets it up, keeping TF.js's (transpose-free) kernels under other names first.
await tf.setBackend('wasm');
installTransposeFreeMatMul('wasm');
for (const name of ['BatchMatMul', '_FusedMatMul']) {
  const config = tf.getKernel(name, 'wasm')!;
  tf.registerKernel({ ...config, kernelName: `Tfjs${name}` });
}
installWasmKernels('wasm');

interface Case { a: number[]; b: number[]; tA: boolean; tB: boolean; bias?: number; relu?: boolean; calls: number }
// As the training step calls them (shapes from bench/profile-step.ts), with calls per step.
const cases: Case[] = [
  { a: [128, 784], b: [784, 400], tA: false, tB: false, calls: 1 },
  { a: [1, 128, 400], b: [1, 400, 784], tA: false, tB: false, bias: 784, calls: 1 },
  { a: [1, 128, 784], b: [1, 400, 784], tA: false, tB: true, calls: 1 },
  { a: [128, 784], b: [128, 400], tA: true, tB: false, calls: 1 },
  { a: [1, 128, 400], b: [1, 128, 784], tA: true, tB: false, calls: 1 },
  { a: [1, 128, 400], b: [1, 128, 20], tA: true, tB: false, calls: 2 },
  { a: [1, 128, 20], b: [1, 400, 20], tA: false, tB: true, calls: 2 },
  { a: [1, 128, 400], b: [1, 400, 20], tA: false, tB: false, bias: 20, calls: 2 },
  { a: [128, 20], b: [128, 400], tA: true, tB: false, calls: 1 },
  { a: [128, 400], b: [20, 400], tA: false, tB: true, calls: 1 },
  { a: [128, 20], b: [20, 400], tA: false, tB: false, calls: 1 },
];

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
let totalTfjs = 0;
let totalGemm = 0;
for (const c of cases) {
  const a = tf.tensor(random(c.a.reduce((p, q) => p * q)), c.a);
  const bData = random(c.b.reduce((p, q) => p * q));
  const bias = c.bias ? tf.tensor1d(random(c.bias)) : undefined;
  const attrs = { transposeA: c.tA, transposeB: c.tB, activation: 'linear', leakyreluAlpha: 0 };
  const inputs = (b: tf.Tensor): tf.NamedTensorMap => (bias ? { a, b, bias } : { a, b });
  const name = bias ? '_FusedMatMul' : 'BatchMatMul';
  const times: Record<'tfjs' | 'gemm', number[]> = { tfjs: [], gemm: [] };
  let maxDiff = 0;
  for (let r = 0; r < reps; r++) {
    for (const v of ['tfjs', 'gemm'] as const) {
      const b = tf.tensor(bData, c.b);
      const t0 = performance.now();
      const out = tf.engine().runKernel(v === 'tfjs' ? `Tfjs${name}` : MATMUL_KERNEL, inputs(b), attrs) as tf.Tensor;
      times[v].push(performance.now() - t0);
      if (r === 0) {
        const ref = tf.engine().runKernel(`Tfjs${name}`, inputs(b), attrs) as tf.Tensor;
        maxDiff = Math.max(maxDiff, tf.max(tf.abs(tf.sub(out, ref))).dataSync()[0]);
        ref.dispose();
      }
      out.dispose();
      b.dispose();
    }
  }
  const [m, k] = c.tA ? [c.a.at(-1)!, c.a.at(-2)!] : [c.a.at(-2)!, c.a.at(-1)!];
  const n = c.tB ? c.b.at(-2)! : c.b.at(-1)!;
  const gflop = (2 * m * n * k) / 1e6;
  const [t, g] = [median(times.tfjs), median(times.gemm)];
  totalTfjs += t * c.calls;
  totalGemm += g * c.calls;
  console.log(`${`[${c.a}]${c.tA ? 'ᵀ' : ''}·[${c.b}]${c.tB ? 'ᵀ' : ''}${c.bias ? '+b' : ''}`.padEnd(36)} tfjs ${t.toFixed(3)} ms (${(gflop / t).toFixed(1)} GFLOP/s)  gemm ${g.toFixed(3)} ms (${(gflop / g).toFixed(1)} GFLOP/s)  max |Δ| ${maxDiff.toExponential(1)}`);
  tf.dispose([a, bias]);
}
console.log(`per training step (calls weighted): tfjs ${totalTfjs.toFixed(2)} ms, gemm ${totalGemm.toFixed(2)} ms`);
