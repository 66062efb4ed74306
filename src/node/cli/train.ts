import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { mergeConfig, resolveConfig } from '../../core/config/resolve.js';
import { AdversarialSchema, isAdversarialConfig, type Config } from '../../core/config/schema.js';
import { withLearningRateDrop, withoutSchedules } from '../../core/config/lr-drop.js';
import { withArticle } from '../../core/util/text.js';

const ADVERSARIAL_DEFAULTS = AdversarialSchema.parse({});
/** The models with a discriminator (an `adversarial` slice). */
const ADVERSARIAL_MODELS: readonly string[] = ['aae', 'semi-supervised-aae', 'clustering-aae'];
import { BACKENDS, describeBackend, initBackend, type BackendChoice } from '../backend.js';
import { UserError } from '../errors.js';
import { openRunFolder } from '../run-folder.js';
import { presetNames, readConfigFile, readPreset } from '../presets.js';
import { trainRun, type TrainRunResult } from '../train-run.js';
import { headlineTerm, modelFamily } from '../../core/models/registry.js';
import { classListArg, floatArg, intArg, listArg, sizeArg } from './options.js';

export interface TrainFlags {
  model?: string; net?: string; config?: string; preset?: string; latentDim?: number; hidden?: number[]; encoderHidden?: number[]; decoderHidden?: number[];
  activation?: string; likelihood?: string; variance?: string; epochs?: number; batchSize?: number; lr?: number; beta?: number; klWarmup?: number; clipGradNorm?: number;
  binarize?: string; data?: string; testFraction?: number; resize?: [number, number]; labelColumn?: string; labelFile?: string; trainClasses?: number[]; trainLimit?: number; testLimit?: number; seed?: number; backend: BackendChoice; out: string; name?: string;
  resume?: string; initFrom?: string; quiet?: boolean; prior?: string; priorComponents?: number; priorRadius?: number; priorStd?: number;
  encoder?: string; mmdWeight?: number; discriminatorHidden?: number[]; discriminatorSteps?: number; discriminatorLr?: number; generatorLr?: number; generatorWeight?: number; generator?: string; inputNoise?: number; priorFile?: string; labels?: string; labelledFraction?: number; classes?: number; labelled?: number; clusters?: number; lrDrop?: number; constantLr?: boolean;
  objective?: string; k?: number; iwGradient?: 'standard' | 'dreg'; latentLayers?: number[];
}

/** Which config field each flag sets (for error messages). */
const flagOf: Record<string, string> = {
  prior: '--prior', 'prior.components': '--prior-components', 'prior.radius': '--prior-radius', 'prior.std': '--prior-std', 'prior.file': '--prior-file',
  'adversarial.discriminatorSteps': '--discriminator-steps', 'adversarial.discriminator.hidden': '--discriminator-hidden',
  'adversarial.discriminatorOptimizer.learningRate': '--discriminator-lr', 'adversarial.generatorOptimizer.learningRate': '--generator-lr',
  'adversarial.generator': '--generator', 'adversarial.generatorWeight': '--generator-weight', 'adversarial.inputNoise': '--input-noise',
  'encoder.activation': '--activation', 'decoder.activation': '--activation', likelihood: '--likelihood/--variance',
  'encoder.kind': '--net', 'decoder.kind': '--net',
  'data.source': '--data', 'data.binarize': '--binarize', 'data.testFraction': '--test-fraction', 'data.resize': '--resize', 'data.labelColumn': '--label-column', 'data.labelFile': '--label-file', 'data.trainClasses': '--train-classes',
  model: '--model', latentDim: '--latent-dim', 'encoder.hidden': '--hidden/--encoder-hidden', 'decoder.hidden': '--hidden/--decoder-hidden',
  'train.epochs': '--epochs', 'train.batchSize': '--batch-size', 'train.optimizer.learningRate': '--lr', 'train.beta': '--beta',
  'train.klWarmupEpochs': '--kl-warmup', 'train.clipGradNorm': '--clip-grad-norm', seed: '--seed', 'data.trainLimit': '--train-limit', 'data.testLimit': '--test-limit',
  'labels.use': '--labels', 'labels.fraction': '--labelled-fraction', 'labels.classes': '--classes',
  'categorical.classes': '--classes/--clusters', 'categorical.labelled': '--labelled',
  'objective.kind': '--objective', 'objective.k': '--k', 'objective.gradient': '--iw-gradient', objective: '--objective', latentLayers: '--latent-layers',
  'adversarial.encoder': '--encoder', 'wae.encoder': '--encoder', 'wae.mmdWeight': '--mmd-weight',
};

