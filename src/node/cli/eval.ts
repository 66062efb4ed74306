import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import type { Config } from '../../core/config/schema.js';
import { batches, binarizedOnce, evaluationBatchSize, mapInParts, materialize, readRows, take, withImageShape, type DataSource } from '../../core/data/dataset.js';
import type { Autoencoder } from '../../core/models/types.js';
import { evaluateObjective } from '../../core/metrics/evaluate.js';
import { importanceWeightedBound } from '../../core/metrics/iw.js';
import { componentAccuracy, encodeData } from '../../core/metrics/latent-match.js';
import { activeUnits, type ActiveUnits } from '../../core/metrics/active-units.js';
import { GaussianMixture } from '../../core/priors/mixture.js';
import { DEFAULT_PARZEN_SIGMAS, parzenEstimate } from '../../core/metrics/parzen.js';
import { checkLabels } from '../../core/models/conditioning.js';
import { modelFamily, termInfo } from '../../core/models/registry.js';
import type { CategoricalAutoencoder } from '../../core/models/categorical-aae.js';
import { assignClusters, clusterError } from '../../core/metrics/clusters.js';
import { evaluationSeed } from '../../core/training/fit.js';
import { deriveSeed } from '../../core/util/random.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { dataOptions, loadTrainingSplits } from '../datasets.js';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { createReporter, type Reporter } from '../progress.js';
import { sampleImages } from '../run-figures.js';
import { intArg } from './options.js';

interface EvalFlags { iw?: number; binarize?: boolean; '8Bit'?: boolean; limit?: number; seed: number; backend: BackendChoice; json?: boolean; quiet?: boolean; parzen?: boolean; parzenSamples: number; parzenValidation: number }

