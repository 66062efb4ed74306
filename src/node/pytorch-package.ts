/**
 * LatentLab ⇄ PyTorch, for training beyond one machine.
 *
 * `writePytorchPackage` (latentlab export --format pytorch) writes a folder
 * that trains the same model in PyTorch under torchrun with
 * DistributedDataParallel: the Python sources in python/ (nets rebuilt from
 * architecture.json, LatentLab's objectives and phases, train.py,
 * evaluate.py), the architecture, the starting weights (model.safetensors,
 * LatentLab's names and layouts), latentlab.json (the config, the data's
 * description, the prior's parameters) and the data as LatentLab reads it
 * (data/train.npy, data/test.npy; uint8 where every value is k/255).
 *
 * `importWeights` (latentlab import) turns trained weights back into a run
 * folder: every tensor the model needs, by name, with its shape, finite;
 * nothing else in the file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../core/config/schema.js';
import { readRows, type DataSource } from '../core/data/dataset.js';
import { encodeNpy, npyHeader } from '../core/data/npy.js';
import { exportedWeights, exportSafetensors } from '../core/io/export.js';
import type { ManifestData } from '../core/io/run-layout.js';
import { decodeSafetensors, SafetensorsError } from '../core/io/safetensors.js';
import type { Autoencoder } from '../core/models/types.js';
import type { WassersteinAutoencoder } from '../core/models/wae.js';
import { UserError } from './errors.js';
import { writeDirAtomic } from './fs-atomic.js';
import { packagePath } from './package-root.js';
import { VERSION } from './version.js';

export const PYTORCH_PACKAGE_FORMAT = 'latentlab.pytorch/1';
/** Prior samples written for a prior the Python side cannot sample itself (swiss roll, a samples file). */
const PRIOR_BANK_SIZE = 100_000;

/** What latentlab.json holds. */
export interface PytorchSettings {
  readonly format: typeof PYTORCH_PACKAGE_FORMAT;
  readonly latentlab: string;
  readonly config: Config;
  readonly data: ManifestData;
  readonly prior: Record<string, unknown>;
  /** The WAE's MMD kernel, as the model computed it (C_s = base · s; base = 2·d·σ²_p with σ²_p measured on the prior). */
  readonly kernel?: { readonly base: number; readonly scales: readonly number[] };
}

/** Why `config` cannot be trained by the PyTorch package, or undefined when it can. */
export function pytorchUnsupported(config: Config): string | undefined {
  if (config.model !== 'vae' && config.model !== 'aae' && config.model !== 'wae') return `the ${config.model} family is not in the PyTorch package (vae, aae and wae are)`;
  if (config.model === 'vae' && config.objective.kind !== 'elbo') return `the ${config.objective.kind} objective is not in the PyTorch package (it trains the ELBO)`;
  if (config.model === 'vae' && config.latentLayers.length) return 'stacked stochastic layers (latentLayers) are not in the PyTorch package';
  if (config.prior.kind === 'vamp') return 'the VampPrior is not in the PyTorch package (its priors are fixed distributions)';
  if (config.labels.use !== 'none') return `label-aware training (labels.use "${config.labels.use}") is not in the PyTorch package`;
  if (!['bernoulli', 'gaussian', 'continuous-bernoulli'].includes(config.likelihood.kind)) return `the ${config.likelihood.kind} likelihood is not in the PyTorch package (bernoulli, gaussian and continuous-bernoulli are)`;
  for (const [name, net] of [['encoder', config.encoder], ['decoder', config.decoder]] as const) {
    if (net.kind === 'conv' && net.batchNorm) return `the ${name}'s batch normalisation is not in the PyTorch package`;
  }
  return undefined;
}

/** The prior as the Python side rebuilds it: parameters, or a bank of samples (written to prior_samples.npy). */
function priorSettings(model: Autoencoder, seed: number): { settings: Record<string, unknown>; bank?: Uint8Array } {
  const prior = model.prior as unknown as { kind: string; means?: readonly (readonly number[])[]; std?: number; halfWidth?: number };
  if (prior.kind === 'standard-normal') return { settings: { kind: 'standard-normal' } };
  if (prior.kind === 'gaussian-mixture') return { settings: { kind: 'gaussian-mixture', means: prior.means, std: prior.std } };
  if (prior.kind === 'uniform') return { settings: { kind: 'uniform', halfWidth: prior.halfWidth } };
  const samples = tf.tidy(() => model.prior.sample({ seed, n: PRIOR_BANK_SIZE }).dataSync() as Float32Array);
  return {
    settings: { kind: 'bank', file: 'prior_samples.npy', of: prior.kind, samples: PRIOR_BANK_SIZE },
    bank: encodeNpy(samples, [PRIOR_BANK_SIZE, model.latentDim]),
  };
}

