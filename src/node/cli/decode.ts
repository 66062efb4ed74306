/** `latentlab decode RUN --codes FILE`: the means of p(x|z) for given codes, as images, an array or a table. */
import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import { isConditional } from '../../core/models/conditioning.js';
import { encodeNpy } from '../../core/data/npy.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { csvText, outputFormat, readCodes } from '../data/codes.js';
import { destandardize } from '../data/tabular.js';
import { UserError } from '../errors.js';
import { imageGridPng } from '../figures.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { imageLayout } from '../run-figures.js';
import { intArg } from './options.js';

interface DecodeFlags { codes: string; out: string; cols?: number; backend: BackendChoice; quiet?: boolean; label?: number }

/** The width of the codes the run's decoder takes (its latent, plus a categorical model's classes). */
function codeWidth(model: { latentDim: number; nets: Record<string, { inputs: { shape: (number | null)[] }[] }> }, conditionalClasses: number): number {
  const decoderInput = model.nets.decoder?.inputs[0]?.shape.at(-1);
  return typeof decoderInput === 'number' ? decoderInput - conditionalClasses : model.latentDim;
}

export async function runDecode(dir: string, flags: DecodeFlags): Promise<string> {
  const format = outputFormat(flags.out, ['png', 'npy', 'csv']);
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const conditional = isConditional(run.config);
  const width = codeWidth(model as never, conditional ? run.config.labels.classes : 0);
  const codes = readCodes(flags.codes, width);
  let labels = codes.labels;
  if (conditional) {
    if (flags.label !== undefined) labels = new Int32Array(codes.count).fill(flags.label);
    if (!labels) throw new UserError(`${dir}: the decoder is conditioned on the class; give --label N, or a "label" column in ${flags.codes}`);
    const classes = run.config.labels.classes;
    const bad = labels.findIndex((l) => l >= classes);
    if (bad >= 0) throw new UserError(`${flags.codes}: label ${labels[bad]} (row ${bad + 1}) is not one of the run's ${classes} classes`);
  }
  const means = tf.tidy(() => {
    const p = model.decode(tf.tensor2d(codes.values, [codes.count, width]), { labels: labels && tf.tensor1d(labels, 'int32') });
    return p.mean().dataSync() as Float32Array;
  });
  const { shape, standardization } = run.manifest.data;
  const layout = imageLayout(shape);
  const images = layout && !standardization;
  const values = standardization ? destandardize(means, standardization) : images ? Float32Array.from(means, (v) => Math.min(1, Math.max(0, v))) : means;
  if (format === 'png') {
    if (!layout) throw new UserError(`-o ${flags.out}: the run's examples (shape ${shape.join('×')}) are not images; write .csv or .npy`);
    const cols = flags.cols ?? Math.ceil(Math.sqrt(codes.count));
    writeFileAtomic(flags.out, imageGridPng(values, { count: codes.count, ...layout, cols, title: `${codes.count} decoded codes from ${flags.codes.split(/[\\/]/).pop()} (means of p(x|z))` }));
  } else if (format === 'npy') {
    writeFileAtomic(flags.out, encodeNpy(values, [codes.count, ...shape]));
  } else {
    const dim = run.manifest.dataDim;
    const header = standardization ? [...standardization.columns] : Array.from({ length: dim }, (_, j) => `x${j + 1}`);
    writeFileAtomic(flags.out, csvText(header, Array.from({ length: codes.count }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)))));
  }
  if (!flags.quiet) process.stdout.write(`${flags.out}: ${codes.count} decoded ${images ? 'images' : 'rows'}${standardization ? ' (in the original units)' : ''}\n`);
  return flags.out;
}

export function decodeCommand(): Command {
  return new Command('decode')
    .description('decode latent codes to the means of p(x|z): images (PNG grid), an array (.npy) or a table (.csv, in the original units for tabular data)')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .requiredOption('--codes <file>', 'codes: a .csv with columns z1 … zd (as latentlab encode writes) or a .npy of shape [n, d]')
    .requiredOption('-o, --out <file>', 'out.png (images), out.npy ([n, …shape]) or out.csv (one row per code)')
    .option('--label <n>', 'conditional models: decode every code as this class (else a "label" column of the codes)', intArg(0))
    .option('--cols <n>', 'PNG: images per row (default √n)', intArg(1))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('-q, --quiet', 'no summary line')
    .addHelpText('after', `
Examples:
  latentlab encode runs/vae-z2-… -o codes.csv && latentlab decode runs/vae-z2-… --codes codes.csv -o recon.png
  latentlab decode runs/table-run --codes codes.npy -o rows.csv      # rows in the data's own units`)
    .action(async (dir: string, flags: DecodeFlags) => {
      await runDecode(dir, flags);
    });
}
