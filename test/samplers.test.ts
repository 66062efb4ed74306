/**
 * Samplers after training: the Gaussian-mixture fit by EM (known answers on
 * synthetic clusters, a never-decreasing objective, both kernels, failure
 * paths), the small linear algebra under it, the Fréchet distance against
 * closed forms, and `latentlab sample --sampler gmm` end to end on a tiny run.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { featureStats, frechetDistance, traceSqrtProduct, type FeatureStats } from '../src/core/metrics/frechet.js';
import { typedArrayKernels } from '../src/core/samplers/em-kernels.js';
import { tensorKernels } from '../src/core/samplers/em-kernels-tf.js';
import { fitGmm, GmmFitError } from '../src/core/samplers/fit-gmm.js';
import { FullGaussianMixture, logDensities } from '../src/core/samplers/mixture.js';
import { cholesky, matMul, symmetricEigen } from '../src/core/util/linalg.js';
import { uniformGenerator } from '../src/core/util/random.js';
import { decodePng } from '../src/node/figures.js';
import { describeRun, hasStackTrace, makeTempDir, readJson, runCli, syntheticIdxFiles, writeIdxFolder } from './helpers/cli.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

/** Three well-separated 2-D Gaussians with unequal weights and correlated covariances. */
const TRUTH = new FullGaussianMixture({
  dim: 2, components: 3,
  weights: Float64Array.from([0.5, 0.3, 0.2]),
  means: Float64Array.from([0, 0, 8, 1, -3, 9]),
  covariances: Float64Array.from([1, 0.6, 0.6, 1, 0.5, -0.2, -0.2, 0.3, 2, 0, 0, 0.4]),
});

/** For each fitted component, the true component whose mean is nearest. */
function matchComponents(fit: FullGaussianMixture, truth: FullGaussianMixture): number[] {
  const d = truth.eventSize;
  return Array.from({ length: fit.components }, (_, c) => {
    let best = 0;
    let bestDist = Infinity;
    for (let t = 0; t < truth.components; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (fit.parameters.means[c * d + j] - truth.parameters.means[t * d + j]) ** 2;
      if (s < bestDist) [best, bestDist] = [t, s];
    }
    return best;
  });
}

function assertNonDecreasing(values: readonly number[], what: string, relative = 1e-9): void {
  for (let i = 1; i < values.length; i++) {
    const slack = relative * Math.max(1, Math.abs(values[i - 1]));
    assert.ok(values[i] >= values[i - 1] - slack, `${what}: the objective fell from ${values[i - 1]} to ${values[i]} at iteration ${i}`);
  }
}

