/**
 * The figures a run folder holds, drawn from a trained model and the test set:
 * reconstructions.png, samples.png, latent.png, manifold.png (2-D latents;
 * for a model conditioned on the label, styles.png instead: one z per row
 * decoded as every class) and loss.png.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../core/data/dataset.js';
import { evaluationBatchSize, take } from '../core/data/dataset.js';
import { manifoldLatents } from '../core/figures/manifold.js';
import { encodeData } from '../core/metrics/latent-match.js';
import { isConditional } from '../core/models/conditioning.js';
import { pcaProject } from '../core/metrics/pca.js';
import { headlineTerm } from '../core/models/registry.js';
import type { Autoencoder } from '../core/models/types.js';
import type { Prior } from '../core/priors/types.js';
import { classStyleCodes, isCategoricalModel, type CategoricalAutoencoder } from '../core/models/categorical-aae.js';
import { assignClusters } from '../core/metrics/clusters.js';
import { priorDensityGrid, type DensityGrid } from '../core/priors/density.js';
import type { EpochRecord } from '../core/training/fit.js';
import { deriveSeed } from '../core/util/random.js';
import { imageGridPng, lineChartPng, manifoldPng, reconstructionsPng, scatterPng } from './figures.js';
import { writeFileAtomic } from './fs-atomic.js';

/** Height, width and channels when examples are images, else null. */
export function imageLayout(shape: readonly number[]): { height: number; width: number; channels: 1 | 3 } | null {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) return { height: shape[0], width: shape[1], channels: shape[2] as 1 | 3 };
  return null;
}

/** Means of p(x|z[, y]) for the given codes, [n, dataDim], clamped to [0, 1]. */
export function decodeMeans(model: Autoencoder, z: tf.Tensor2D, labels?: Int32Array): Float32Array {
  const means = tf.tidy(() => {
    const y = labels && isConditional(model.config) ? tf.tensor1d(labels, 'int32') : undefined;
    return tf.clipByValue(model.decode(z, { labels: y }).mean(), 0, 1);
  });
  // Read outside tidy, which would walk every element of a typed array handed back to it (seconds for 10,000 images).
  const values = means.dataSync() as Float32Array;
  means.dispose();
  return values;
}

/** Means of q(z|x[, y]) for a dataset, [size, latentDim]. */
export function encodeMeans(model: Autoencoder, data: Dataset, batchSize = evaluationBatchSize(data.dim)): Float32Array {
  return encodeData(model, data, { batchSize });
}

/** Labels 0, 1, …, classes−1, 0, 1, … (n of them): every class equally often. */
export function cyclingLabels(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % classes);
}

/**
 * Samples from the prior (or from `source`, e.g. a mixture fitted to the
 * training codes), decoded to means: [n, dataDim]. A conditional decoder
 * gets every class equally often (labels cycling 0..classes−1), so the
 * images are samples of p(x) = Σ_y p(y) p(x|y) with p(y) uniform.
 */
export function sampleImages(model: Autoencoder, n: number, seed: number, source: Pick<Prior, 'sample'> = model.prior): Float32Array {
  const labels = isConditional(model.config) ? cyclingLabels(n, model.config.labels.classes) : undefined;
  const z = source.sample({ seed, n }) as tf.Tensor2D;
  try {
    return decodeMeans(model, z, labels);
  } finally {
    z.dispose();
  }
}

/**
 * Style and content: `styles` codes z ~ p(z), each decoded with every class
 * label; row r holds style r rendered as class 0, 1, …. [styles · classes, dataDim].
 */
export function styleImages(model: Autoencoder, styles: number, seed: number): Float32Array {
  const classes = model.config.labels.classes;
  return tf.tidy(() => {
    const z = tf.reshape(tf.tile(model.prior.sample({ seed, n: styles }), [1, classes]), [styles * classes, model.latentDim]) as tf.Tensor2D;
    return decodeMeans(model, z, cyclingLabels(styles * classes, classes));
  });
}

export interface FigureFiles {
  readonly [name: string]: string;
}

