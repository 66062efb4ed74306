/**
 * Labels as inputs to the networks (Makhzani et al. 2015, §2.3 and §5;
 * Sohn et al. 2015 for the conditional VAE).
 *
 *   'conditional': decoder input [z, onehot(y)] (and a VAE's encoder input [x, onehot(y)])
 *   'prior':       discriminator input [z, onehot(y), unlabelled], with onehot(−1) = 0 and
 *                  unlabelled = 1 for an example whose label is hidden
 *
 * A label of −1 marks an example without a label (label-guided training
 * with a labelled fraction below 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/resolve.js';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { uniformGenerator } from '../util/random.js';

/** What the encoder/decoder/discriminator is given besides its main input. */
export interface CodecOptions {
  readonly training?: boolean;
  /** Class labels [batch] (int32; −1 = unlabelled), for models that use them. */
  readonly labels?: tf.Tensor1D;
}

/** True when the decoder takes the class label beside z (supervised AAE, conditional VAE). */
export function isConditional(config: Config): boolean {
  return config.labels.use === 'conditional';
}

/** Extra input units each net gets for the labels, by how the config uses them. */
export function labelInputs(config: Config): { encoder: number; decoder: number; discriminator: number } {
  const { use, classes } = config.labels;
  const conditional = isConditional(config);
  return {
    encoder: conditional && config.model === 'vae' ? classes : 0,
    decoder: conditional ? classes : 0,
    discriminator: use === 'prior' ? classes + 1 : 0,
  };
}

/** One-hot rows [batch, classes]; a label −1 gives a row of zeros. */
export function oneHot(labels: tf.Tensor1D, classes: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
}

/**
 * [input, extra] along the last axis; `input` is [batch, d] or [n, batch, d]
 * (then `extra` [batch, e] is repeated over the n draws).
 */
export function appendColumns(input: tf.Tensor, extra: tf.Tensor2D): tf.Tensor {
  if (input.rank === 2) return tf.concat([input, extra], 1);
  const tiled = tf.broadcastTo(extra, [...input.shape.slice(0, -1), extra.shape[1]]);
  return tf.concat([input, tiled], -1);
}

/** The labels a net needs, or a clear error naming the net. */
export function requireLabels(labels: tf.Tensor1D | undefined, net: string): tf.Tensor1D {
  if (!labels) throw new Error(`the ${net} is conditioned on the class label: pass labels with the input`);
  return labels;
}

/** The discriminator's extra input for label-guided training: [onehot(y), 1 if unlabelled]. */
export function guidanceColumns(labels: tf.Tensor1D, classes: number): tf.Tensor2D {
  return tf.tidy(() => {
    const unlabelled = tf.expandDims(tf.cast(tf.less(labels, 0), 'float32'), 1);
    return tf.concat([oneHot(labels, classes), unlabelled], 1) as tf.Tensor2D;
  });
}

/**
 * Checks that `data` has the labels the config asks for: present, and each
 * below `labels.classes`. Throws a DataError naming the data set otherwise.
 */
export function checkLabels(config: Config, data: Pick<Dataset, 'name' | 'labels' | 'numClasses'>): void {
  const { use, classes } = config.labels;
  if (use === 'none') return;
  const what = use === 'prior' ? 'label-guided training (labels.use "prior")' : 'a conditional model (labels.use "conditional")';
  if (!data.labels) throw new DataError(data.name, `${what} needs class labels, and this data set has none`);
  if ((data.numClasses ?? 0) > classes) {
    throw new ConfigError('labels.classes', [`the data has labels up to ${(data.numClasses ?? 1) - 1}, but labels.classes is ${classes}; set it to at least ${data.numClasses}`]);
  }
}

/**
 * The training set as label-guided training sees it: a fixed subset of
 * round(fraction · size) examples, drawn from `seed`, keeps its labels; the
 * rest get −1. Returns `data` itself when every label is shown.
 */
export function hideLabels<D extends Pick<Dataset, 'labels' | 'size'>>(data: D, fraction: number, seed: number): D {
  if (!data.labels || fraction >= 1) return data;
  const keep = Math.round(fraction * data.size);
  const rand = uniformGenerator(seed);
  // Partial Fisher–Yates: the first `keep` entries of a random order stay labelled.
  const order = Int32Array.from({ length: data.size }, (_, i) => i);
  for (let i = 0; i < keep; i++) {
    const j = i + Math.floor(rand() * (data.size - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const labels = new Int32Array(data.size).fill(-1);
  for (let i = 0; i < keep; i++) labels[order[i]] = data.labels[order[i]];
  return { ...data, labels };
}
