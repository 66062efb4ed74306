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

/**
 * n normal values (mean, std) from `seed`: the very stream `tf.randomNormal(…,
 * seed)` draws, bit for bit, in about half the time. TF.js seeds Baagøe's Alea
 * generator with the seed's decimal string and takes pairs by Marsaglia's
 * polar method (u, v uniform on (−1, 1), s = u² + v² in (0, 1), both
 * u·√(−2 ln s / s) and v·√(…) used); it reads the generator through a closure
 * and object fields per value, ≈ 40 ns each here, which an importance-
 * weighted step with K = 50 (50,000 values) felt as ≈ 2 ms. The same
 * arithmetic on locals takes ≈ 20 ns a value: what remains is the
 * generator's serial chain and a logarithm per pair. The seed must be
 * non-zero (TF.js reads 0 as "no seed" and draws one).
 */
export function normalValues(n: number, mean: number, std: number, seed: number): Float32Array {
  if (!seed) throw new RangeError('normalValues: the seed must be non-zero');
  // Alea's seeding: Mash (a string hash kept in a double) over ' ' three times, then over the seed's text.
  let h = 0xefc8249d;
  const mash = (text: string): number => {
    for (let i = 0; i < text.length; i++) {
      h += text.charCodeAt(i);
      let x = 0.02519603282416938 * h;
      h = x >>> 0;
      x -= h;
      x *= h;
      h = x >>> 0;
      x -= h;
      h += x * 0x100000000;
    }
    return (h >>> 0) * 2.3283064365386963e-10;
  };
  let s0 = mash(' '), s1 = mash(' '), s2 = mash(' ');
  const text = String(seed);
  s0 -= mash(text);
  if (s0 < 0) s0 += 1;
  s1 -= mash(text);
  if (s1 < 0) s1 += 1;
  s2 -= mash(text);
  if (s2 < 0) s2 += 1;
  let c = 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    let u: number, v: number, s: number;
    do {
      let t = 2091639 * s0 + c * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      s2 = t - (c = t | 0);
      u = 2 * s2 - 1;
      t = 2091639 * s0 + c * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      s2 = t - (c = t | 0);
      v = 2 * s2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const mul = Math.sqrt((-2.0 * Math.log(s)) / s);
    out[i] = mean + std * u * mul;
    if (i + 1 < n) out[i + 1] = mean + std * v * mul;
  }
  return out;
}