/** The Python sources shipped in python/, as relative path → bytes. */
function pythonSources(): Record<string, Uint8Array> {
  const root = packagePath('python');
  const out: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== '__pycache__') walk(full);
      } else if (name.endsWith('.py')) out[path.relative(root, full).split(path.sep).join('/')] = readFileSync(full);
    }
  };
  walk(root);
  return out;
}

/**
 * Writes `data` to `file` as .npy, batch by batch: uint8 when every value is
 * k/255 for a whole k (images as LatentLab reads them), float32 otherwise.
 * One pass for 8-bit data (a streamed image folder is decoded once); a value
 * off the 8-bit grid starts the file again as float32.
 */
function writeExamplesNpy(data: DataSource, file: string, onProgress?: (done: number) => void): 'uint8' | 'float32' {
  const dim = data.shape.reduce((a, b) => a * b, 1);
  const chunk = Math.max(1, Math.floor(4_000_000 / Math.max(1, dim)));
  const rows = (start: number) => readRows(data, Int32Array.from({ length: Math.min(chunk, data.size - start) }, (_, i) => start + i));
  const write = (bytes: boolean): boolean => {
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, npyHeader(bytes ? '|u1' : '<f4', [data.size, ...data.shape]));
      for (let start = 0; start < data.size; start += chunk) {
        const x = rows(start);
        if (bytes) {
          const b = new Uint8Array(x.length);
          for (let i = 0; i < x.length; i++) {
            const k = Math.round(x[i] * 255);
            if (!(k >= 0 && k <= 255 && Math.fround(k / 255) === x[i])) return false;
            b[i] = k;
          }
          writeSync(fd, b);
        } else writeSync(fd, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
        if (data.size > chunk) onProgress?.(Math.min(data.size, start + chunk));
      }
      fsyncSync(fd);
      return true;
    } finally {
      closeSync(fd);
    }
  };
  if (write(true)) return 'uint8';
  write(false);
  return 'float32';
}

function packageReadme(settings: PytorchSettings, withData: boolean): string {
  const family = settings.config.model.toUpperCase();
  return `# ${family} exported from LatentLab ${settings.latentlab} for PyTorch

Train it on one machine or many with PyTorch's DistributedDataParallel:

\`\`\`sh
python3 train.py                                   # one process
torchrun --nproc_per_node=4 train.py               # 4 processes on this machine (gloo on CPUs, NCCL on GPUs)
torchrun --nnodes=2 --node_rank=0 --master_addr=HOST --nproc_per_node=8 train.py   # and node_rank=1 on the other
python3 train.py --epochs 50 --steps 0 --out weights.safetensors
python3 evaluate.py --weights weights.safetensors  # test ${settings.config.model === 'vae' ? '−ELBO' : settings.config.model === 'wae' ? 'reconstruction (nats per example) and MMD²' : 'reconstruction in nats per example'}
\`\`\`

If torchrun stops before starting any process with "'NoneType' object has no
attribute 'get'" (PyTorch 1.13 on Python 3.11, e.g. Debian 12's python3-torch),
\`python3 launch.py --nproc_per_node=4 train.py\` is torchrun with that bug fixed.

Then bring the weights back to LatentLab (eval, report, the page, export):

\`\`\`sh
latentlab import weights.safetensors --config config.json --out runs/from-pytorch
latentlab eval runs/from-pytorch
\`\`\`

What is here: \`latentlab_torch/\` (the nets rebuilt from \`architecture.json\` with
LatentLab's weight layouts, the likelihood, the prior and the objectives),
\`train.py\`, \`evaluate.py\`, \`model.safetensors\` (the starting weights),
\`config.json\` (LatentLab's configuration), \`latentlab.json\` (the config, the
data's description and the prior's parameters)${withData ? ', and `data/` (the training and test examples as LatentLab reads them)' : '; the data was left out (--no-data): pass `--data DIR` holding train.npy and test.npy, [n, ...] float32 in [0, 1] or uint8'}.

The global batch (config.train.batchSize, or --batch-size) is split over the
processes and their gradients averaged, so N processes train as one process
would on the same batches. The phases, optimizers (Adam, SGD with momentum),
learning-rate schedules, KL warm-up, β, gradient clipping, dynamic
binarisation, the AAE's input noise and the WAE's kernel (latentlab.json \`kernel\`) are LatentLab's.
Under torchrun a WAE's MMD² is taken over each process's share of the batch
against as many prior samples and the gradients averaged: still an unbiased
penalty, from fewer pairs than one process on the whole batch would use.

What it does not do: resume from a checkpoint (it trains from model.safetensors
and writes weights at the end), keep LatentLab's random streams (the same
seed does not give LatentLab's run bit for bit; the figures agree within
noise), carry the optimizer's state back (an imported run resumed in
LatentLab starts its optimizer afresh), or train label-aware models,
batch normalisation, the categorical AAEs or the discretised logistic.
`;
}