/** The flag that sets config field `key` or the field it lies in ("encoder.hidden.0" → --hidden/--encoder-hidden). */
function flagFor(key: string): string | undefined {
  for (let parts = key.split('.'); parts.length; parts = parts.slice(0, -1)) {
    const flag = flagOf[parts.join('.')];
    if (flag) return flag;
  }
  return undefined;
}

function lrDrop(config: Config, epoch: number): Config {
  try {
    return withLearningRateDrop(config, epoch);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`--lr-drop: ${e.message}`);
    throw e;
  }
}

function likelihoodFromFlags(kind?: string, variance?: string): unknown {
  if (!kind && variance !== undefined) throw new UserError('--variance applies only with --likelihood gaussian');
  if (!kind) return undefined;
  if (kind === 'bernoulli' || kind === 'discretized-logistic' || kind === 'continuous-bernoulli') {
    if (variance !== undefined) throw new UserError('--variance applies only with --likelihood gaussian');
    return { kind };
  }
  if (variance === undefined || variance === 'learned') return { kind, variance: 'learned' };
  const v = Number(variance);
  if (!Number.isFinite(v) || v <= 0) throw new UserError(`--variance: expected 'learned' or a positive number, got '${variance}'`);
  return { kind, variance: v };
}

/** Which priors each prior flag shapes; given for another prior, it would be an unknown key or silently unused. */
const PRIOR_FLAGS = [
  ['--prior-components', 'priorComponents', ['gaussian-mixture', 'swiss-roll', 'vamp']],
  ['--prior-radius', 'priorRadius', ['gaussian-mixture']],
  ['--prior-std', 'priorStd', ['gaussian-mixture']],
] as const;

/** Refuses prior flags that do not apply to the prior the flags choose (--prior, gaussian-mixture when left out; --prior-file: samples). */
function checkPriorFlags(flags: TrainFlags): void {
  const given = PRIOR_FLAGS.filter(([, key]) => flags[key] !== undefined);
  if (flags.priorFile !== undefined) {
    const others = [...(flags.prior !== undefined ? ['--prior'] : []), ...given.map(([flag]) => flag)];
    if (others.length) throw new UserError(`--prior-file gives the prior by its samples; ${others.join(', ')} do${others.length === 1 ? 'es' : ''} not apply to it`);
    return;
  }
  const kind = flags.prior ?? 'gaussian-mixture';
  for (const [flag, , kinds] of given) {
    if (!(kinds as readonly string[]).includes(kind)) throw new UserError(`${flag} applies to --prior ${kinds.join(' or ')}, not ${kind}`);
  }
}

/**
 * The config with its data folder, label file and prior samples file made
 * absolute (from the working folder), so eval, --resume and an exported
 * package work from any folder.
 */
export function withAbsolutePaths(config: Config, source: string): Config {
  const data = config.data.source;
  const labelFile = config.data.labelFile;
  const absolute = {
    data: (data === 'mnist' || path.isAbsolute(data)) && (labelFile === undefined || path.isAbsolute(labelFile)) ? undefined
      : { source: data === 'mnist' ? data : path.resolve(data), labelFile: labelFile === undefined ? undefined : path.resolve(labelFile) },
    prior: config.prior.kind === 'samples' && !path.isAbsolute(config.prior.file) ? { file: path.resolve(config.prior.file) } : undefined,
  };
  return absolute.data || absolute.prior ? resolveConfig(mergeConfig(config, absolute), source) : config;
}

/** The --config file or --preset the flags start from (an empty object when neither). */
function baseConfig(flags: TrainFlags): object {
  if (flags.config && flags.preset) throw new UserError('use --config FILE or --preset NAME, not both');
  const base = flags.config ? readConfigFile(flags.config) : flags.preset ? readPreset(flags.preset) : {};
  if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new UserError(`${flags.config ?? `preset ${flags.preset}`}: expected a JSON object of settings (see presets/ for the format)`);
  return base;
}

/** True when neither a flag nor the --config file / --preset chooses the likelihood (the data may then choose it). */
export function likelihoodLeftOpen(flags: TrainFlags): boolean {
  return flags.likelihood === undefined && flags.variance === undefined && !('likelihood' in baseConfig(flags));
}

/**
 * `base` with its encoder and decoder of the kind --net names: a net of
 * another kind is replaced by that kind's defaults (its settings do not
 * carry over), one of the same kind is kept.
 */