export async function runEval(dir: string, flags: EvalFlags): Promise<Record<string, unknown>> {
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  // A large image folder is read from disk batch by batch, as in training.
  const splits = loadTrainingSplits(run.config.data.source, dataOptions(run.config.data, { limits: false }));
  const [fullTrain, fullTest] = [withImageShape(splits.train, run.manifest.data.shape), withImageShape(splits.test, run.manifest.data.shape)];
  const limited = take(fullTest, flags.limit ?? run.config.data.testLimit);
  if (flags.binarize && flags['8Bit']) throw new UserError('--binarize and --8-bit: binarised images are not 8-bit values; choose one');
  const test = flags.binarize ? binarizedOnce(limited) : limited;
  const reporter = createReporter({ quiet: flags.quiet || flags.json });
  checkLabels(run.config, test);
  const elbo = await evaluateObjective((x, s, labels) => modelFamily(run.config).evaluate(model, x, s, labels), test, { seed: evaluationSeed(run.config.seed) });
  const result: Record<string, unknown> = { run: dir, model: run.config.model, epoch: run.checkpoint?.epoch, images: test.size, ...(flags.binarize ? { binarized: true } : {}), terms: elbo };
  // The means of q(z|x) of the test images, encoded once for whichever number below reads them.
  let means: Float32Array | undefined;
  const testMeans = async () => (means ??= await mapInParts(test, 2000, model.latentDim, (part) => encodeData(model, part)));
  if (modelFamily(run.config).hasPosteriorDensity(run.config) && test.size >= 2) {
    // Burda et al.'s active units: the dimensions whose q(z|x) mean moves with x.
    result.activeUnits = activeUnits(await testMeans(), test.size, model.latentDim);
  }
  if (run.config.labels.use === 'prior' && model.prior instanceof GaussianMixture && test.labels) {
    // Label-guided: how many test codes sit nearest their own class's component.
    result.componentAccuracy = componentAccuracy(await testMeans(), test.labels, model.prior.means);
  }
  if (run.config.model === 'clustering-aae' && test.labels && fullTrain.labels) {
    // Each cluster takes its training images' most frequent label (Makhzani et al. 2015, §6).
    const m = model as CategoricalAutoencoder;
    const trainPart = take(fullTrain, run.config.data.trainLimit ?? fullTrain.size);
    const assign = (data: DataSource) => mapInParts(data, 2000, 1, (part) => assignClusters(m, part));
    const clusters = clusterError(m.classes, { assigned: await assign(trainPart), labels: trainPart.labels! }, { assigned: await assign(test), labels: test.labels });
    result.clustering = { error: clusters.error, clusterLabels: [...clusters.clusterLabels], trainImagesPerCluster: [...clusters.sizes] };
  }
  if (flags.iw) {
    if (!modelFamily(run.config).hasPosteriorDensity(run.config)) {
      const hint = run.config.model === 'aae' || run.config.model === 'wae' ? ' (train it with --encoder gaussian), or use --parzen' : '; use --parzen instead';
      throw new UserError(`--iw: the importance-weighted bound needs q(z|x) to have a density; this ${run.config.model} has a deterministic encoder${hint}`);
    }
    reporter.start(`IW bound, K=${flags.iw}`, test.size);
    const iw = await importanceWeightedBound(model, test, {
      k: flags.iw, seed: deriveSeed(flags.seed, 31), onProgress: (done) => reporter.update(done),
    });
    reporter.stop();
    result.importanceWeighted = iw;
  }
  if (flags['8Bit']) result.eightBit = await eightBitBounds(run.config, model, test, flags, reporter);
  if (flags.parzen) {
    // σ is chosen on the last images of the training split, which the test set never sees.
    const validationCount = Math.min(flags.parzenValidation, fullTrain.size);
    const validation = readRows(fullTrain, Int32Array.from({ length: validationCount }, (_, i) => fullTrain.size - validationCount + i));
    const samples = tf.tensor2d(sampleImages(model, flags.parzenSamples, deriveSeed(flags.seed, 37)), [flags.parzenSamples, fullTrain.dim]);
    const parzen = parzenEstimate(samples, validation, materialize(test).x, test.dim, DEFAULT_PARZEN_SIGMAS);
    samples.dispose();
    result.parzen = { samples: flags.parzenSamples, validationImages: validationCount, ...parzen };
  }
  writeJsonAtomic(path.join(dir, 'eval.json'), result);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result;
  }
  const described: Record<string, string> = {
    loss: '−ELBO (upper bound on −log p(x))',
    reconstruction: 'reconstruction  E_q[−log p(x|z)]',
    kl: 'KL(q(z|x) ‖ p(z))',
    discriminator: 'discriminator loss (BCE, real + fake)',
    generator: 'generator loss (BCE)',
    categoryDiscriminator: 'category discriminator loss (BCE)',
    categoryGenerator: 'category generator loss (BCE)',
    balance: 'category balance  KL(ȳ ‖ uniform)',
    mmd: 'MMD²(q(z), p(z))  (no unit)',
    error: 'test classification error (fraction)',
  };
  const lines = [
    `${pc.bold(dir)} — ${run.config.model}, epoch ${run.checkpoint?.epoch}, ${test.size} test images${result.binarized ? ' (binarised once)' : ''}, nats per image`,
    ...Object.entries(elbo).filter(([k]) => k !== 'error').map(([k, v]) => `  ${(described[k] ?? k).padEnd(36)} ${v.toFixed(termInfo(k).digits ?? 2)}`),
  ];
  const active = result.activeUnits as ActiveUnits | undefined;
  if (active) {
    const layer = run.config.model === 'vae' && run.config.latentLayers.length > 0 ? ', top layer' : '';
    lines.push(`  ${`active units (Var_x E_q[z_u] > ${active.threshold}${layer})`.padEnd(36)} ${active.count} of ${active.of}`);
  }
  if (typeof result.componentAccuracy === 'number') {
    lines.push(`  ${'codes nearest their class\'s component'.padEnd(36)} ${(100 * result.componentAccuracy).toFixed(1)} % (label-guided; chance ≈ ${(100 / run.config.labels.classes).toFixed(0)} %)`);
  }
  const clustering = result.clustering as { error: number; trainImagesPerCluster: number[] } | undefined;
  if (clustering) {
    const used = clustering.trainImagesPerCluster.filter((n) => n > 0).length;
    lines.push(`  ${'clustering error (cluster → majority label)'.padEnd(36)} ${(100 * clustering.error).toFixed(2)} % (${used} of ${clustering.trainImagesPerCluster.length} clusters in use)`);
  }
  if (typeof elbo.error === 'number') lines.push(`  ${'test classification error'.padEnd(36)} ${(100 * elbo.error).toFixed(2)} %`);
  const iw = result.importanceWeighted as { k: number; nll: number } | undefined;
  if (iw) lines.push(`  −L_K, K=${iw.k} (importance-weighted) ${iw.nll.toFixed(2)}`);
  const eightBit = result.eightBit as EightBitResult | undefined;
  if (eightBit) {
    lines.push(`  ${'−ELBO on the 8-bit values'.padEnd(36)} ${eightBit.elbo.toFixed(2)} (${eightBit.bitsPerValue.toFixed(3)} bits per value)`);
    if (eightBit.importanceWeighted) lines.push(`  −L_K, K=${eightBit.importanceWeighted.k}, on the 8-bit values ${eightBit.importanceWeighted.nll.toFixed(2)}`);
  }
  const parzen = result.parzen as { logLikelihood: number; standardError: number; sigma: number; samples: number } | undefined;
  if (parzen) lines.push(`  Parzen log-likelihood (${parzen.samples} samples, σ = ${parzen.sigma.toFixed(3)})  ${parzen.logLikelihood.toFixed(1)} ± ${parzen.standardError.toFixed(1)} (higher is better)`);
  if (run.config.labels.use === 'conditional') lines.push(pc.dim('  the model sees each image\'s label: the bounds are on log p(x | y)'));
  lines.push(pc.dim(`  written to ${path.join(dir, 'eval.json')}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return result;
}

interface EightBitResult { elbo: number; bitsPerValue: number; importanceWeighted?: { k: number; nll: number } }

/**
 * The bounds on the probability of the test set's 8-bit values: each value's
 * probability is the likelihood's mass over its bin of 1/255 (one sample of
 * z per image for the ELBO, K for the importance-weighted bound), so
 * likelihoods with densities (Gaussian, continuous Bernoulli) compare with the
 * discretised logistic, and with each other, in the same nats.
 */
async function eightBitBounds(config: Config, model: Autoencoder, test: DataSource, flags: EvalFlags, reporter: Reporter): Promise<EightBitResult> {
  if (!modelFamily(config).hasPosteriorDensity(config)) {
    throw new UserError(`--8-bit: the bound needs q(z|x) to have a density; this ${config.model} has a deterministic encoder`);
  }
  if (config.likelihood.kind === 'bernoulli') {
    throw new UserError('--8-bit: a Bernoulli likelihood models the values 0 and 1 only, not 256 levels; train with --likelihood discretized-logistic, gaussian or continuous-bernoulli to compare bounds on 8-bit data');
  }
  for (const batch of batches(test, { batchSize: evaluationBatchSize(test.dim) })) {
    const { x } = batch;
    for (let i = 0; i < x.length; i++) {
      const level = x[i] * 255;
      if (!(level >= -1e-3 && level <= 255 + 1e-3) || Math.abs(level - Math.round(level)) > 1e-3) {
        const example = batch.indices[Math.floor(i / test.dim)];
        throw new UserError(`--8-bit: the test data (${config.data.source}) are not 8-bit values: value ${i % test.dim} of example ${example} is ${x[i]}, not a multiple of 1/255 in [0, 1]`);
      }
    }
  }
  const seed = deriveSeed(flags.seed, 41);
  reporter.start('8-bit ELBO', test.size);
  const elbo = await importanceWeightedBound(model, test, { k: 1, seed, eightBit: true, onProgress: (done) => reporter.update(done) });
  reporter.stop();
  const result: EightBitResult = { elbo: elbo.nll, bitsPerValue: elbo.nll / (test.dim * Math.LN2) };
  if (flags.iw) {
    reporter.start(`8-bit IW bound, K=${flags.iw}`, test.size);
    const iw = await importanceWeightedBound(model, test, { k: flags.iw, seed, eightBit: true, onProgress: (done) => reporter.update(done) });
    reporter.stop();
    result.importanceWeighted = { k: iw.k, nll: iw.nll };
  }
  return result;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('test-set terms in nats per image (VAE: −ELBO, reconstruction, KL; AAE: reconstruction and adversarial losses; semi-supervised AAE: classification error; clustering AAE: clustering error), the importance-weighted bound and the Parzen estimate')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .option('--iw <K>', 'also compute the importance-weighted bound with K samples per image (Burda et al. 2015); K=5000 is the usual yardstick', intArg(1))
    .option('--8-bit', 'also the bounds on the test set as 8-bit values: each value\'s probability is the likelihood\'s mass over its bin of 1/255, so a Gaussian or continuous-Bernoulli model compares with a discretised-logistic one in the same nats (with --iw, the importance-weighted bound too)')
    .option('--limit <n>', 'evaluate the first N test images only (the IW bound costs K decoder passes per image)', intArg(1))
    .option('--binarize', 'evaluate on the test images binarised once (each value x ~ Bernoulli(intensity), a fixed seed): the test set of the likelihood papers for a model trained with --binarize dynamic')
    .option('--parzen', 'also estimate the Parzen-window log-likelihood of the test set from decoded prior samples (σ chosen on the last training images)')
    .option('--parzen-samples <n>', 'decoded samples for the Parzen window', intArg(2), 10000)
    .option('--parzen-validation <n>', 'training images (from the end) that choose σ', intArg(1), 1000)
    .option('--seed <n>', 'seed for the importance and Parzen samples', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--json', 'print the result as one JSON line')
    .option('-q, --quiet', 'no progress bar')
    .addHelpText('after', `
Active units (Burda et al. 2015): for every model whose q(z|x) has a density,
the latent dimensions whose mean E_q[z_u] varies over the test images by more
than 0.01 (Var_x); a collapsed dimension (q(z_u|x) ≈ p(z_u) for every x) is one
the decoder cannot use. The variance of each dimension is in eval.json.

The result is also written to <run_dir>/eval.json.
Cost: the IW bound decodes K samples per image; K=5000 on all 10,000 MNIST test
images is ~5·10⁷ decoder passes (tens of minutes on 2 cores). Use --limit to try it first.`)
    .action(async (dir: string, flags: EvalFlags) => {
      await runEval(dir, flags);
    });
}
