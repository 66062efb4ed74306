/**
 * `latentlab train` as a library call: data → model → run folder → epochs
 * (progress, evaluation, metrics, checkpoints) → figures. Fresh runs that fail
 * or are interrupted before their first checkpoint leave no folder behind.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isAdversarialConfig, type Config } from '../core/config/schema.js';
import { mergeConfig, resolveConfig } from '../core/config/resolve.js';
import { isStreamed, materialize, take, withImageShape, type DataSource } from '../core/data/dataset.js';
import { checkLabels } from '../core/models/conditioning.js';
import { modelFamily } from '../core/models/registry.js';
import type { Autoencoder } from '../core/models/types.js';
import { fit, type EpochRecord } from '../core/training/fit.js';
import { DivergenceError } from '../core/training/divergence.js';
import { firstWeightDifference, optimizerFile } from '../core/io/run-layout.js';
import { printable } from '../core/util/text.js';
import type { Phase } from '../core/training/trainer.js';
import { dataOptions, loadTrainingSplits, type SourceSplits } from './datasets.js';
import { loadPriorResources } from './prior-file.js';
import { UserError } from './errors.js';
import { createReporter, formatTerms, type Reporter } from './progress.js';
import { progressLog } from './progress-log.js';
import { onStopSignal } from './signals.js';
import { writeRunFigures, type FigureFiles } from './run-figures.js';
import { disposeOptimizerState } from '../core/training/optimizer-state.js';
import { writeJsonAtomic } from './fs-atomic.js';
import { markTraining } from './training-marker.js';
import {
  appendMetrics, buildManifest, createRunFolder, loadCheckpointNets, loadOptimizerState, removeStaleTemporaries, runFiles, saveCheckpoint, truncateMetrics, uniquePhases, type Manifest, type OpenedRun,
} from './run-folder.js';

export interface TrainRunOptions {
  readonly config: Config;
  /** The run folder to create (fresh) — ignored when resuming. */
  readonly dir: string;
  readonly backend: string;
  /** Continue this run from its latest checkpoint. */
  readonly resume?: OpenedRun;
  /**
   * A fresh run whose nets start from this run's latest weights instead of
   * a random initialisation (`--init-from`): every net the new config
   * describes must be in it with the same weights (names and shapes); the
   * optimizers start afresh and the epochs count from 1.
   */
  readonly initFrom?: OpenedRun;
  readonly quiet?: boolean;
  readonly reporter?: Reporter;
  /**
   * The likelihood was not chosen (no --likelihood, none in the config file):
   * data with values outside [0, 1] (a table, float arrays) then gets a
   * Gaussian with learned variance instead of the Bernoulli default.
   */
  readonly likelihoodByData?: boolean;
  /**
   * The data, already loaded with the config's data options (compare trains
   * four models on one copy); otherwise trainRun loads config.data.source.
   */
  readonly data?: SourceSplits;
}

export interface TrainRunResult {
  readonly dir: string;
  readonly records: readonly EpochRecord[];
  readonly figures: FigureFiles;
  readonly model: Autoencoder;
}

/** A line on stderr while a folder of images decodes (a TTY only; large folders take a while). */
function imageProgress(quiet?: boolean): ((done: number, total: number) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  return (done, total) => process.stderr.write(`\rdecoding images ${done}/${total}${done === total ? '\n' : ''}`);
}

const train0 = (s: SourceSplits) => s.train.name.replace(/\/train$/, '');

/** What happened, what was kept, and what to try. */
function divergenceMessage(e: DivergenceError, config: Config, dir: string, lastGood: number): string {
  const rates = [`--lr (now ${config.train.optimizer.learningRate})`];
  if (isAdversarialConfig(config)) rates.push(`--discriminator-lr (now ${config.adversarial.discriminatorOptimizer.learningRate})`);
  const kept = lastGood > 0
    ? `nothing from epoch ${e.epoch} was saved: the run's latest checkpoint is still epoch ${lastGood} (${dir})`
    : `no epoch had finished, so nothing was kept`;
  const clip = config.train.clipGradNorm === undefined ? ', or clip the gradients (--clip-grad-norm 10)' : '';
  return `${e.message}\n  ${kept}.\n  Try smaller learning rates: ${rates.join(', ')}${config.likelihood.kind === 'gaussian' ? ', or a fixed --variance' : ''}${clip}.`;
}