describe('Gaussian mixture fit by EM', () => {
  const n = 4000;
  let codes: Float32Array;
  before(() => {
    codes = TRUTH.sampleWithComponents({ seed: 11, n }).z;
  });

  test('recovers the weights, means and covariances of well-separated clusters, its objective never decreasing', () => {
    const fit = fitGmm(codes, 2, { components: 3, seed: 1, kernels: typedArrayKernels });
    assert.ok(fit.converged, `not converged after ${fit.iterations} iterations`);
    assertNonDecreasing(fit.objective, 'EM');
    const match = matchComponents(fit.mixture, TRUTH);
    assert.deepEqual([...match].sort(), [0, 1, 2], `each true cluster found once (matched ${match})`);
    const p = fit.mixture.parameters;
    const t = TRUTH.parameters;
    match.forEach((m, c) => {
      assert.ok(Math.abs(p.weights[c] - t.weights[m]) < 0.03, `weight ${p.weights[c]} vs ${t.weights[m]}`);
      for (let j = 0; j < 2; j++) assert.ok(Math.abs(p.means[c * 2 + j] - t.means[m * 2 + j]) < 0.12, `mean ${c}.${j}: ${p.means[c * 2 + j]} vs ${t.means[m * 2 + j]}`);
      for (let j = 0; j < 4; j++) {
        const want = t.covariances[m * 4 + j];
        assert.ok(Math.abs(p.covariances[c * 4 + j] - want) < 0.1 + 0.1 * Math.abs(want), `covariance ${c}[${j}]: ${p.covariances[c * 4 + j]} vs ${want}`);
      }
    });
    // The reported log-likelihood is that of the returned mixture, and beats the truth's only by overfitting a little.
    const ll = logDensities(fit.mixture, codes, n).reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(ll - fit.logLikelihood) < 1e-9, `${ll} vs ${fit.logLikelihood}`);
    const truthLl = logDensities(TRUTH, codes, n).reduce((a, b) => a + b, 0) / n;
    assert.ok(ll >= truthLl - 1e-6 && ll - truthLl < 0.01, `fitted ${ll}, true ${truthLl}`);
  });

  test('the objective never decreases over many iterations with more components than clusters', () => {
    const fit = fitGmm(codes.subarray(0, 2000), 2, { components: 7, seed: 3, tolerance: -Infinity, maxIterations: 80, kernels: typedArrayKernels });
    assert.equal(fit.objective.length, 81);
    assertNonDecreasing(fit.objective, 'EM, K = 7');
    assert.ok(fit.objective.at(-1)! > fit.objective[0] + 0.01, 'and it does rise');
  });

  test('is deterministic from its seed; the TF.js kernels give the same fit as the double-precision loops', () => {
    const rand = uniformGenerator(5);
    // 14-D codes (where the product kernels are the default): two clusters in a random rotation.
    const d = 14;
    const x = Float32Array.from({ length: 1500 * d }, (_, i) => (Math.floor(i / d) % 2 ? 4 : -4) * (i % d === 0 ? 1 : 0) + (rand() + rand() + rand() - 1.5));
    const a = fitGmm(x, d, { components: 2, seed: 9, kernels: typedArrayKernels });
    const b = fitGmm(x, d, { components: 2, seed: 9, kernels: typedArrayKernels });
    assert.deepEqual(a.mixture.parameters, b.mixture.parameters);
    const c = fitGmm(x, d, { components: 2, seed: 9, kernels: tensorKernels });
    assert.equal(c.iterations, a.iterations);
    assert.ok(Math.abs(c.logLikelihood - a.logLikelihood) < 1e-4, `${c.logLikelihood} vs ${a.logLikelihood}`);
    const diff = a.mixture.parameters.covariances.reduce((m, v, i) => Math.max(m, Math.abs(v - c.mixture.parameters.covariances[i])), 0);
    assert.ok(diff < 1e-3, `covariances differ by ${diff}`);
    assertNonDecreasing(c.objective, 'EM on the TF.js kernels (float32 products: a relative 1e-6 allowed)', 1e-6);
  });

  test('degenerate inputs are clear errors', () => {
    const fit = (x: Float32Array, d: number, k: number) => () => fitGmm(x, d, { components: k, seed: 1 });
    assert.throws(fit(new Float32Array(6), 2, 4), (e: Error) => e instanceof GmmFitError && /4 components need at least 4 codes; there are 3/.test(e.message));
    assert.throws(fit(new Float32Array(20).fill(0.5), 2, 2), /all 10 codes are the same point/);
    assert.throws(fit(Float32Array.from([0, 0, 1, 1, 0, 0, 1, 1]), 2, 3), /hold only 2 distinct points; 3 components need at least 3/);
    assert.throws(fit(Float32Array.from([0, 0, 1, NaN, 2, 2]), 2, 1), /code 1 has a value that is not finite/);
    assert.throws(fit(new Float32Array(5), 2, 1), /5 values do not make rows of 2/);
    assert.throws(fit(new Float32Array(4), 2, 0), /whole number ≥ 1/);
  });

  test('the mixture: logProb is the Gaussian density for one component, samples have its moments', () => {
    const cov = Float64Array.from([2, 0.8, 0.8, 1]);
    const one = new FullGaussianMixture({ dim: 2, components: 1, weights: Float64Array.from([1]), means: Float64Array.from([1, -2]), covariances: cov });
    const det = 2 * 1 - 0.8 * 0.8;
    const x = [3, -1];
    const dx = [x[0] - 1, x[1] + 2];
    const quad = (dx[0] * dx[0] * 1 - 2 * 0.8 * dx[0] * dx[1] + dx[1] * dx[1] * 2) / det;
    const want = -0.5 * quad - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    assert.ok(Math.abs(logDensities(one, x, 1)[0] - want) < 1e-12);
    const { z } = one.sampleWithComponents({ seed: 2, n: 20000 });
    const stats = featureStats(z, 2);
    assert.ok(Math.abs(stats.mean[0] - 1) < 0.05 && Math.abs(stats.mean[1] + 2) < 0.05, `${stats.mean}`);
    stats.covariance.forEach((v, i) => assert.ok(Math.abs(v - cov[i]) < 0.08, `covariance[${i}] ${v} vs ${cov[i]}`));
    assert.throws(() => new FullGaussianMixture({ dim: 2, components: 1, weights: Float64Array.from([1]), means: new Float64Array(2), covariances: Float64Array.from([1, 2, 2, 1]) }), /not positive definite/);
  });
});

