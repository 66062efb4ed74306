import path from 'node:path';
import { Command, Option } from 'commander';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { UserError } from '../errors.js';
import { imageGridPng } from '../figures.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { imageLayout, sampleImages } from '../run-figures.js';
import { intArg } from './options.js';

interface SampleFlags { n: number; seed: number; out?: string; cols?: number; backend: BackendChoice }

export async function runSample(dir: string, flags: SampleFlags): Promise<string> {
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const layout = imageLayout(run.manifest.data.shape);
  if (!layout) throw new UserError(`${dir}: examples of shape ${run.manifest.data.shape.join('×')} are not images; nothing to draw`);
  const out = flags.out ?? path.join(dir, `samples-n${flags.n}-seed${flags.seed}.png`);
  const cols = flags.cols ?? Math.ceil(Math.sqrt(flags.n));
  const images = sampleImages(model, flags.n, flags.seed);
  writeFileAtomic(out, imageGridPng(images, { count: flags.n, ...layout, cols, title: `${flags.n} samples from the prior (seed ${flags.seed})` }));
  process.stdout.write(`${out}\n`);
  return out;
}

export function sampleCommand(): Command {
  return new Command('sample')
    .description('draw z ~ p(z), decode, and write the images as a PNG grid')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .option('-n, --n <count>', 'number of samples', intArg(1), 64)
    .option('--seed <n>', 'seed for z', intArg(0), 1)
    .option('--cols <n>', 'images per row (default √n)', intArg(1))
    .option('-o, --out <file>', 'output PNG (default <run_dir>/samples-n<N>-seed<S>.png)')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .action(async (dir: string, flags: SampleFlags) => {
      if (flags.n > 10000) throw new UserError(`-n: at most 10000 samples in one grid, got ${flags.n}`);
      await runSample(dir, flags);
    });
}
