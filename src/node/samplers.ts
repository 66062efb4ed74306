/**
 * Where `latentlab sample` draws its codes from, by name:
 *
 *   prior  z ~ p(z), the prior the model was trained towards
 *   gmm    z from a K-component full-covariance Gaussian mixture fitted by
 *          EM to the means of q(z|x) (or the deterministic codes) of the
 *          run's training images (core/samplers): samples land where the
 *          decoder has seen codes, not in the holes the aggregated
 *          posterior leaves in the prior
 *
 * The fitted mixture is cached in the run folder as sampler-gmm-k<K>.json,
 * keyed by the checkpoint's weights, K, the training data and the fit's
 * settings: a second call reads it, a retrained checkpoint or another K
 * fits anew.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batches, type DataSource } from '../core/data/dataset.js';
import { gmmSamplerFile, netFile } from '../core/io/run-layout.js';
import { checkLabels } from '../core/models/conditioning.js';
import type { Autoencoder } from '../core/models/types.js';
import type { Prior } from '../core/priors/types.js';
import { fitGmm, GmmFitError, defaultKernels } from '../core/samplers/fit-gmm.js';
import { FullGaussianMixture } from '../core/samplers/mixture.js';
import { deriveSeed } from '../core/util/random.js';
import { yieldToEventLoop } from '../core/util/yield.js';
import { dataOptions, loadTrainingSplits } from './datasets.js';
import { UserError } from './errors.js';
import { writeJsonAtomic } from './fs-atomic.js';
import type { OpenedRun } from './run-folder.js';

export const SAMPLERS = ['prior', 'gmm'] as const;
export type SamplerKind = (typeof SAMPLERS)[number];

/** The most components `--components` takes. */
export const MAX_COMPONENTS = 1000;

export interface SamplerRequest {
  readonly run: OpenedRun;
  readonly model: Autoencoder;
  /** Mixture components (gmm). */
  readonly components: number;
  /** Where progress lines go (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface Sampler {
  readonly source: Pick<Prior, 'sample'>;
  /** For titles: "the prior", "a 10-component Gaussian mixture fitted to the training codes". */
  readonly description: string;
  /** The cache file read or written, if any. */
  readonly file?: string;
  /** True when the mixture came from the cache. */
  readonly cached?: boolean;
}

/** Settings of the fit; part of the cache key. */
const FIT = { regularization: 0.01, tolerance: 1e-3, maxIterations: 100 } as const;
const CACHE_FORMAT = 'latentlab-gmm-sampler';
const CACHE_VERSION = 1;

interface CacheKey {
  /** SHA-256 of the checkpoint's weights. */
  readonly checkpoint: string;
  readonly components: number;
  readonly seed: number;
  readonly codes: number;
  readonly data: string;
  readonly regularization: number;
  readonly tolerance: number;
  readonly maxIterations: number;
}

const factories = {
  prior: async ({ model }) => ({ source: model.prior, description: 'the prior' }),
  gmm: gmmSampler,
} satisfies Record<SamplerKind, (request: SamplerRequest) => Promise<Sampler>>;

/** The sampler `kind` for a loaded run. */
export function createSampler(kind: SamplerKind, request: SamplerRequest): Promise<Sampler> {
  return factories[kind](request);
}

/** SHA-256 over the weights of every net of the run's latest checkpoint: what the codes depend on. */
function weightsDigest(run: OpenedRun): string {
  const hash = createHash('sha256');
  for (const net of Object.keys(run.manifest.nets).sort()) {
    hash.update(net);
    hash.update(readFileSync(path.join(run.dir, netFile(run.checkpoint!.path, net, 'weights.bin'))));
  }
  return hash.digest('hex');
}

/** The training split exactly as the run trained on it (its limits, classes and standardisation). */
function trainingData(run: OpenedRun): DataSource {
  const options = { ...dataOptions(run.config.data), standardization: run.manifest.data.standardization };
  return loadTrainingSplits(run.config.data.source, options).train;
}

/** Means of q(z|x) (deterministic codes for a deterministic encoder) of every example, [size, width]. */
async function encodeAll(model: Autoencoder, data: DataSource, log: (line: string) => void): Promise<{ codes: Float32Array; width: number }> {
  const batchSize = 1000;
  const chunks: Float32Array[] = [];
  let width = 0;
  let done = 0;
  let lastReport = performance.now();
  for (const batch of batches(data, { batchSize })) {
    const out = tf.tidy(() => model.encode(tf.tensor2d(batch.x, [batch.count, data.dim]), { labels: batch.labels && tf.tensor1d(batch.labels, 'int32') }).mean());
    width = out.shape.at(-1)!;
    chunks.push(out.dataSync() as Float32Array);
    out.dispose();
    done += batch.count;
    if (performance.now() - lastReport > 5000) {
      log(`  encoded ${done}/${data.size}`);
      lastReport = performance.now();
    }
    await yieldToEventLoop();
  }
  const codes = new Float32Array(done * width);
  chunks.reduce((at, c) => (codes.set(c, at), at + c.length), 0);
  return { codes, width };
}