export interface PytorchPackageOptions {
  readonly model: Autoencoder;
  readonly config: Config;
  readonly data: ManifestData;
  readonly out: string;
  /** The run's training and test examples, as LatentLab reads them (undefined: no data/ folder). */
  readonly splits?: { readonly train: DataSource; readonly test: DataSource };
  readonly onProgress?: (message: string) => void;
}

/** Writes the package folder (staged beside `out`, then renamed); returns its files. */
export function writePytorchPackage({ model, config, data, out, splits, onProgress }: PytorchPackageOptions): string[] {
  const why = pytorchUnsupported(config);
  if (why) throw new UserError(`--format pytorch: ${why}`);
  const { bytes, architecture } = exportSafetensors(model, data.shape, { latentlab: VERSION });
  const prior = priorSettings(model, config.seed);
  const kernel = (model as Partial<WassersteinAutoencoder>).kernel;
  const settings: PytorchSettings = {
    format: PYTORCH_PACKAGE_FORMAT, latentlab: VERSION, config, data, prior: prior.settings,
    ...(kernel ? { kernel: { base: kernel.base, scales: [...kernel.scales] } } : {}),
  };
  const staged = `${out}.new-${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  writeDirAtomic(staged, {
    ...pythonSources(),
    'architecture.json': `${JSON.stringify(architecture, null, 2)}\n`,
    'model.safetensors': bytes,
    'config.json': `${JSON.stringify(config, null, 2)}\n`,
    'latentlab.json': `${JSON.stringify(settings, null, 2)}\n`,
    'README.md': packageReadme(settings, splits !== undefined),
    ...(prior.bank ? { 'prior_samples.npy': prior.bank } : {}),
  });
  try {
    if (splits) {
      mkdirSync(path.join(staged, 'data'));
      for (const split of ['train', 'test'] as const) {
        const ds = splits[split];
        const kind = writeExamplesNpy(ds, path.join(staged, 'data', `${split}.npy`), (done) => onProgress?.(`data/${split}.npy: ${done}/${ds.size} examples`));
        onProgress?.(`data/${split}.npy: ${ds.size} examples (${kind})`);
      }
    }
    rmSync(out, { recursive: true, force: true });
    renameSync(staged, out);
  } catch (e) {
    rmSync(staged, { recursive: true, force: true });
    throw e;
  }
  const files: string[] = [];
  const walk = (dir: string) => readdirSync(dir).sort().forEach((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : files.push(path.join(dir, n))));
  walk(out);
  return files;
}

/** The settings of a package folder's latentlab.json, when `configFile` sits in one. */
export function readPackageSettings(configFile: string): PytorchSettings | undefined {
  const file = path.join(path.dirname(configFile), 'latentlab.json');
  if (!existsSync(file)) return undefined;
  const settings = JSON.parse(readFileSync(file, 'utf8')) as PytorchSettings;
  if (settings.format !== PYTORCH_PACKAGE_FORMAT) throw new UserError(`${file}: not a LatentLab PyTorch package description (format ${JSON.stringify(settings.format)})`);
  return settings;
}

/**
 * Writes the safetensors file's weights into `model`'s nets: each tensor the
 * model has, by its export name, with its shape and only finite values; a
 * missing, extra, misshapen or non-finite tensor is an error naming it and
 * nothing is written. Returns the file's metadata.
 */
export function importWeights(model: Autoencoder, file: string): Record<string, string> {
  let decoded;
  try {
    decoded = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new UserError(e.message);
    throw e;
  }
  const wanted = exportedWeights(model);
  const names = new Set(wanted.map((w) => w.name));
  const extra = Object.keys(decoded.tensors).filter((n) => !names.has(n));
  const problems: string[] = [];
  if (extra.length) problems.push(`tensors the model does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}`);
  const values = new Map<string, Float32Array>();
  for (const w of wanted) {
    const t = decoded.tensors[w.name];
    if (!t) problems.push(`${w.name} is missing`);
    else if (t.shape.join('×') !== w.shape.join('×')) problems.push(`${w.name} has shape [${t.shape}], the model's is [${w.shape}]`);
    else {
      const data = Float32Array.from(t.data as ArrayLike<number>);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) problems.push(`${w.name}[${bad}] is ${data[bad]} (training diverged?)`);
      else values.set(w.name, data);
    }
  }
  if (problems.length) throw new UserError(`${file}: does not fit the model of --config: ${problems.slice(0, 6).join('; ')}`);
  for (const layer of new Set(wanted.map((w) => w.layer))) {
    const mine = wanted.filter((w) => w.layer === layer).sort((a, b) => a.index - b.index);
    const tensors = mine.map((w) => tf.tensor(values.get(w.name)!, w.shape));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return decoded.metadata;
}