function withNet(base: object, net: string | undefined): object {
  if (net === undefined) return base;
  const nets = base as { encoder?: { kind?: unknown }; decoder?: { kind?: unknown } };
  const pick = (spec: { kind?: unknown } | undefined) => ((spec?.kind ?? 'mlp') === net ? spec : net === 'conv' ? { kind: 'conv' } : {});
  return { ...base, encoder: pick(nets.encoder), decoder: pick(nets.decoder) };
}

/** The config as flags override it (flags win over --config, which wins over --preset). */
export function configFromFlags(flags: TrainFlags): Config {
  const likelihood = likelihoodFromFlags(flags.likelihood, flags.variance);
  // --likelihood replaces the file's likelihood whole: a Gaussian's variance does not carry over to a Bernoulli.
  const base = { ...withNet(baseConfig(flags), flags.net), ...(likelihood ? { likelihood } : {}) };
  const act = flags.activation;
  const baseObject = base as { model?: unknown; adversarial?: Record<string, unknown> };
  const model = flags.model ?? baseObject.model;
  if (flags.clusters !== undefined && model !== 'clustering-aae') throw new UserError('--clusters applies to --model clustering-aae');
  if (flags.labelled !== undefined && model !== 'semi-supervised-aae') throw new UserError('--labelled applies to --model semi-supervised-aae');
  const adversarialFlags = ([
    ['--discriminator-hidden', flags.discriminatorHidden], ['--discriminator-steps', flags.discriminatorSteps], ['--discriminator-lr', flags.discriminatorLr],
    ['--generator', flags.generator], ['--generator-weight', flags.generatorWeight], ['--generator-lr', flags.generatorLr], ['--input-noise', flags.inputNoise],
  ] as const).filter(([, v]) => v !== undefined).map(([name]) => name);
  const kind = String(model ?? 'vae');
  if (adversarialFlags.length && !ADVERSARIAL_MODELS.includes(kind)) {
    throw new UserError(`${adversarialFlags.join(', ')}: for the adversarial models (--model aae, semi-supervised-aae or clustering-aae); ${withArticle(kind)} has no discriminator`);
  }
  if (flags.mmdWeight !== undefined && kind !== 'wae') throw new UserError(`--mmd-weight: for the Wasserstein autoencoder (--model wae); ${withArticle(kind)} has no MMD penalty`);
  if (flags.encoder !== undefined && kind !== 'aae' && kind !== 'wae') {
    throw new UserError(`--encoder: for --model aae or wae, whose encoder may be deterministic or Gaussian; ${kind === 'vae' ? "a vae's encoder is always Gaussian" : `${withArticle(kind)}'s is deterministic`}`);
  }
  if ((flags.objective !== undefined || flags.k !== undefined || flags.iwGradient !== undefined) && (model ?? 'vae') !== 'vae') {
    throw new UserError(`${flags.objective !== undefined ? '--objective' : flags.k !== undefined ? '--k' : '--iw-gradient'}: for --model vae (the ${model} trains its own objective)`);
  }
  if (flags.latentLayers !== undefined && (model ?? 'vae') !== 'vae') throw new UserError(`--latent-layers: for --model vae (a ${model} has one latent layer)`);
  const baseIwae = (base as { objective?: { kind?: string } }).objective?.kind === 'iwae';
  if (flags.k !== undefined && flags.objective !== 'iwae' && !baseIwae) {
    throw new UserError('--k: the number of importance samples of --objective iwae');
  }
  if (flags.iwGradient !== undefined && (flags.objective === 'elbo' || (flags.objective !== 'iwae' && !baseIwae))) {
    throw new UserError('--iw-gradient: the gradient estimator of --objective iwae');
  }
  checkPriorFlags(flags);
  // The semi-supervised and clustering AAEs have a categorical code of their own: --classes sets its size.
  const categoricalCode = model === 'semi-supervised-aae' || model === 'clustering-aae';
  // A learning-rate flag changes the rate of the phase's optimizer as the file or the defaults give it (kind, β₁ …).
  const phaseRate = (key: 'discriminatorOptimizer' | 'generatorOptimizer', rate: number | undefined) => (rate === undefined ? undefined
    : { ...(baseObject.adversarial?.[key] as object | undefined ?? ADVERSARIAL_DEFAULTS[key]), learningRate: rate });
  const override = {
    model: flags.model,
    seed: flags.seed,
    latentDim: flags.latentDim,
    encoder: { hidden: flags.encoderHidden ?? flags.hidden, activation: act },
    decoder: { hidden: flags.decoderHidden ?? (flags.hidden ? [...flags.hidden].reverse() : undefined), activation: act },
    likelihood,
    prior: flags.priorFile
      ? { kind: 'samples', file: flags.priorFile }
      : flags.prior || flags.priorComponents || flags.priorRadius || flags.priorStd
        ? { kind: flags.prior ?? 'gaussian-mixture', components: flags.priorComponents, radius: flags.priorRadius, std: flags.priorStd }
        : undefined,
    labels: { use: flags.labels, fraction: flags.labelledFraction, classes: categoricalCode ? undefined : flags.classes },
    categorical: { classes: flags.clusters ?? (categoricalCode ? flags.classes : undefined), labelled: flags.labelled },
    wae: { encoder: kind === 'wae' ? flags.encoder : undefined, mmdWeight: flags.mmdWeight },
    adversarial: {
      encoder: kind === 'aae' ? flags.encoder : undefined,
      discriminator: { hidden: flags.discriminatorHidden }, discriminatorSteps: flags.discriminatorSteps, inputNoise: flags.inputNoise,
      generator: flags.generator ?? (flags.generatorLr !== undefined ? 'separate' : undefined), generatorWeight: flags.generatorWeight,
      discriminatorOptimizer: phaseRate('discriminatorOptimizer', flags.discriminatorLr), generatorOptimizer: phaseRate('generatorOptimizer', flags.generatorLr),
    },
    data: {
      source: flags.data, binarize: flags.binarize, trainLimit: flags.trainLimit, testLimit: flags.testLimit,
      testFraction: flags.testFraction, resize: flags.resize, labelColumn: flags.labelColumn, labelFile: flags.labelFile, trainClasses: flags.trainClasses,
    },
    train: { epochs: flags.epochs, batchSize: flags.batchSize, beta: flags.beta, klWarmupEpochs: flags.klWarmup, clipGradNorm: flags.clipGradNorm, optimizer: { learningRate: flags.lr } },
    latentLayers: flags.latentLayers?.map((size) => ({ size })),
    objective: flags.objective === 'elbo' ? { kind: 'elbo' } : flags.objective === 'iwae' || flags.k !== undefined || flags.iwGradient !== undefined ? { kind: 'iwae', k: flags.k, gradient: flags.iwGradient } : undefined,
  };
  const source = flags.config ?? (flags.preset ? `preset ${flags.preset}` : 'configuration');
  try {
    const resolved = resolveConfig(mergeConfig(base, override), source);
    const constant = flags.constantLr ? withoutSchedules(resolved) : resolved;
    const config = flags.lrDrop === undefined ? constant : lrDrop(constant, flags.lrDrop);
    return withAbsolutePaths(config, source);
  } catch (e) {
    if (e instanceof Error && 'issues' in e) {
      const issues = (e as { issues: string[] }).issues.map((i) => {
        const flag = flagFor(i.split(':')[0]);
        return flag ? `${i} (${flag})` : i;
      });
      throw new UserError(`${source}: invalid configuration\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    }
    throw e;
  }
}

function defaultRunName(config: Config): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${config.model}-z${config.latentDim}-${stamp}`;
}

/**
 * A rate flag sets an optimizer's rate, and a schedule that came with the
 * preset or config file still changes it from its first epoch on (the IWAE
 * preset's from epoch 2): said up front, so that `--lr` is not mistaken for
 * one rate throughout.
 */
function rateNotes(flags: TrainFlags, config: Config): string[] {
  const schedule = flags.config ? `the schedule in ${flags.config}` : flags.preset ? `the preset ${flags.preset}'s schedule` : 'the schedule';
  const optimizers = [
    ['--lr', flags.lr, config.train.optimizer],
    ['--discriminator-lr', flags.discriminatorLr, isAdversarialConfig(config) ? config.adversarial.discriminatorOptimizer : undefined],
    ['--generator-lr', flags.generatorLr, isAdversarialConfig(config) ? config.adversarial.generatorOptimizer : undefined],
  ] as const;
  return optimizers.flatMap(([flag, rate, optimizer]) => {
    const first = rate === undefined ? undefined : optimizer?.schedule[0];
    if (!first || !optimizer) return [];
    const changes = optimizer.schedule.length;
    const until = first.fromEpoch - 1;
    if (until === 0) return [`${flag} ${rate} is not used: ${schedule} sets the rate from epoch 1 on. Add --constant-lr to train at ${rate} throughout.`];
    return [`${flag} ${rate} is the rate of epoch${until === 1 ? ' 1' : `s 1–${until}`}: ${schedule} sets it from epoch ${first.fromEpoch} on (${changes} change${changes === 1 ? '' : 's'}, the first to ${first.learningRate}). For one rate throughout, add --constant-lr.`];
  });
}

/** Resolves flags and runs training (fresh or resumed). */
export async function runTrain(flags: TrainFlags): Promise<TrainRunResult> {
  let config: Config;
  let resume;
  if (flags.resume) {
    const fixed = (['model', 'net', 'config', 'preset', 'latentDim', 'hidden', 'encoderHidden', 'decoderHidden', 'activation', 'likelihood', 'data', 'seed', 'batchSize', 'name', 'prior', 'priorFile', 'priorComponents', 'priorRadius', 'priorStd', 'encoder', 'mmdWeight', 'discriminatorHidden', 'discriminatorSteps', 'discriminatorLr', 'generatorLr', 'generatorWeight', 'generator', 'inputNoise', 'labels', 'labelledFraction', 'classes', 'labelled', 'clusters', 'lr', 'beta', 'klWarmup', 'binarize', 'testFraction', 'resize', 'labelColumn', 'labelFile', 'trainClasses', 'objective', 'k', 'iwGradient', 'latentLayers', 'constantLr'] as const)
      .filter((k) => flags[k] !== undefined);
    if (fixed.length) throw new UserError(`--resume continues a run with its own configuration; only --epochs, --lr-drop, --clip-grad-norm (and --backend, --quiet) may change (got --${fixed.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')})`);
    resume = openRunFolder(flags.resume);
    const changed = { ...(flags.epochs ? { epochs: flags.epochs } : {}), ...(flags.clipGradNorm ? { clipGradNorm: flags.clipGradNorm } : {}) };
    config = Object.keys(changed).length ? resolveConfig(mergeConfig(resume.config, { train: changed })) : resume.config;
    // A stalled run can go on at a tenth of its rates (the drop applies from the given epoch; earlier epochs are not rerun).
    if (flags.lrDrop !== undefined) config = lrDrop(config, flags.lrDrop);
  } else {
    config = configFromFlags(flags);
  }
  if (!resume) for (const note of rateNotes(flags, config)) process.stderr.write(`${pc.yellow('note')} ${note}\n`);
  if (flags.initFrom !== undefined && flags.resume) throw new UserError('--init-from starts a new run from another run\'s weights; --resume continues a run with its own: give one of them');
  const initFrom = flags.initFrom === undefined ? undefined : openRunFolder(flags.initFrom);
  const backend = await initBackend(flags.backend);
  const dir = resume?.dir ?? path.join(flags.out, flags.name ?? defaultRunName(config));
  if (!flags.quiet) process.stdout.write(`${pc.dim(`backend ${describeBackend(backend)} · ${resume ? 'resuming' : 'run folder'} ${dir}`)}\n`);
  return trainRun({ config, dir, backend, resume, initFrom, quiet: flags.quiet, likelihoodByData: !resume && likelihoodLeftOpen(flags) });
}

export function printRunSummary(result: TrainRunResult): void {
  const last = result.records.at(-1);
  const lines = [''];
  if (last) {
    const { key, label } = headlineTerm(last.test);
    lines.push(`${pc.bold(`test ${label}`)} ${last.test[key].toFixed(2)} nats/image after ${last.epoch} epochs`);
  }
  lines.push(`${pc.bold('run folder')} ${result.dir}`);
  for (const f of Object.values(result.figures)) lines.push(`  ${f}`);
  // The importance-weighted bound needs a density q(z|x): not for a deterministic encoder.
  const hasPosteriorDensity = modelFamily(result.model.config).hasPosteriorDensity(result.model.config);
  lines.push('', pc.bold('next:'),
    hasPosteriorDensity
      ? `  npx latentlab eval ${result.dir} --iw 100 --limit 1000   # importance-weighted bound`
      : `  npx latentlab eval ${result.dir} --parzen              # Parzen-window log-likelihood of samples`,
    `  npx latentlab sample ${result.dir} -n 64                   # new samples from the prior`,
    `  npx latentlab export ${result.dir} --format safetensors    # weights for other frameworks`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a model on MNIST or your IDX data and write a run folder')
    .addOption(new Option('--model <kind>', 'vae (default); aae (adversarial autoencoder); wae (Wasserstein autoencoder: an MMD penalty in place of the discriminator); semi-supervised-aae or clustering-aae (a categorical code beside a style code, paper §5–6)')
      .choices(['vae', 'aae', 'wae', 'semi-supervised-aae', 'clustering-aae']))
    .addOption(new Option('--net <kind>', 'encoder and decoder: mlp (dense layers, the default) or conv (strided convolutions for images [H, W] or [H, W, C]: 4×4, stride 2, 32-64 channels, dense 256; --hidden sets the dense widths; presets conv-mnist and conv-colour)')
      .choices(['mlp', 'conv']))
    .option('--config <file>', 'JSON config file (see presets/ for the format)')
    .addOption(new Option('--preset <name>', `shipped config: ${presetNames().join(', ')}`))
    .option('--latent-dim <n>', 'latent dimensions (default 2)', intArg(1))
    .option('--hidden <sizes>', 'hidden widths for both nets, e.g. 512,256 (decoder mirrored)', listArg)
    .option('--encoder-hidden <sizes>', 'encoder hidden widths (default 400)', listArg)
    .option('--decoder-hidden <sizes>', 'decoder hidden widths (default 400)', listArg)
    .addOption(new Option('--activation <fn>', 'hidden activation').choices(['relu', 'tanh', 'elu', 'sigmoid']))
    .addOption(new Option('--likelihood <kind>', 'p(x|z): bernoulli (default); gaussian (real values); discretized-logistic (8-bit images: the probability of each 0–255 value, a bound in nats of the 8-bit data); continuous-bernoulli (a density on [0, 1]); `eval --8-bit` compares them on the 8-bit values').choices(['bernoulli', 'gaussian', 'discretized-logistic', 'continuous-bernoulli']))
    .option('--variance <v>', "gaussian likelihood: 'learned' (default) or a fixed σ² such as 0.01")
    .addOption(new Option('--prior <kind>', 'p(z): standard-normal (default), gaussian-mixture, swiss-roll (2-D; aae, wae), uniform (aae, wae), vamp (vae only: the VampPrior, a mixture of the encoder\'s posteriors at learned pseudo-inputs)')
      .choices(['standard-normal', 'gaussian-mixture', 'swiss-roll', 'uniform', 'vamp']))
    .option('--prior-file <file>', 'aae, wae: a prior given by samples: .npy (float32/64), .json rows or IDX, shape [n, latent-dim]')
    .option('--prior-components <K>', 'gaussian-mixture: components on a circle (default 10); vamp: pseudo-inputs (default 500)', intArg(1))
    .option('--prior-radius <r>', 'gaussian-mixture: radius of the circle (default 4)', floatArg(0, { exclusive: true }))
    .option('--prior-std <σ>', 'gaussian-mixture: standard deviation of each component (default 0.5)', floatArg(0, { exclusive: true }))
    .addOption(new Option('--encoder <kind>', 'aae, wae: deterministic (z = E(x), default) or gaussian (z ~ N(μ(x), σ²(x)); eval --iw then applies)')
      .choices(['deterministic', 'gaussian']))
    .option('--mmd-weight <λ>', 'wae: weight λ of MMD²(q(z), p(z)) beside the reconstruction in nats (default 100)', floatArg(0))
    .option('--discriminator-hidden <sizes>', 'aae: discriminator hidden widths (default 256,256)', listArg)
    .option('--discriminator-steps <n>', 'aae: discriminator updates per batch (default 2)', intArg(1))
    .option('--discriminator-lr <rate>', "aae: the discriminator optimizer's learning rate (default Adam 2e-4, β₁ 0.5)", floatArg(0, { exclusive: true }))
    .addOption(new Option('--generator <how>', "aae: how the encoder learns to fool D — joint (default): its loss joins the reconstruction phase, weighted; separate: a phase of its own").choices(['joint', 'separate']))
    .option('--generator-weight <λ>', "aae, joint: weight of the generator's loss beside the reconstruction (default 10)", floatArg(0))
    .option('--generator-lr <rate>', "aae, separate: learning rate of the generator phase (default Adam 2e-4, β₁ 0.5); implies --generator separate", floatArg(0, { exclusive: true }))
    .option('--input-noise <σ>', "aae: std of Gaussian noise on the encoder's input while training (default 0)", floatArg(0))
    .addOption(new Option('--labels <use>', "how the labels are used: none (default); prior — label-guided aae, each class pushed to its own prior component; conditional — the decoder (and a vae's encoder) sees the label: supervised aae, conditional vae")
      .choices(['none', 'prior', 'conditional']))
    .option('--labelled-fraction <f>', '--labels prior: fraction of training images whose label is shown, 0–1 (default 1)', floatArg(0))
    .option('--classes <n>', 'number of classes for --labels, or of the semi-supervised model (default 10)', intArg(1))
    .option('--labelled <n>', 'semi-supervised-aae: labelled training images, a fixed class-balanced subset (default 100)', intArg(1))
    .option('--clusters <K>', 'clustering-aae: number of clusters (default 16, as in the paper)', intArg(2))
    .option('--epochs <n>', 'epochs to train (default 10); with --resume, the new total', intArg(1))
    .option('--batch-size <n>', 'examples per step (default 128)', intArg(1))
    .option('--clip-grad-norm <n>', "scale each phase's gradients down to this global L2 norm when they exceed it (off by default; with --resume, to get past a divergence)", floatArg(0, { exclusive: true }))
    .option('--constant-lr', 'every optimizer at its own rate (--lr, --discriminator-lr, … or the file\'s) for the whole run: drops the schedule a preset or config file brings (e.g. iwae-mnist\'s); --lr-drop still applies')
    .option('--lr-drop <epoch>', 'from this epoch on, every optimizer at a tenth of its learning rate (a step decay; on top of a schedule, e.g. a preset\'s)', intArg(2))
    .option('--lr <rate>', "learning rate of the model's optimizer (vae, wae) or of the reconstruction phase (aae); default Adam 0.001", floatArg(0, { exclusive: true }))
    .option('--beta <β>', 'weight on the KL term (default 1 = the ELBO)', floatArg(0))
    .option('--kl-warmup <epochs>', 'grow β linearly from 0 over this many epochs (default 0)', floatArg(0))
    .addOption(new Option('--objective <kind>', "vae: 'elbo' (default) or 'iwae', the importance-weighted bound L_K (Burda et al. 2015) — K decoder passes per example, the bound eval --iw K reports").choices(['elbo', 'iwae']))
    .option('--k <n>', 'importance samples per example of --objective iwae (default 50)', intArg(1))
    .addOption(new Option('--iw-gradient <estimator>', "the encoder's gradient of --objective iwae: 'standard' (the bound's own, default) or 'dreg', doubly reparameterised (Tucker et al. 2019): the same bound and decoder gradient, far less noise for the encoder (one stochastic layer)").choices(['standard', 'dreg']))
    .option('--latent-layers <sizes>', "vae: stochastic layers between the data and the top latent (--latent-dim), from the data up, e.g. 100: q(z₁|x) q(z₂|z₁), p(z₂) p(z₁|z₂) p(x|z₁), with MLPs of 100-100 between layers (config: latentLayers[].hidden)", listArg)
    .addOption(new Option('--binarize <mode>', "'dynamic': resample binary pixels every batch").choices(['none', 'dynamic']))
    .option('--data <source>', "'mnist' (embedded, default); a folder of PNG/JPEG images (one subfolder per class, optional train/ and test/); a folder of IDX files (train-images-idx3-ubyte, t10k- or test-images…, label files; .gz too; colour as idx4); a .npy or .npz array file; a .csv/.tsv table with a header row. Data with values outside [0, 1] (tables) gets a Gaussian likelihood unless --likelihood says otherwise")
    .option('--test-fraction <f>', 'data without a test split: the fraction held out for testing, a fixed seeded choice (default 0.1)', floatArg(0, { exclusive: true }))
    .option('--resize <HxW>', 'image folders: scale every image to this size, e.g. 32x32 (needed when sizes differ)', sizeArg)
    .option('--label-column <name>', 'tables: the column holding class labels (numbers or names)')
    .option('--label-file <file>', 'a .npy or IDX file of examples: the class labels, one whole number per example (.npy or IDX)')
    .option('--train-classes <list>', 'train on these classes only, e.g. 3 or 3,5 (numbers); the test split keeps every class — for anomaly detection with latentlab score', classListArg)
    .option('--train-limit <n>', 'use only the first N training images', intArg(1))
    .option('--test-limit <n>', 'use only the first N test images', intArg(1))
    .option('--seed <n>', 'random seed: same seed, same backend → same run (default 1)', intArg(0))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder for run folders', 'runs')
    .option('--name <name>', 'run folder name (default <model>-z<latent>-<timestamp>)')
    .option('--resume <run_dir>', 'continue a run from its latest checkpoint (raise --epochs to train longer)')
    .option('--init-from <run_dir>', "a new run whose nets start from another run's latest weights (the same nets: layer sizes, activations, latent size), e.g. to go on with another objective, β, learning rate or data; the optimizer starts afresh, epochs count from 1, manifest.json records the source")
    .option('-q, --quiet', 'no progress bar')
    .addHelpText('after', `
Examples:
  latentlab train                                  # 2-D VAE on MNIST, 10 epochs
  latentlab train --preset canonical               # 784-400-20 VAE, the PyTorch reference's set-up
  latentlab train --preset conv-mnist              # convolutional VAE (conv 32-64, dense 256, 10-D latent)
  latentlab train --net conv --latent-dim 16       # the default conv nets, other settings as given
  latentlab train --latent-dim 10 --beta 4 --kl-warmup 2
  latentlab train --preset iwae-mnist --objective iwae --k 50   # the IWAE paper's 784-200-200-50 nets
  latentlab train --preset iwae-mnist --prior vamp              # VampPrior: 500 learned pseudo-inputs
  latentlab train --preset iwae2-mnist --objective iwae --k 50  # two stochastic layers (100 and 50 units)
  latentlab train --data ./my-idx-folder --likelihood gaussian
  latentlab train --data ./photos --resize 32x32 --likelihood gaussian   # photos/<class>/*.jpg
  latentlab train --data measurements.csv --label-column species --latent-dim 2
  latentlab train --data arrays.npz                # x_train/y_train/x_test/y_test, or x and y
  latentlab train --model aae --prior gaussian-mixture   # 10 Gaussians on a circle, 2-D latent
  latentlab train --preset aae-paper               # the AAE paper's appendix recipe (SGD + momentum, 1000-1000 nets)
  latentlab train --model wae --latent-dim 8 --batch-size 100   # Wasserstein autoencoder (WAE-MMD), the paper's MNIST latent
  latentlab train --model wae --mmd-weight 10 --encoder gaussian  # a lighter penalty, a Gaussian q(z|x) (eval --iw applies)
  latentlab train --model aae --prior gaussian-mixture --labels prior --labelled-fraction 0.1
  latentlab train --model aae --labels conditional --latent-dim 8   # supervised: z holds the style (styles.png)
  latentlab train --labels conditional                              # conditional VAE
  latentlab train --model semi-supervised-aae --labelled 100 --latent-dim 10   # classifier from 100 labels
  latentlab train --model semi-supervised-aae --labelled 100 --latent-dim 10 --hidden 1000,1000 \
    --discriminator-hidden 1000,1000 --input-noise 0.3 --batch-size 100 --epochs 18 --lr-drop 15
                                                   # the paper's nets: < 5 % test error, ~1.5 h on 2 cores
  latentlab train --model clustering-aae --clusters 16 --latent-dim 5          # unsupervised clusters
  latentlab train --resume runs/vae-z2-20261125-101500 --epochs 20
  latentlab train --resume runs/semi-supervised-aae-z10-… --epochs 18 --lr-drop 15   # stalled? a tenth of the rates
  latentlab train --latent-dim 10 --beta 4 --lr 0.0003 --init-from runs/vae-z10-…   # the same nets, on with another β and rate
  latentlab train --preset iwae-finetune --init-from runs/vae-z50-…   # an ELBO-trained iwae-mnist run, on with L_50

Config precedence: flags > --config/--preset > defaults. Unknown keys in a config file are errors.
Optimizers per phase (config file): train.optimizer (vae, wae; aae reconstruction),
adversarial.discriminatorOptimizer, adversarial.generatorOptimizer,
categorical.classifierOptimizer (semi-supervised-aae); each
{"kind": "adam", …} or {"kind": "sgd", "learningRate", "momentum", "nesterov"},
with an optional "schedule": [{"fromEpoch": 51, "learningRate": 0.001}, …].
WAE kernel (config file): wae.scales (C = 2·d·σ²_p·s; default 0.1,0.2,0.5,1,2,5,10) and
wae.priorVariance (σ²_p; default: measured on 10,000 samples of the prior).
Memory: an image folder that would take more than 768 MB as float32 is read from disk
batch by batch (LATENTLAB_STREAM_MB=200 sets another limit in MB; 0 streams every folder).`)
    .action(async (flags: TrainFlags) => printRunSummary(await runTrain(flags)));
}