/** Writes every figure that applies to this model and data; returns name → path. */
export function writeRunFigures(dir: string, model: Autoencoder, test: Dataset, records: readonly EpochRecord[]): FigureFiles {
  const written: Record<string, string> = {};
  const put = (name: string, png: Uint8Array) => {
    const file = path.join(dir, name);
    writeFileAtomic(file, png);
    written[name] = file;
  };
  const layout = imageLayout(test.shape);
  const { seed } = model.config;
  if (layout) {
    const count = Math.min(16, test.size);
    const originals = test.x.slice(0, count * test.dim);
    const labels = test.labels?.slice(0, count);
    const recon = tf.tidy(() => {
      const codes = model.encode(tf.tensor2d(originals, [count, test.dim]), { labels: labels && tf.tensor1d(labels, 'int32') }).mean();
      return decodeMeans(model, codes as tf.Tensor2D, labels);
    });
    put('reconstructions.png', reconstructionsPng(originals, recon, { count, ...layout, cols: 8, title: 'Test images and their reconstructions' }));
    put('samples.png', imageGridPng(sampleImages(model, 64, deriveSeed(seed, 202)), {
      count: 64, ...layout, cols: 8, title: 'Samples: x ~ p(x|z), z ~ p(z) (means)',
    }));
    if (isCategoricalModel(model)) {
      const styles = 8;
      const images = tf.tidy(() => decodeMeans(model, classStyleCodes(model, styles, deriveSeed(seed, 204))));
      const what = model.kind === 'clustering-aae' ? 'cluster' : 'class';
      put('styles.png', imageGridPng(images, {
        count: styles * model.classes, ...layout, cols: model.classes, title: `One style per row (z ~ p(z)), decoded with each ${what} y: x ~ p(x|y, z)`,
      }));
      put('clusters.png', clustersFigure(model, take(test, 10000), layout));
    } else if (isConditional(model.config)) {
      const classes = model.config.labels.classes;
      const styles = 8;
      put('styles.png', imageGridPng(styleImages(model, styles, deriveSeed(seed, 204)), {
        count: styles * classes, ...layout, cols: classes, title: 'One style per row (z ~ p(z)), rendered as each class: x ~ p(x|z, y)',
      }));
    } else if (model.latentDim === 2) {
      const grid = 20;
      const zRange = priorRange(model);
      const images = tf.tidy(() => decodeMeans(model, tf.tensor2d(manifoldLatents(grid, zRange), [grid * grid, 2])));
      put('manifold.png', manifoldPng(images, { gridSize: grid, ...layout, zRange, title: 'Decoded latent plane (means of p(x|z))' }));
    }
  }
  put('latent.png', latentFigure(model, take(test, 10000)));
  if (records.length) put('loss.png', lossFigure(records));
  if (records.some((r) => Number.isFinite(r.test.error))) put('error.png', errorFigure(records));
  return written;
}

/** Per class (cluster) k, one row of test images whose most probable y is k (the paper's figure 7). */
function clustersFigure(model: CategoricalAutoencoder, data: Dataset, layout: { height: number; width: number; channels: 1 | 3 }): Uint8Array {
  const perRow = 16;
  const assigned = assignClusters(model, data);
  const images = new Float32Array(model.classes * perRow * data.dim);
  const filled = new Int32Array(model.classes);
  assigned.forEach((k, i) => {
    if (filled[k] >= perRow) return;
    images.set(data.x.subarray(i * data.dim, (i + 1) * data.dim), (k * perRow + filled[k]) * data.dim);
    filled[k]++;
  });
  const what = model.kind === 'clustering-aae' ? 'cluster' : 'class';
  return imageGridPng(images, {
    count: model.classes * perRow, ...layout, cols: perRow,
    title: `Test images by the ${what} the encoder gives them (argmax q(y|x)); one ${what} per row, ${model.classes} rows`,
  });
}