describe('linear algebra', () => {
  test('symmetric eigendecomposition reconstructs the matrix with orthonormal vectors; Cholesky factors it', () => {
    const d = 9;
    const rand = uniformGenerator(4);
    const b = Float64Array.from({ length: d * d }, () => rand() - 0.5);
    const a = matMul(b, Float64Array.from({ length: d * d }, (_, i) => b[(i % d) * d + Math.floor(i / d)]), d);   // B Bᵀ
    for (let i = 0; i < d; i++) a[i * d + i] += 0.1;
    const { values, vectors } = symmetricEigen(a, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let back = 0;
        let dot = 0;
        for (let k = 0; k < d; k++) {
          back += vectors[i * d + k] * values[k] * vectors[j * d + k];
          dot += vectors[k * d + i] * vectors[k * d + j];
        }
        assert.ok(Math.abs(back - a[i * d + j]) < 1e-12, `V Λ Vᵀ [${i}, ${j}]`);
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `Vᵀ V [${i}, ${j}]`);
      }
    }
    const l = cholesky(a, d)!;
    const llt = matMul(l, Float64Array.from({ length: d * d }, (_, i) => l[(i % d) * d + Math.floor(i / d)]), d);
    llt.forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-12));
    assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
  });
});

describe('Fréchet distance', () => {
  const stats = (mean: number[], covariance: number[]): FeatureStats => ({ dim: mean.length, count: 0, mean: Float64Array.from(mean), covariance: Float64Array.from(covariance) });

  test('is 0 for identical feature sets, and positive for different ones', () => {
    const rand = uniformGenerator(8);
    const f = Float32Array.from({ length: 500 * 16 }, () => rand() * rand());
    const s = featureStats(f, 16);
    assert.ok(frechetDistance(s, s) < 1e-9, `${frechetDistance(s, s)}`);
    assert.ok(frechetDistance(s, featureStats(f.map((v) => v * 1.1), 16)) > 1e-4);
  });

  test('matches closed forms: diagonal covariances, and two non-commuting 2×2 covariances', () => {
    // Diagonal: d² = ‖Δμ‖² + Σ (σ_a − σ_b)².
    const a = stats([0, 1, 2], [4, 0, 0, 0, 1, 0, 0, 0, 9]);
    const b = stats([1, 1, 0], [1, 0, 0, 0, 1, 0, 0, 0, 0.25]);
    assert.ok(Math.abs(frechetDistance(a, b) - (1 + 4 + 1 + 0 + 2.5 ** 2)) < 1e-10);
    // 2×2: the eigenvalues λ₁, λ₂ ≥ 0 of AB give tr (AB)^½ = √λ₁ + √λ₂ = √(tr AB + 2√det AB).
    const A = [2, 0.9, 0.9, 1];
    const B = [1, -0.3, -0.3, 3];
    const trAB = A[0] * B[0] + A[1] * B[2] + A[2] * B[1] + A[3] * B[3];
    const detAB = (A[0] * A[3] - A[1] * A[2]) * (B[0] * B[3] - B[1] * B[2]);
    const traceRoot = Math.sqrt(trAB + 2 * Math.sqrt(detAB));
    assert.ok(Math.abs(traceSqrtProduct(Float64Array.from(A), Float64Array.from(B), 2) - traceRoot) < 1e-12);
    const want = 0.5 ** 2 + 2 ** 2 + (3 + 4) - 2 * traceRoot;
    assert.ok(Math.abs(frechetDistance(stats([0.5, 0], A), stats([0, 2], B)) - want) < 1e-12);
  });

  test('on samples of two Gaussians it approaches the closed form', () => {
    const mk = (m: number[], cov: number[]) => new FullGaussianMixture({ dim: 2, components: 1, weights: Float64Array.from([1]), means: Float64Array.from(m), covariances: Float64Array.from(cov) });
    const A = [2, 0.9, 0.9, 1];
    const B = [1, -0.3, -0.3, 3];
    const sa = featureStats(mk([0.5, 0], A).sampleWithComponents({ seed: 1, n: 40000 }).z, 2);
    const sb = featureStats(mk([0, 2], B).sampleWithComponents({ seed: 2, n: 40000 }).z, 2);
    const exact = frechetDistance(stats([0.5, 0], A), stats([0, 2], B));
    assert.ok(Math.abs(frechetDistance(sa, sb) - exact) < 0.03 * exact, `${frechetDistance(sa, sb)} vs ${exact}`);
  });
});

