/**
 * Seeded randomness for everything outside TF.js kernels: data order,
 * binarisation, and the per-step seeds handed to TF.js random ops.
 * Nothing here reads a global generator, so a run is repeatable from its seed.
 *
 * Every random stream is derived with `deriveSeed(runSeed, purpose, …)`: a
 * net's initialisation (models), each step's phases (trainer), the prior's
 * samples, the encoder's noise and the input noise (objectives/adversarial),
 * evaluation. Inside one derived stream a few consumers take fixed offsets
 * of it (`seed + k`): a layer's kernel and bias (nets/mlp.ts), a mixture's
 * component choice and its noise (priors), the Monte Carlo KL beside the
 * reparameterised sample (objectives/elbo.ts), the two-sample classifier's
 * layers. The offsets sit on a 31-bit hash, so they cannot meet another
 * stream in practice; they are kept because every figure documented in the
 * README was measured with them.
 */

/** Mixes integers into a 31-bit seed (a splitmix-style hash). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h = (h + 0x6d2b79f5) | 0;
  }
  return (h >>> 1) || 1;
}

/** Mulberry32: a small, fast generator of uniform floats in [0, 1). */
export function uniformGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates permutation of 0..n−1 drawn from `seed`. */
export function permutation(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rand = uniformGenerator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
