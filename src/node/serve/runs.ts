/**
 * What the page learns about run folders: a summary per run for the list, the
 * full record of one run (config, manifest, metrics, figures and the URLs of
 * its checkpointed nets, which the page hands to tf.loadLayersModel as they are).
 * A run's checkpoint is verified (config digest, checksums: run-layout.ts
 * `verifyRun`) before the page is pointed at it; the result is kept until
 * one of the files it read changes.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelFamily } from '../../core/models/registry.js';
import { RunFolderError, verifyRun } from '../../core/io/run-layout.js';
import { diskStore, openRunFolder, type OpenedRun } from '../run-folder.js';
import { PROGRESS_FILE } from '../progress-log.js';
import { HttpError } from './http-util.js';
import { isInside } from './safe-path.js';

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** True for a name a run folder may have (no separators, no dot-dot). */
export function isRunName(name: string): boolean {
  return RUN_NAME.test(name) && !name.includes('..');
}

/** The real path of run `name` inside `runsDir`; 404 when it is not a run folder there. */
export function runPath(runsDir: string, name: string): string {
  if (!isRunName(name)) throw new HttpError(404, `no run named ${JSON.stringify(name)}`);
  const root = realpathSync(runsDir);
  const candidate = path.join(root, name);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new HttpError(404, `no run named ${name}`);
  }
  if (!isInside(root, real) || real === root || !statSync(real).isDirectory()) throw new HttpError(404, `no run named ${name}`);
  if (!existsSync(path.join(real, 'config.json')) || !existsSync(path.join(real, 'manifest.json'))) throw new HttpError(404, `${name} is not a run folder`);
  return real;
}

/** Opens a run for the page; a broken folder becomes a 422 with its message. */
export function openRun(runsDir: string, name: string): OpenedRun {
  const dir = runPath(runsDir, name);
  try {
    return openRunFolder(dir);
  } catch (e) {
    throw new HttpError(422, (e as Error).message);
  }
}

function figures(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
}

function lastModified(dir: string): number {
  const times = ['metrics.jsonl', PROGRESS_FILE, 'manifest.json'].map((f) => path.join(dir, f)).filter(existsSync).map((f) => statSync(f).mtimeMs);
  return Math.max(0, ...times);
}

/** Verification results by run folder, each with what it was computed from (the pointer's text, the files' sizes and times). */
const verified = new Map<string, { signature: string; error?: string }>();

function signatureOf(run: OpenedRun): string {
  const files = ['config.json', 'manifest.json', ...Object.keys(run.checkpoint?.checksums ?? {}).map((f) => `checkpoints/${run.checkpoint!.path}/${f}`)];
  const stamps = files.map((f) => {
    try {
      const stat = statSync(path.join(run.dir, f));
      return `${f}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return `${f}:missing`;
    }
  });
  return `${JSON.stringify(run.checkpoint)}|${stamps.join('|')}`;
}

/** Checks a run's checkpoint against its digest and checksums (cached until a file changes); a 422 naming the file when it fails. */
async function verifyForPage(run: OpenedRun): Promise<void> {
  const signature = signatureOf(run);
  let result = verified.get(run.dir);
  if (result?.signature !== signature) {
    result = { signature };
    try {
      await verifyRun(diskStore(run.dir), run, modelFamily(run.config).netNames(run.config));
    } catch (e) {
      if (!(e instanceof RunFolderError)) throw e;
      result.error = e.message;
    }
    verified.set(run.dir, result);
  }
  if (result.error) throw new HttpError(422, result.error);
}

/** Everything the page shows about one run. */
export async function describeRun(runsDir: string, name: string) {
  const run = openRun(runsDir, name);
  await verifyForPage(run);
  const base = `/runs/${encodeURIComponent(name)}`;
  const nets = run.checkpoint
    ? Object.fromEntries(modelFamily(run.config).netNames(run.config).map((net) => [net, `${base}/checkpoints/${run.checkpoint!.path}/${net}/model.json`]))
    : {};
  return {
    name, config: run.config, manifest: run.manifest, checkpoint: run.checkpoint, metrics: run.metrics,
    figures: figures(run.dir).map((f) => `${base}/${f}`), nets, modified: lastModified(run.dir),
  };
}

/** One summary per run folder directly inside `runsDir`, newest first; broken folders are listed with their error. */
export async function listRuns(runsDir: string) {
  const root = realpathSync(runsDir);
  const out = [];
  for (const entry of readdirSync(root)) {
    if (!isRunName(entry)) continue;
    try {
      runPath(runsDir, entry);
    } catch {
      continue;
    }
    try {
      const r = await describeRun(runsDir, entry);
      out.push({
        name: entry, model: r.config.model, latentDim: r.config.latentDim, prior: r.config.prior.kind, data: r.manifest.data,
        epochs: r.metrics.length, last: r.metrics.at(-1) ?? null, checkpoint: r.checkpoint, figures: r.figures, modified: r.modified,
      });
    } catch (e) {
      out.push({ name: entry, error: (e as Error).message, modified: 0 });
    }
  }
  return out.sort((a, b) => b.modified - a.modified || a.name.localeCompare(b.name));
}