function sameKey(a: unknown, b: CacheKey): boolean {
  return typeof a === 'object' && a !== null && Object.entries(b).every(([k, v]) => (a as Record<string, unknown>)[k] === v);
}

/** The mixture stored in `file` when its key is `key`; null when absent, stale or unreadable (said in `log`). */
function readCache(file: string, key: CacheKey, log: (line: string) => void): FullGaussianMixture | null {
  if (!existsSync(file)) return null;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    if (stored?.format !== CACHE_FORMAT || stored.version !== CACHE_VERSION || !sameKey(stored.key, key)) {
      log(`${file}: fitted for another checkpoint, data or settings; fitting again`);
      return null;
    }
    const { dim, weights, means, covariances } = stored;
    return new FullGaussianMixture({
      dim, components: weights.length, weights: Float64Array.from(weights), means: Float64Array.from(means.flat()), covariances: Float64Array.from(covariances.flat(2)),
    });
  } catch (e) {
    log(`${file}: cannot be used (${(e as Error).message}); fitting again`);
    return null;
  }
}

function rows(values: Float64Array, width: number): number[][] {
  return Array.from({ length: values.length / width }, (_, i) => Array.from(values.subarray(i * width, (i + 1) * width)));
}

async function gmmSampler({ run, model, components, log = (line) => process.stderr.write(`${line}\n`) }: SamplerRequest): Promise<Sampler> {
  const description = `a ${components}-component Gaussian mixture fitted to the training codes`;
  const file = path.join(run.dir, gmmSamplerFile(components));
  // The manifest's count of training examples stands for the data in the key, so reading the cache needs no data.
  const key: CacheKey = {
    checkpoint: weightsDigest(run), components, seed: deriveSeed(run.config.seed, 301), codes: run.manifest.data.train, data: run.config.data.source, ...FIT,
  };
  const cached = readCache(file, key, log);
  if (cached) return { source: cached, description, file, cached: true };
  const data = trainingData(run);
  checkLabels(run.config, data);
  if (data.size < components) throw new UserError(`--components ${components}: the run has only ${data.size} training examples to fit them to`);
  const started = performance.now();
  log(`encoding the ${data.size} training examples of ${data.name}`);
  const { codes, width } = await encodeAll(model, data, log);
  log(`fitting ${components} Gaussians (full covariances) to ${data.size} codes of ${width} dimensions by EM`);
  let lastReport = performance.now();
  const fitStarted = performance.now();
  let fit;
  try {
    fit = fitGmm(codes, width, {
      components, seed: key.seed, ...FIT, kernels: defaultKernels(width),
      onIteration: (iteration, objective) => {
        if (performance.now() - lastReport < 5000) return;
        log(`  EM iteration ${iteration}: ${objective.toFixed(4)} nats per code`);
        lastReport = performance.now();
      },
    });
  } catch (e) {
    if (e instanceof GmmFitError) throw new UserError(`${run.dir}: cannot fit ${components} Gaussians to the training codes: ${e.message}`);
    throw e;
  }
  const seconds = (performance.now() - fitStarted) / 1000;
  log(`EM ${fit.converged ? 'converged after' : 'stopped at'} ${fit.iterations} iteration${fit.iterations === 1 ? '' : 's'} in ${seconds.toFixed(1)} s: mean log-likelihood ${fit.logLikelihood.toFixed(3)} nats per code`);
  const { weights, means, covariances } = fit.mixture.parameters;
  writeJsonAtomic(file, {
    format: CACHE_FORMAT, version: CACHE_VERSION, key,
    fit: {
      iterations: fit.iterations, converged: fit.converged, logLikelihood: fit.logLikelihood, objective: fit.objective.at(-1), lambda: fit.lambda,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)), emSeconds: Number(seconds.toFixed(2)),
    },
    dim: width, weights: Array.from(weights), means: rows(means, width),
    covariances: Array.from({ length: components }, (_, k) => rows(covariances.subarray(k * width * width, (k + 1) * width * width), width)),
  });
  return { source: fit.mixture, description, file, cached: false };
}