function describeEpoch(r: EpochRecord, total: number): string {
  return `epoch ${String(r.epoch).padStart(String(total).length)}/${total}  train ${formatTerms(r.train)}  ${pc.bold(`test ${formatTerms(r.test)}`)}  ${r.seconds.toFixed(1)} s, ${Math.round(r.imagesPerSecond)} img/s`;
}

/** Builds the model (fresh or from the checkpoint) and its phases, restoring optimizer state. */
async function prepareModel(config: Config, train: DataSource, resume: OpenedRun | undefined, stepsPerEpoch: number, initFrom?: OpenedRun): Promise<{ model: Autoencoder; phases: Phase[] }> {
  const dataShape = train.shape;
  const family = modelFamily(config);
  const resources = loadPriorResources(config);
  if (!resume?.checkpoint) {
    const nets = initFrom ? await netsFromRun(initFrom, config, dataShape) : family.buildNets(config, dataShape);
    const model = family.create(config, dataShape, nets, resources);
    return { model, phases: family.phases(model, { stepsPerEpoch, train }) };
  }
  const nets = await loadCheckpointNets(resume, resume.checkpoint);
  const model = family.create(config, dataShape, nets, resources);
  const phases = family.phases(model, { stepsPerEpoch, train });
  for (const phase of uniquePhases(phases)) {
    const state = loadOptimizerState(resume.dir, resume.checkpoint, phase.name);
    try {
      phase.optimizer.setState(state);
    } catch (e) {
      // The state does not fit this phase's optimizer (another kind, other shapes): a damaged file or an edited config.json.
      model.dispose();
      throw new UserError(`${path.join(resume.dir, optimizerFile(resume.checkpoint.path, phase.name, 'json'))}: does not fit the ${phase.name} phase's optimizer (${printable((e as Error).message)})`);
    } finally {
      disposeOptimizerState(state);
    }
  }
  return { model, phases };
}

/**
 * The nets `config` describes, each holding the values of the net of that
 * name in `source`'s latest checkpoint (checked as a resume checks it). The
 * nets are built from `config`, not read from the source, so that nothing
 * but the values carries over; a net the source lacks, or one whose weights
 * differ in name or shape, is an error. The source's other nets (an AAE's
 * discriminator, for a VAE started from it) are left out.
 */
async function netsFromRun(source: OpenedRun, config: Config, dataShape: readonly number[]): Promise<Record<string, tfl.LayersModel>> {
  const what = `--init-from ${source.dir}`;
  if (!source.checkpoint) throw new UserError(`${what}: the run has no checkpoint yet (it stopped before its first epoch ended)`);
  const loaded = await loadCheckpointNets(source, source.checkpoint);
  const nets = modelFamily(config).buildNets(config, dataShape);
  try {
    for (const [name, net] of Object.entries(nets)) {
      const from = loaded[name];
      if (!from) throw new UserError(`${what}: it has no ${name} network for this model to start from (it has ${Object.keys(loaded).join(', ')}; its model is a ${source.config.model})`);
      const d = firstWeightDifference(net, from);
      if (d) throw new UserError(`${what}: its ${name} network is not this model's (weight ${d.index + 1}: this model has ${d.want}, the run has ${d.got}); start from a run of the same architecture`);
      net.setWeights(from.getWeights());
    }
    return nets;
  } catch (e) {
    for (const net of Object.values(nets)) net.dispose();
    throw e;
  } finally {
    for (const net of Object.values(loaded)) net.dispose();
  }
}

