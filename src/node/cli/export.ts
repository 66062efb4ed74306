import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { resolveConfig } from '../../core/config/resolve.js';
import type { Config } from '../../core/config/schema.js';
import { withImageShape } from '../../core/data/dataset.js';
import { exportSafetensors } from '../../core/io/export.js';
import type { ManifestData } from '../../core/io/run-layout.js';
import { buildModel } from '../../core/models/registry.js';
import type { Autoencoder } from '../../core/models/types.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { dataOptions, loadTrainingSplits, type SourceSplits } from '../datasets.js';
import { UserError } from '../errors.js';
import { writeDirAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { readConfigFile } from '../presets.js';
import { loadPriorResources } from '../prior-file.js';
import { pytorchUnsupported, writePytorchPackage } from '../pytorch-package.js';
import { manifestDataOf } from '../train-run.js';
import { withAbsolutePaths } from './train.js';
import { VERSION } from '../version.js';

interface ExportFlags { format: 'safetensors' | 'pytorch'; out?: string; force?: boolean; backend: BackendChoice; config?: string; data?: boolean; quiet?: boolean }

function checkOut(out: string, flags: ExportFlags, what: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new UserError(`--out ${out} is a file; an export is a folder (${what}): name a folder${flags.force ? ' (--force replaces an earlier export folder, never a file)' : ''}`);
  }
  if (existsSync(out) && !flags.force) throw new UserError(`${out} already exists (use --force to replace it, or --out DIR)`);
}

/** The data splits as the run (or config) reads them, for the package's data/ folder. */
function loadSplits(config: Config, dataFlagHint: string): SourceSplits {
  try {
    return loadTrainingSplits(config.data.source, dataOptions(config.data));
  } catch (e) {
    if (e instanceof UserError || (e as Error).name === 'DataError') throw new UserError(`${(e as Error).message}\n(the PyTorch package holds the data; ${dataFlagHint})`);
    throw e;
  }
}

export async function runExport(dir: string | undefined, flags: ExportFlags): Promise<string> {
  if (dir && flags.config) throw new UserError('export: give a run folder or --config FILE, not both');
  if (!dir && !flags.config) throw new UserError('export: give a run folder (latentlab export RUN) or --config FILE (a model with fresh weights, --format pytorch)');
  if (flags.config && flags.format !== 'pytorch') throw new UserError('--config exports a fresh model for training elsewhere: use it with --format pytorch');
  await initBackend(flags.backend);
  const log = (s: string) => { if (!flags.quiet) process.stderr.write(`${s}\n`); };
  let model: Autoencoder;
  let config: Config;
  let data: ManifestData | undefined;
  let splits: SourceSplits | undefined;
  let epoch = 0;
  if (dir) {
    const loaded = await loadRunModel(dir);
    model = loaded.model;
    config = loaded.run.config;
    data = loaded.run.manifest.data;
    epoch = loaded.run.checkpoint?.epoch ?? 0;
  } else {
    config = withAbsolutePaths(resolveConfig(readConfigFile(flags.config!) as never, flags.config!), flags.config!);
    const why = pytorchUnsupported(config);
    if (why) throw new UserError(`--format pytorch: ${why}`);
    splits = loadSplits(config, 'check the config\'s data.source');
    model = buildModel(config, splits.train.shape, loadPriorResources(config));
    data = manifestDataOf(config, splits, splits.train, splits.test);
  }
  const out = flags.out ?? (dir ? path.join(dir, flags.format === 'pytorch' ? 'pytorch' : 'export') : path.join('exports', path.basename(flags.config!, '.json')));
  if (flags.format === 'pytorch') {
    checkOut(out, flags, 'the PyTorch package');
    const why = pytorchUnsupported(config);
    if (why) throw new UserError(`--format pytorch: ${why}`);
    if (flags.data !== false && !splits) splits = loadSplits(config, 'or export with --no-data and give train.py --data DIR');
    const shaped = splits && { train: withImageShape(splits.train, data.shape), test: withImageShape(splits.test, data.shape) };
    const files = writePytorchPackage({ model, config, data, out, splits: flags.data === false ? undefined : shaped, onProgress: log });
    process.stdout.write(`${out}\n`);
    if (!flags.quiet) {
      process.stderr.write(`${pc.dim(`${files.length} files; train with:`)}\n  cd ${out} && torchrun --nproc_per_node=2 train.py --out weights.safetensors\n${pc.dim('then:')}\n  latentlab import ${path.join(out, 'weights.safetensors')} --config ${path.join(out, 'config.json')}\n`);
    }
    return out;
  }
  checkOut(out, flags, 'model.safetensors, architecture.json');
  const { bytes, architecture } = exportSafetensors(model, data.shape, { latentlab: VERSION, epoch: String(epoch) });
  // Write the new export completely before the old one (with --force) is removed.
  const staged = `${out}.new-${process.pid}`;
  writeDirAtomic(staged, { 'model.safetensors': bytes, 'architecture.json': `${JSON.stringify(architecture, null, 2)}\n` });
  rmSync(out, { recursive: true, force: true });
  renameSync(staged, out);
  process.stdout.write(`${path.join(out, 'model.safetensors')}\n${path.join(out, 'architecture.json')}\n`);
  return out;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write the weights for other frameworks (safetensors), or a PyTorch package that trains the model on many processes/machines')
    .argument('[run_dir]', 'a run folder written by latentlab train')
    .addOption(new Option('--format <format>', 'safetensors: model.safetensors + architecture.json; pytorch: a package to train with torchrun').choices(['safetensors', 'pytorch']).default('safetensors'))
    .option('--config <file>', 'with --format pytorch: export the model a config describes, with fresh weights (instead of a run)')
    .option('--no-data', 'with --format pytorch: leave out data/ (train.py then takes --data DIR with train.npy and test.npy)')
    .option('-o, --out <dir>', 'output folder (default <run_dir>/export, <run_dir>/pytorch, or exports/<config name>)')
    .option('--force', 'replace an existing output folder')
    .option('--quiet', 'print only the output paths')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .addHelpText('after', `
safetensors: tensors are named <net>.<layer>.kernel|bias (e.g. encoder.dense0.kernel, encoder.loc.bias,
decoder.logits.kernel); kernels are [in, out], so y = x·kernel + bias. For torch.nn.Linear,
load kernel.T as .weight. architecture.json (also embedded in the safetensors metadata)
lists the layers in order with their activations. The TF.js format itself is already in
<run_dir>/checkpoints/.

pytorch: a folder with the model in PyTorch (latentlab_torch/, built from architecture.json),
LatentLab's objectives and phases, train.py (one process, or torchrun with
DistributedDataParallel: gloo on CPUs, NCCL on GPUs), evaluate.py, the starting weights and
the data as LatentLab reads it (data/*.npy). VAE, AAE and WAE, MLP and conv nets; not label-aware
models, batch normalisation or the discretised logistic. Bring the trained weights back with
  latentlab import weights.safetensors --config <package>/config.json
Examples:
  latentlab export runs/vae-1 --format pytorch --out pkg && cd pkg && torchrun --nproc_per_node=4 train.py
  latentlab export --config presets/canonical.json --format pytorch --out pkg`)
    .action(async (dir: string | undefined, flags: ExportFlags) => {
      await runExport(dir, flags);
    });
}
