/**
 * What the page learns about run folders: a summary per run for the list, the
 * full record of one run (config, manifest, metrics, figures and the URLs of
 * its checkpointed nets, which the page hands to tf.loadLayersModel as they are).
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelFamily } from '../../core/models/registry.js';
import { openRunFolder, type OpenedRun } from '../run-folder.js';
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

/** Everything the page shows about one run. */
export function describeRun(runsDir: string, name: string) {
  const run = openRun(runsDir, name);
  const base = `/runs/${encodeURIComponent(name)}`;
  const nets = run.checkpoint
    ? Object.fromEntries(modelFamily(run.config).netNames.map((net) => [net, `${base}/checkpoints/${run.checkpoint!.path}/${net}/model.json`]))
    : {};
  return {
    name, config: run.config, manifest: run.manifest, checkpoint: run.checkpoint, metrics: run.metrics,
    figures: figures(run.dir).map((f) => `${base}/${f}`), nets, modified: lastModified(run.dir),
  };
}

/** One summary per run folder directly inside `runsDir`, newest first; broken folders are listed with their error. */
export function listRuns(runsDir: string) {
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
      const r = describeRun(runsDir, entry);
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
