/**
 * The native engine's matrix product against the machine's limit.
 *
 *   node --import tsx bench/native-gemm.ts [--reps N] [--threads 1,2]
 *
 * The limit: one core's fused multiply-adds on the kernels' vectors
 * (`fmaPeak`, independent accumulators, no memory traffic), times the
 * threads. Then the canonical VAE's products (the shapes a training step
 * calls, transposes included), each timed over N calls on the addon directly
 * (operands in one ArrayBuffer, as the wasm backend's memory holds them):
 * GFLOP/s and the share of the limit.
 */
import os from 'node:os';
import { loadNative } from '../src/node/native.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 200);
const threadsList = (args.includes('--threads') ? args[args.indexOf('--threads') + 1] : `1,${os.availableParallelism()}`).split(',').map(Number);
const { addon, reason } = loadNative();
if (!addon) {
  console.error(`bench/native-gemm: the native engine is ${reason}`);
  process.exit(1);
}
const memory = new ArrayBuffer(32 << 20);
const f = new Float32Array(memory);
for (let i = 0; i < f.length; i++) f[i] = Math.sin(i) * 0.5;
const peak = Math.max(addon.fmaPeak(), addon.fmaPeak(), addon.fmaPeak());
const { isa } = addon.info();
console.log(`${isa} kernels; one core's limit ${peak.toFixed(1)} GFLOP/s (fused multiply-adds, no memory traffic); ${os.availableParallelism()} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
// [m, n, k, transposeA, transposeB]: forward, ∂input (Bᵀ), ∂weights (Aᵀ) of the 784-400 layers, and a head.
const shapes: [number, number, number, boolean, boolean][] = [
  [128, 400, 784, false, false], [128, 784, 400, false, false], [128, 784, 400, false, true],
  [784, 400, 128, true, false], [400, 784, 128, true, false], [128, 40, 400, false, false],
];
for (const threads of threadsList) {
  addon.setThreads(threads);
  console.log(`\n${threads} thread(s), limit ${(peak * threads).toFixed(0)} GFLOP/s:`);
  for (const [m, n, k, tA, tB] of shapes) {
    const a = 256, b = a + 4 * m * k + 256, c = b + 4 * k * n + 256;
    const [sai, sak] = tA ? [1, m] : [k, 1];
    const [sbk, sbj] = tB ? [1, k] : [n, 1];
    const call = () => addon.gemm(memory, a, sai, sak, b, sbk, sbj, c, n, m, n, k, -1, false);
    for (let i = 0; i < 20; i++) call();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) call();
    const ms = (performance.now() - t0) / reps;
    const gflops = (2 * m * n * k) / ms / 1e6;
    console.log(`  ${`${m}×${k}${tA ? 'ᵀ' : ''} · ${k}×${n}${tB ? 'ᵀ' : ''}`.padEnd(22)} ${ms.toFixed(3)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s  ${((100 * gflops) / (peak * threads)).toFixed(0).padStart(3)} % of the limit`);
  }
}
