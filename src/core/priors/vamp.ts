/**
 * The VampPrior (Tomczak & Welling 2018, "VAE with a VampPrior"): the prior
 * is the encoder's own posterior averaged over K learned pseudo-inputs u_k,
 *
 *   p(z) = (1/K) Σ_k q(z | u_k),   q(z|u) = N(μ(u), diag σ²(u)),
 *
 * the "variational mixture of posteriors" that approximates the optimal
 * prior, the aggregated posterior (1/N) Σ_n q(z|x_n), with K ≪ N components.
 * The pseudo-inputs are the weights of a net of their own (`pseudoInputs`:
 * one dense layer without bias, from a one-hot of K to an example), so they
 * are trained with the model and saved, exported and loaded as every other
 * net is. As in the paper they are clipped to [0, 1] (its hardtanh) and
 * start near 0.05 (N(0.05, 0.01²)).
 *
 *   log p(z) = logsumexp_k log N(z; μ_k, σ_k²) − log K,
 *
 * with the K Gaussian densities of a batch from two matrix products:
 * Σ_d (z_d − μ_kd)²/σ_kd² = z²·(1/σ_k²) − 2 z·(μ_k/σ_k²) + Σ_d μ_kd²/σ_kd².
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../util/random-ops.js';
import { clipByValue, logSumExp } from '../util/ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SampleOptions } from '../distributions/types.js';
import { LOG_2PI } from '../distributions/normal.js';
import { uniformGenerator } from '../util/random.js';
import type { Prior } from './types.js';
import { recordingGradients } from '../engine/wasm-kernels.js';

/** The name of the pseudo-inputs' net in a model's nets and checkpoints. */
export const PSEUDO_INPUTS_NET = 'pseudoInputs';

/** What the VampPrior needs from its VAE: the pseudo-inputs' net and the encoder's Gaussian parameters for a batch of examples. */
export interface VampResources {
  readonly pseudoInputs: tfl.LayersModel;
  /** μ and log σ² of q(z|u) for u of shape [K, dataDim]. */
  readonly encode: (u: tf.Tensor2D) => { loc: tf.Tensor2D; logVar: tf.Tensor2D };
  /** The variables the components depend on (the encoder's and the pseudo-inputs'), to know when they changed. */
  readonly variables: () => readonly tf.Variable[];
}

/** A fresh pseudo-inputs net: K pseudo-inputs of `dataDim` values, N(0.05, 0.01²), seeded. */
export function buildPseudoInputs(components: number, dataDim: number, seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [components], name: `${PSEUDO_INPUTS_NET}_input` });
  const output = tfl.layers.dense({
    name: `${PSEUDO_INPUTS_NET}_dense0`, units: dataDim, useBias: false, activation: 'linear',
    kernelInitializer: tfl.initializers.randomNormal({ mean: 0.05, stddev: 0.01, seed }),
  }).apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: PSEUDO_INPUTS_NET });
}

export class VampPrior implements Prior {
  readonly kind = 'vamp';
  readonly hasDensity = true;
  readonly fullSupport = true;
  readonly components: number;
  readonly dataDim: number;

  constructor(readonly eventSize: number, private readonly resources: VampResources) {
    const kernel = resources.pseudoInputs.trainableWeights[0];
    if (!kernel || kernel.shape.length !== 2) throw new Error('pseudoInputs: expected one dense layer of K × dataDim weights');
    [this.components, this.dataDim] = kernel.shape as [number, number];
  }

  /** The pseudo-inputs u_k in [0, 1]: [K, dataDim]. */
  pseudoInputs(): tf.Tensor2D {
    return clipByValue(this.resources.pseudoInputs.trainableWeights[0].read(), 0, 1) as tf.Tensor2D;
  }

  /**
   * μ_k and log σ²_k of the K components, [K, d] each, from the encoder's
   * current weights. With no gradient recorded (evaluation, the importance-
   * weighted bound's many chunks) they are computed once and reused until a
   * variable they depend on is assigned (its data changes); the caller may
   * dispose what it gets, as with fresh tensors.
   */
  componentParams(): { loc: tf.Tensor2D; logVar: tf.Tensor2D } {
    if (recordingGradients()) return this.resources.encode(this.pseudoInputs());
    const key = this.resources.variables().map((v) => v.dataId);
    if (!this.cache || this.cache.key.length !== key.length || this.cache.key.some((id, i) => id !== key[i])) {
      this.dropCache();
      const { loc, logVar } = tf.tidy(() => this.resources.encode(this.pseudoInputs()));
      this.cache = { key, loc: tf.keep(loc), logVar: tf.keep(logVar) };
    }
    return { loc: tf.clone(this.cache.loc), logVar: tf.clone(this.cache.logVar) };
  }

  private cache: { key: object[]; loc: tf.Tensor2D; logVar: tf.Tensor2D } | null = null;

  private dropCache(): void {
    if (this.cache) tf.dispose([this.cache.loc, this.cache.logVar]);
    this.cache = null;
  }

  /** Frees the cached components (the model's dispose calls it). */
  dispose(): void {
    this.dropCache();
  }

  logProb(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = this.eventSize;
      const flat = tf.reshape(z, [-1, d]) as tf.Tensor2D;
      const { loc, logVar } = this.componentParams();
      const precision = tf.exp(tf.neg(logVar));
      const scaledLoc = tf.mul(loc, precision);
      const quad = tf.add(
        tf.sub(tf.matMul(tf.square(flat), precision, false, true), tf.mul(tf.matMul(flat, scaledLoc, false, true), 2)),
        tf.expandDims(tf.sum(tf.mul(loc, scaledLoc), 1), 0),
      );
      const logNormal = tf.mul(tf.add(quad, tf.expandDims(tf.add(tf.sum(logVar, 1), d * LOG_2PI), 0)), -0.5); // [n, K]
      const logp = tf.sub(logSumExp(logNormal, 1), Math.log(this.components));
      return tf.reshape(logp, z.shape.slice(0, -1));
    });
  }

  /** n draws: a component chosen uniformly, then z ~ q(z|u_k); [n, d]. */
  sample({ seed, n = 1 }: SampleOptions): tf.Tensor {
    const rand = uniformGenerator(seed);
    const picks = Int32Array.from({ length: n }, () => Math.min(this.components - 1, Math.floor(rand() * this.components)));
    return tf.tidy(() => {
      const { loc, logVar } = this.componentParams();
      const index = tf.tensor1d(picks, 'int32');
      const eps = randomNormal([n, this.eventSize], 0, 1, seed + 1);
      return tf.add(tf.gather(loc, index), tf.mul(tf.exp(tf.mul(tf.gather(logVar, index), 0.5)), eps));
    });
  }

  /** The mixture's mean, (1/K) Σ_k μ_k: [1, d]. */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.mean(this.componentParams().loc, 0, true));
  }
}