/** The first value outside [0, 1], as "v (example i)", or undefined. */
function firstOutsideUnit(ds: DataSource): string | undefined {
  if (isStreamed(ds)) return undefined; // image folders: intensities in [0, 1]
  const i = ds.x.findIndex((v) => !(v >= 0 && v <= 1));
  return i < 0 ? undefined : `${ds.x[i]} (example ${Math.floor(i / ds.dim)})`;
}

/** Bernoulli and discretised-logistic likelihoods model values in [0, 1]: a Gaussian for other data when the user left the choice open, else a clear error. */
function likelihoodForData(config: Config, train: DataSource, byData: boolean, reporter: Reporter): Config {
  const kind = config.likelihood.kind;
  if ((kind !== 'bernoulli' && kind !== 'discretized-logistic' && kind !== 'continuous-bernoulli') || train.values !== 'real') return config;
  const outside = firstOutsideUnit(train);
  if (!outside) return config;
  if (byData) {
    reporter.log(pc.dim(`${train.name} holds values outside [0, 1] (${outside}): a Gaussian likelihood with learned variance (choose with --likelihood)`));
    return resolveConfig(mergeConfig(config, { likelihood: { kind: 'gaussian', variance: 'learned' } }));
  }
  throw new UserError(`--likelihood ${kind} models values in [0, 1], but ${train.name} holds ${outside}; use --likelihood gaussian`);
}

/** What a run's manifest records about its data, from the splits it was trained on. */
export function manifestDataOf(config: Config, loaded: Pick<SourceSplits, 'format' | 'heldOut'>, train: DataSource, test: DataSource): Manifest['data'] {
  return {
    source: config.data.source, shape: train.shape, train: train.size, test: test.size, numClasses: train.numClasses,
    ...(loaded.format ? { format: loaded.format } : {}),
    ...(loaded.heldOut !== undefined ? { heldOut: loaded.heldOut } : {}),
    ...(train.classNames ? { classNames: train.classNames } : {}),
    ...(train.standardization ? { standardization: train.standardization } : {}),
  };
}