function latentFigure(model: Autoencoder, data: Dataset): Uint8Array {
  if (isCategoricalModel(model) && model.prior.style.eventSize === 2) {
    // The style plane: the class part of the code is shown by the clusters figure.
    const k = model.classes;
    const codes = encodeMeans(model, data);
    const style = Float32Array.from({ length: data.size * 2 }, (_, i) => codes[Math.floor(i / 2) * (k + 2) + k + (i % 2)]);
    return scatterPng(style, data.labels ?? null, {
      classNames: data.classNames,
      title: `Test style codes z (the encoder's style part), ${data.size} images`, xLabel: 'z₁', yLabel: 'z₂',
      note: `prior of the style: ${model.prior.style.kind}; colour: the image's label`,
    });
  }
  const codes = encodeMeans(model, data);
  const d = model.latentDim;
  const title = `Test codes (means of q(z|x)), ${data.size} ${imageLayout(data.shape) ? 'images' : 'examples'}`;
  if (d === 2) {
    const density = latentDensity(model, codes);
    return scatterPng(codes, data.labels ?? null, {
      classNames: data.classNames, title, xLabel: 'z₁', yLabel: 'z₂', density,
      note: `shading: ${density.method === 'density' ? 'density' : 'smoothed histogram of samples'} of the prior (${model.prior.kind})`,
    });
  }
  if (d === 1) {
    const points = new Float32Array(data.size * 2);
    codes.forEach((v, i) => { points[2 * i] = v; points[2 * i + 1] = data.labels ? data.labels[i] : 0; });
    return scatterPng(points, data.labels ?? null, { classNames: data.classNames, title, xLabel: 'z', yLabel: data.labels ? 'label' : '', note: '1-D latent' });
  }
  const { points, explained } = pcaProject(codes, data.size, d, 2);
  const pct = explained.map((e) => `${(100 * e).toFixed(0)}%`);
  return scatterPng(points, data.labels ?? null, {
    classNames: data.classNames, title, xLabel: `PC 1 (${pct[0]} of variance)`, yLabel: `PC 2 (${pct[1]})`,
    note: `2-D projection (PCA) of a ${d}-D latent`,
  });
}

/**
 * The prior's density over a box holding the codes and 99 % of the prior's
 * mass (both axes), for shading under a scatter of 2-D codes.
 */
export function latentDensity(model: Autoencoder, codes: Float32Array): DensityGrid {
  const samples = tf.tidy(() => model.prior.sample({ seed: 303, n: 4000 }).dataSync() as Float32Array);
  const box = (axis: 0 | 1): [number, number] => {
    const prior = Float32Array.from({ length: 4000 }, (_, i) => samples[2 * i + axis]).sort();
    let lo = prior[Math.floor(0.005 * 4000)];
    let hi = prior[Math.floor(0.995 * 4000)];
    for (let i = axis; i < codes.length; i += 2) {
      if (Number.isFinite(codes[i])) {
        lo = Math.min(lo, codes[i]);
        hi = Math.max(hi, codes[i]);
      }
    }
    const pad = 0.04 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  return priorDensityGrid(model.prior, box(0), box(1), 120, 303);
}

/** The term a run is judged by: the −ELBO for a VAE, the reconstruction error otherwise. */

function lossFigure(records: readonly EpochRecord[]): Uint8Array {
  const x = records.map((r) => r.epoch);
  const { key, label } = headlineTerm(records[0].test);
  const series = [
    { name: `train ${label}`, x, y: records.map((r) => r.train[key]) },
    { name: `test ${label}`, x, y: records.map((r) => r.test[key]), dashed: true },
  ];
  return lineChartPng(series, { title: `${label === '−ELBO' ? 'Negative ELBO' : 'Reconstruction error'} per image`, xLabel: 'epoch', yLabel: 'nats per image' });
}

/** The semi-supervised model's test classification error per epoch, in percent. */
function errorFigure(records: readonly EpochRecord[]): Uint8Array {
  const x = records.map((r) => r.epoch);
  const best = records.reduce((b, r) => (r.test.error < b.test.error ? r : b));
  return lineChartPng([{ name: 'test error', x, y: records.map((r) => 100 * r.test.error) }], {
    title: `Test classification error per epoch (best ${(100 * best.test.error).toFixed(2)} % at epoch ${best.epoch})`, xLabel: 'epoch', yLabel: 'error, %',
  });
}

/**
 * The square of the latent plane the manifold figure covers: the 0.5–99.5 %
 * range of 4000 prior samples over both axes (≈ ±2.6 for N(0, I)).
 */
export function priorRange(model: Autoencoder): [number, number] {
  const v = tf.tidy(() => model.prior.sample({ seed: 4242, n: 4000 }).dataSync() as Float32Array);
  const sorted = Float32Array.from(v).sort();
  const lo = sorted[Math.floor(0.005 * sorted.length)];
  const hi = sorted[Math.floor(0.995 * sorted.length)];
  const r = Math.max(Math.abs(lo), Math.abs(hi));
  return [-Number(r.toFixed(2)), Number(r.toFixed(2))];
}