describe('latentlab sample --sampler gmm', () => {
  const tmp = makeTempDir('latentlab-samplers-');
  after(() => tmp.remove());
  const data = writeIdxFolder(path.join(tmp.dir, 'data'), syntheticIdxFiles({ train: 300, test: 60, classes: 4 }));
  const runs = path.join(tmp.dir, 'runs');
  const small = ['--data', data, '--hidden', '16', '--latent-dim', '3', '--epochs', '1', '--batch-size', '50', '--backend', 'wasm', '--out', runs, '-q'];
  const ok = (args: string[]) => {
    const r = runCli(args);
    assert.equal(r.status, 0, describeRun(r));
    assert.ok(!hasStackTrace(r.stderr), describeRun(r));
    return r;
  };
  const refused = (args: string[], status: number, message: RegExp) => {
    const r = runCli(args);
    assert.equal(r.status, status, describeRun(r));
    assert.match(r.stderr, message);
    assert.ok(!hasStackTrace(r.stderr), describeRun(r));
  };
  const vae = path.join(runs, 'vae');

  before(() => {
    ok(['train', ...small, '--name', 'vae']);
  });

  test('fits, writes a PNG and the cache; a second call reads the cache and draws the same images', async () => {
    const out = path.join(tmp.dir, 'gmm.png');
    const first = ok(['sample', vae, '--sampler', 'gmm', '--components', '3', '-n', '16', '-o', out, '--backend', 'wasm']);
    assert.match(first.stderr, /fitting 3 Gaussians \(full covariances\) to 300 codes of 3 dimensions/);
    assert.match(first.stderr, /EM converged after \d+ iterations? in/);
    const png = readFileSync(out);
    const image = await decodePng(png);
    assert.ok(image.width >= 4 * 8 && image.height >= 4 * 8);
    const cache = path.join(vae, 'sampler-gmm-k3.json');
    const stored = readJson(cache);
    assert.equal(stored.key.components, 3);
    assert.equal(stored.key.codes, 300);
    assert.equal(stored.weights.length, 3);
    assert.ok(Math.abs(stored.weights.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9);
    const written = statSync(cache).mtimeMs;
    const second = ok(['sample', vae, '--sampler', 'gmm', '--components', '3', '-n', '16', '-o', out, '--backend', 'wasm']);
    assert.match(second.stderr, /using the mixture fitted earlier: .*sampler-gmm-k3\.json/);
    assert.doesNotMatch(second.stderr, /fitting/);
    assert.equal(statSync(cache).mtimeMs, written, 'the cache is not rewritten');
    assert.deepEqual(readFileSync(out), png, 'the same mixture and seed draw the same images');
    // The default name says which sampler drew it; another K fits (and caches) its own mixture.
    const other = ok(['sample', vae, '--sampler', 'gmm', '--components', '2', '-n', '4', '--backend', 'wasm']);
    assert.equal(other.stdout.trim(), path.join(vae, 'samples-gmm-k2-n4-seed1.png'));
    assert.equal(readJson(path.join(vae, 'sampler-gmm-k2.json')).weights.length, 2);
  });

  test('a cache fitted for other weights is not used: it is fitted again', () => {
    const cache = path.join(vae, 'sampler-gmm-k3.json');
    const stored = readJson(cache);
    writeFileSync(cache, JSON.stringify({ ...stored, key: { ...stored.key, checkpoint: '0'.repeat(64) } }));
    const r = ok(['sample', vae, '--sampler', 'gmm', '--components', '3', '-n', '4', '-o', path.join(tmp.dir, 'again.png'), '--backend', 'wasm']);
    assert.match(r.stderr, /fitted for another checkpoint, data or settings; fitting again/);
    assert.equal(readJson(cache).key.checkpoint, stored.key.checkpoint);
    writeFileSync(cache, '{"format": "latentlab-gmm-sampler", "vers');
    assert.match(ok(['sample', vae, '--sampler', 'gmm', '--components', '3', '-n', '4', '-o', path.join(tmp.dir, 'again.png'), '--backend', 'wasm']).stderr, /cannot be used .*; fitting again/);
  });

  test('a conditional VAE: codes encoded with their labels, samples decoded with every class', () => {
    ok(['train', ...small, '--labels', 'conditional', '--name', 'cvae']);
    const r = ok(['sample', path.join(runs, 'cvae'), '--sampler', 'gmm', '--components', '4', '-n', '8', '--backend', 'wasm']);
    assert.match(r.stderr, /fitting 4 Gaussians/);
  });

  test('bad --sampler and --components are clear errors naming the flag', () => {
    refused(['sample', vae, '--sampler', 'gmm', '--components', '0'], 2, /--components <K>.*must be at least 1, got 0/);
    refused(['sample', vae, '--sampler', 'gmm', '--components', 'ten'], 2, /--components <K>.*expected an integer, got 'ten'/);
    refused(['sample', vae, '--sampler', 'gmm', '--components', '5000'], 1, /--components: a whole number from 1 to 1000, got 5000/);
    refused(['sample', vae, '--components', '3'], 1, /--components: only with --sampler gmm/);
    refused(['sample', vae, '--sampler', 'vamp'], 2, /--sampler <name>.*argument 'vamp' is invalid/);
    refused(['sample', vae, '--sampler', 'gmm', '--components', '400', '--backend', 'wasm'], 1, /--components 400: the run has only 300 training examples/);
  });
});