export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { backend, resume } = options;
  const dir = resume?.dir ?? options.dir;
  const reporter = options.reporter ?? createReporter({ quiet: options.quiet });
  const loaded = options.data ?? loadTrainingSplits(options.config.data.source, { ...dataOptions(options.config.data), onProgress: imageProgress(options.quiet) });
  if (loaded.streamed) reporter.log(pc.dim(`${train0(loaded)}: read from disk batch by batch (too large to hold in memory as float32)`));
  // A resumed run reads its images grey or colour as it was trained (the two ways of reading a folder can differ; withImageShape).
  const [train, test] = resume ? [withImageShape(loaded.train, resume.manifest.data.shape), withImageShape(loaded.test, resume.manifest.data.shape)] : [loaded.train, loaded.test];
  const config = likelihoodForData(options.config, train, !resume && options.likelihoodByData === true, reporter);
  if (resume && resume.manifest.dataDim !== train.dim) {
    throw new UserError(`${dir}: the run was trained on examples of ${resume.manifest.dataDim} values, the data has ${train.dim}`);
  }
  // A conv net reads the image's shape, not only its size.
  const convNets = config.encoder.kind === 'conv' || config.decoder.kind === 'conv';
  if (resume && convNets && resume.manifest.data.shape.join('×') !== train.shape.join('×')) {
    throw new UserError(`${dir}: the run's conv nets were trained on examples of shape ${resume.manifest.data.shape.join('×')}, the data has ${train.shape.join('×')}`);
  }
  checkLabels(config, train);
  checkLabels(config, test);
  const stepsPerEpoch = Math.ceil(train.size / config.train.batchSize);
  const initFrom = resume ? undefined : options.initFrom;
  const { model, phases } = await prepareModel(config, train, resume, stepsPerEpoch, initFrom);
  // A resume with more epochs or a learning-rate drop records its config only once the checkpoint has loaded.
  if (resume && JSON.stringify(config) !== JSON.stringify(resume.config)) writeJsonAtomic(path.join(dir, runFiles.config), config);
  const completed = resume?.checkpoint?.epoch ?? 0;
  if (resume) {
    const stale = removeStaleTemporaries(dir);
    if (stale.length) reporter.log(`removed ${stale.length} temporary file(s) an interrupted write had left in ${dir}`);
  }
  let records: EpochRecord[] = resume ? truncateMetrics(dir, completed) : [];
  let checkpointed = completed > 0;
  if (!resume) {
    const manifest = await buildManifest(model, backend, manifestDataOf(config, loaded, train, test));
    const start = initFrom?.checkpoint && { run: initFrom.dir, epoch: initFrom.checkpoint.epoch, ...(initFrom.manifest.configDigest ? { configDigest: initFrom.manifest.configDigest } : {}) };
    createRunFolder(dir, config, start ? { ...manifest, initFrom: start } : manifest);
    if (start) reporter.log(pc.dim(`nets start from ${start.run}, epoch ${start.epoch}; the optimizer starts afresh`));
  }
  let unmark = () => {};
  // Ctrl-C, SIGTERM and SIGHUP alike: the last checkpoint is complete (they are written atomically), so it stays.
  const stopListening = onStopSignal((signal, exitCode) => {
    reporter.stop();
    unmark();
    if (!checkpointed && !resume) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(checkpointed ? `\ninterrupted (${signal}); continue with: latentlab train --resume ${dir}\n` : `\ninterrupted (${signal}) before the first checkpoint; nothing kept\n`);
    process.exit(exitCode);
  });
  const logProgress = progressLog(dir, { keepThrough: completed });
  // training.json: a process trains this folder (latentlab serve shows it live). It goes however training ends.
  unmark = markTraining(dir);
  try {
    if (completed >= config.train.epochs) reporter.log(`${dir}: already trained for ${completed} epochs (raise --epochs to continue)`);
    await fit({
      model, family: modelFamily(config), phases, train, test, epochs: config.train.epochs, completedEpochs: completed,
      startStep: resume?.checkpoint?.step ?? 0,
      onEpochStart: (epoch, batches) => reporter.start(`epoch ${epoch}/${config.train.epochs}`, batches),
      onProgress: (epoch, p) => {
        reporter.update(p.batch, p.terms);
        logProgress(epoch, p);
      },
      onEpochEnd: async (record) => {
        reporter.stop();
        appendMetrics(dir, record);
        try {
          await saveCheckpoint(dir, model, phases, record.epoch, record.step);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          // A refused write (a full disk, permissions): the previous checkpoint is intact; say so.
          const lastGood = checkpointed ? records.at(-1)!.epoch : resume ? completed : 0;
          try {
            if (lastGood > 0) truncateMetrics(dir, lastGood); // best effort: a resume truncates it too
          } catch {
            // the disk may be too full even for that
          }
          throw new UserError(`${e.message}\n  epoch ${record.epoch} was not saved; ${lastGood > 0 ? `the run's latest checkpoint is still epoch ${lastGood} (${dir})` : 'no epoch had been saved, so nothing was kept'}.`, { cause: e });
        }
        checkpointed = true;
        records = [...records, record];
        reporter.log(describeEpoch(record, config.train.epochs));
      },
    });
  } catch (e) {
    reporter.stop();
    unmark();
    model.dispose();
    if (!checkpointed && !resume) rmSync(dir, { recursive: true, force: true });
    if (e instanceof DivergenceError) throw new UserError(divergenceMessage(e, config, dir, checkpointed ? records.at(-1)?.epoch ?? completed : 0));
    throw e;
  } finally {
    stopListening();
    // The optimizers' state (Adam's moments: twice the weights) is saved in the checkpoint; the caller keeps only the model.
    for (const phase of uniquePhases(phases)) phase.optimizer.dispose();
  }
  // Figures use the first test examples; a streamed split is read in for them (2,000 at most).
  let figures: FigureFiles;
  try {
    figures = writeRunFigures(dir, model, isStreamed(test) ? materialize(take(test, 2000)) : test, records);
  } finally {
    unmark();
  }
  return { dir, records, figures, model };
}
