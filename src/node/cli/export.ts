import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { exportSafetensors } from '../../core/io/export.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { UserError } from '../errors.js';
import { writeDirAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { VERSION } from '../version.js';

interface ExportFlags { format: 'safetensors'; out?: string; force?: boolean; backend: BackendChoice }

export async function runExport(dir: string, flags: ExportFlags): Promise<string> {
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const out = flags.out ?? path.join(dir, 'export');
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new UserError(`--out ${out} is a file; an export is a folder (model.safetensors, architecture.json): name a folder${flags.force ? ' (--force replaces an earlier export folder, never a file)' : ''}`);
  }
  if (existsSync(out) && !flags.force) throw new UserError(`${out} already exists (use --force to replace it, or --out DIR)`);
  const { bytes, architecture } = exportSafetensors(model, run.manifest.data.shape, {
    latentlab: VERSION, epoch: String(run.checkpoint?.epoch ?? 0),
  });
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
    .description('write the weights for other frameworks: model.safetensors + architecture.json')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .addOption(new Option('--format <format>', 'export format').choices(['safetensors']).default('safetensors'))
    .option('-o, --out <dir>', 'output folder (default <run_dir>/export)')
    .option('--force', 'replace an existing output folder')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .addHelpText('after', `
Tensors are named <net>.<layer>.kernel|bias (e.g. encoder.dense0.kernel, encoder.loc.bias,
decoder.logits.kernel); kernels are [in, out], so y = x·kernel + bias. For torch.nn.Linear,
load kernel.T as .weight. architecture.json (also embedded in the safetensors metadata)
lists the layers in order with their activations. The TF.js format itself is already in
<run_dir>/checkpoints/.`)
    .action(async (dir: string, flags: ExportFlags) => {
      await runExport(dir, flags);
    });
}
