/** `latentlab encode RUN`: the codes q(z|x) gives to data, as CSV, .npy or .npz. */
import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import { batches } from '../../core/data/dataset.js';
import { checkLabels } from '../../core/models/conditioning.js';
import { deriveSeed } from '../../core/util/random.js';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { csvText, outputFormat, writeNpz } from '../data/codes.js';
import { encodeNpy } from '../../core/data/npy.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { loadRunModel } from '../load-run.js';
import { loadRunExamples, type RunDataFlags } from '../run-data.js';
import { intArg } from './options.js';
import { yieldToEventLoop } from '../../core/util/yield.js';

interface EncodeFlags extends RunDataFlags { out: string; samples?: number; seed: number; backend: BackendChoice; quiet?: boolean }

export interface EncodeResult {
  readonly file: string;
  readonly count: number;
  readonly width: number;
}

export async function runEncode(dir: string, flags: EncodeFlags): Promise<EncodeResult> {
  const format = outputFormat(flags.out, ['csv', 'npy', 'npz']);
  await initBackend(flags.backend);
  const { run, model } = await loadRunModel(dir);
  const data = loadRunExamples(run, flags);
  checkLabels(run.config, data);
  const k = flags.samples;
  // One pass per batch: the codes' means, or k samples of q(z|x) per example.
  const chunks: Float32Array[] = [];
  let width = 0;
  let b = 0;
  for (const batch of batches(data, { batchSize: 500 })) {
    const out = tf.tidy(() => {
      const q = model.encode(tf.tensor2d(batch.x, [batch.count, data.dim]), { labels: batch.labels && tf.tensor1d(batch.labels, 'int32') });
      // Samples come as [k, batch, width]; stored per example: [batch, k, width].
      return k ? tf.transpose(q.sample({ seed: deriveSeed(flags.seed, b), n: k }), [1, 0, 2]) : q.mean();
    });
    width = out.shape.at(-1)!;
    chunks.push(await out.data() as Float32Array);
    out.dispose();
    b++;
    await yieldToEventLoop();   // frees the batch's decoded images when the data is read from disk
  }
  const codes = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (codes.set(c, at), at + c.length), 0);
  const perExample = k ?? 1;
  const shape = k ? [data.size, k, width] : [data.size, width];
  if (format === 'npy') writeFileAtomic(flags.out, encodeNpy(codes, shape));
  else if (format === 'npz') writeNpz(flags.out, { z: { data: codes, shape }, ...(data.labels ? { labels: { data: data.labels, shape: [data.size] } } : {}) });
  else {
    const zs = Array.from({ length: width }, (_, j) => `z${j + 1}`);
    const header = ['index', ...(data.names ? ['name'] : []), ...(data.labels ? ['label'] : []), ...(data.labels && data.classNames ? ['class'] : []), ...(k ? ['sample'] : []), ...zs];
    const rows = function* () {
      for (let i = 0; i < data.size; i++) {
        for (let s = 0; s < perExample; s++) {
          const at = (i * perExample + s) * width;
          yield [i, ...(data.names ? [data.names[i]] : []), ...(data.labels ? [data.labels[i]] : []), ...(data.labels && data.classNames ? [data.classNames[data.labels[i]] ?? ''] : []),
            ...(k ? [s + 1] : []), ...codes.subarray(at, at + width)];
        }
      }
    };
    writeFileAtomic(flags.out, csvText(header, rows()));
  }
  if (!flags.quiet) process.stdout.write(`${flags.out}: ${k ? `${k} samples` : 'the mean'} of q(z|x) for ${data.size} examples of ${data.name} (${width} values each)\n`);
  return { file: flags.out, count: data.size, width };
}

/** The --data/--split/--label-… options shared by encode and score. */
export function dataFlags(command: Command): Command {
  return command
    .option('--data <source>', "data to apply the run to (any source `latentlab train --data` reads); default: the run's own data")
    .addOption(new Option('--split <which>', "train, test or all; default: test for a source with a test split of its own, else all of it").choices(['train', 'test', 'all']))
    .option('--label-column <name>', "tables: the column of class labels (default: the run's)")
    .option('--label-file <file>', 'a .npy or IDX file of examples: their class labels')
    .option('--limit <n>', 'only the first N examples', intArg(1));
}

export function encodeCommand(): Command {
  return dataFlags(new Command('encode')
    .description('write the codes q(z|x) gives to data: the means, or --samples K draws per example')
    .argument('<run_dir>', 'a run folder written by latentlab train')
    .requiredOption('-o, --out <file>', 'codes.csv (index, name, label, class, z1 …), codes.npy ([n, d], or [n, K, d] with --samples) or codes.npz (z, labels)'))
    .option('--samples <K>', 'K samples of q(z|x) per example instead of its mean', intArg(1))
    .option('--seed <n>', 'seed for --samples', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('-q, --quiet', 'no summary line')
    .addHelpText('after', `
Examples:
  latentlab encode runs/vae-z2-… -o codes.csv                    # test codes of the run's own data
  latentlab encode runs/vae-z2-… --data ./new-images -o codes.npy
  latentlab encode runs/vae-z2-… --split all --samples 10 -o codes.npz`)
    .action(async (dir: string, flags: EncodeFlags) => {
      if (flags.samples !== undefined && flags.samples > 10000) throw new UserError(`--samples: at most 10000 per example, got ${flags.samples}`);
      await runEncode(dir, flags);
    });
}
