import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { resolveConfig } from '../../core/config/resolve.js';
import { withImageShape } from '../../core/data/dataset.js';
import { evaluateObjective } from '../../core/metrics/evaluate.js';
import { buildModel, modelFamily } from '../../core/models/registry.js';
import { evaluationSeed, type EpochRecord } from '../../core/training/fit.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { dataOptions, loadTrainingSplits } from '../datasets.js';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { readConfigFile } from '../presets.js';
import { loadPriorResources } from '../prior-file.js';
import { importWeights, PYTORCH_PACKAGE_FORMAT, readPackageSettings } from '../pytorch-package.js';
import { notARegularFile } from '../regular-file.js';
import { appendMetrics, buildManifest, createRunFolder, saveCheckpoint } from '../run-folder.js';
import { manifestDataOf } from '../train-run.js';

interface ImportFlags { config: string; out?: string; eval: boolean; backend: BackendChoice; quiet?: boolean }

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/**
 * Trained weights (safetensors with LatentLab's names, as the PyTorch
 * package's train.py writes them) + the config that describes the model → a
 * run folder that eval, the report, the page and export use as they are.
 */
export async function runImport(weights: string, flags: ImportFlags): Promise<string> {
  if (!existsSync(weights)) throw new UserError(`${weights}: file not found`);
  const problem = notARegularFile(weights);
  if (problem) throw new UserError(`${weights}: ${problem} (give the .safetensors file train.py wrote)`);
  const raw = readConfigFile(flags.config) as { format?: unknown };
  if (raw && raw.format === PYTORCH_PACKAGE_FORMAT) {
    throw new UserError(`--config ${flags.config}: that is the package's description, not a config; give ${path.join(path.dirname(flags.config), 'config.json')}`);
  }
  const config = resolveConfig(raw as never, flags.config);
  const settings = readPackageSettings(flags.config);
  const out = flags.out ?? path.join('runs', `imported-${config.model}-${stamp()}`);
  if (existsSync(out)) throw new UserError(`${out} already exists (choose another --out)`);
  const backend = await initBackend(flags.backend);
  const log = (s: string) => { if (!flags.quiet) process.stderr.write(`${s}\n`); };
  // The data's description: the package's record of it, or the data itself (also needed for the evaluation).
  const splits = flags.eval || !settings ? loadTrainingSplits(config.data.source, dataOptions(config.data)) : undefined;
  const data = settings?.data ?? manifestDataOf(config, splits!, splits!.train, splits!.test);
  const model = buildModel(config, data.shape, loadPriorResources(config));
  try {
    const metadata = importWeights(model, weights);
    const epochs = Math.max(1, Number(metadata.epochs) || 1);
    const steps = Math.max(0, Number(metadata.steps) || 0);
    const family = modelFamily(config);
    const phases = family.phases(model, { stepsPerEpoch: Math.max(1, Math.ceil(data.train / config.train.batchSize)) });
    createRunFolder(out, config, await buildManifest(model, metadata.trainedBy ? `${backend} (weights from ${metadata.trainedBy})` : backend, data));
    await saveCheckpoint(out, model, phases, epochs, steps);
    const evalFile = path.join(path.dirname(weights), 'eval.json');
    const record: Record<string, unknown> = {
      weights: path.resolve(weights),
      sha256: createHash('sha256').update(readFileSync(weights)).digest('hex'),
      metadata: Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== 'architecture')),
      ...(existsSync(evalFile) ? { pytorchEval: JSON.parse(readFileSync(evalFile, 'utf8')) } : {}),
    };
    if (splits && flags.eval) {
      const test = withImageShape(splits.test, data.shape);
      log(pc.dim(`evaluating on ${test.size} test examples…`));
      const started = performance.now();
      const terms = await evaluateObjective((x, s, labels) => family.evaluate(model, x, s, labels), test, { seed: evaluationSeed(config.seed) });
      const evalSeconds = (performance.now() - started) / 1000;
      const seconds = Number((record.pytorchEval as { seconds?: number } | undefined)?.seconds ?? 0);
      const epochRecord: EpochRecord = { epoch: epochs, step: steps, seconds, evalSeconds, imagesPerSecond: 0, train: {}, test: terms };
      appendMetrics(out, epochRecord);
      record.latentlabEval = terms;
      const headline = family.terms.headline;
      log(`test ${family.terms.info[headline]?.label ?? headline}: ${terms[headline]?.toFixed(2)} nats per example (LatentLab)${(record.pytorchEval as Record<string, number> | undefined)?.[headline] !== undefined ? `, ${(record.pytorchEval as Record<string, number>)[headline].toFixed(2)} (PyTorch's evaluate.py)` : ''}`);
    }
    writeJsonAtomic(path.join(out, 'imported.json'), record);
    if (settings && existsSync(path.join(path.dirname(flags.config), 'architecture.json'))) copyFileSync(path.join(path.dirname(flags.config), 'architecture.json'), path.join(out, 'architecture.json'));
  } finally {
    model.dispose();
  }
  process.stdout.write(`${out}\n`);
  if (!flags.quiet) process.stderr.write(`${pc.dim('next:')} latentlab eval ${out}   ·   latentlab serve ${path.dirname(out)}\n`);
  return out;
}

export function importCommand(): Command {
  return new Command('import')
    .description('turn weights trained elsewhere (the PyTorch package\'s train.py) into a run folder')
    .argument('<weights>', 'a safetensors file with LatentLab\'s tensor names (encoder.dense0.kernel, …)')
    .requiredOption('--config <file>', 'the config that describes the model: the package\'s config.json (or a run\'s)')
    .option('-o, --out <dir>', 'the run folder to write (default runs/imported-<model>-<time>)')
    .option('--no-eval', 'skip evaluating the imported model on the test split')
    .option('--quiet', 'print only the run folder')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .addHelpText('after', `
Every tensor the model has must be in the file, with its shape and finite values, and nothing
else: a missing, extra or misshapen tensor is an error naming it, and no folder is written.
The run folder holds the weights as a checkpoint (epoch and step from the file's metadata),
the config, a manifest, the test-set evaluation by LatentLab as its metrics, and imported.json
(the file's SHA-256 and metadata, and PyTorch's own eval.json when it lies beside the weights).
The optimizer's state does not come back: \`train --resume\` continues with a fresh optimizer.
Example:
  latentlab import pkg/weights.safetensors --config pkg/config.json --out runs/from-pytorch`)
    .action(async (weights: string, flags: ImportFlags) => {
      await runImport(weights, flags);
    });
}
