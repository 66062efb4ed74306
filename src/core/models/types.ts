import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../config/schema.js';
import type { Distribution } from '../distributions/types.js';
import type { Prior } from '../priors/index.js';
import type { CodecOptions } from './conditioning.js';

/**
 * A latent-variable autoencoder: networks + prior + likelihood, composed.
 * `encode(x)` is q(z|x), `decode(z)` is p(x|z); both return distributions.
 */
export interface JointOptions {
  /** Draws per example. */
  readonly k: number;
  readonly seed: number;
  readonly training?: boolean;
}

export interface Autoencoder {
  readonly kind: Config['model'];
  readonly config: Config;
  /** One example's shape: [H, W] (grey), [H, W, C] (colour, channels last) or [D] (a table row). */
  readonly dataShape: readonly number[];
  /** Values per example, the product of `dataShape` (e.g. 784 for MNIST). */
  readonly dataDim: number;
  readonly latentDim: number;
  readonly prior: Prior;
  /** The serialisable networks by name (saved and exported as they are). */
  readonly nets: Readonly<Record<string, tfl.LayersModel>>;
  /**
   * q(z|x) for x of shape [batch, dataDim] (flat), or [batch, ...dataShape]
   * (e.g. images as loaded). A model conditioned on the class
   * (config.labels.use 'conditional') needs `labels` [batch].
   */
  encode(x: tf.Tensor, options?: CodecOptions): Distribution;
  /**
   * p(x|z) for z of shape [batch, latentDim] (or [n, batch, latentDim]): its
   * parameters are flat, [batch, dataDim], and its eventShape is `dataShape`;
   * `labels` as for `encode`.
   */
  decode(z: tf.Tensor, options?: CodecOptions): Distribution;
  /**
   * Models with several stochastic layers (z₁ … z_L, the top one of
   * `latentDim`): K joint draws z ~ q(z₁|x) q(z₂|z₁) …, reparameterised, with
   * p(x|z₁) and log q(z|x) − log p(z) summed over the layers, [K, batch].
   * The objectives and the importance-weighted bound use it in place of
   * encode → sample → decode. `encode` and `decode` then give the top layer's
   * codes through the intermediate layers' means (for figures and the page).
   */
  sampleJoint?(x: tf.Tensor, options: JointOptions): { likelihood: Distribution; logRatio: tf.Tensor };
  /** Every trainable variable, in a stable order. */
  variables(): tf.Variable[];
  dispose(): void;
}
