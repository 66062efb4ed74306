/**
 * What the page learns about run folders: a summary per run for the list, the
 * full record of one run (config, manifest, metrics, figures and the URLs of
 * its checkpointed nets, which the page hands to tf.loadLayersModel as they are).
 * A run's checkpoint is verified (config digest, checksums: run-layout.ts
 * `verifyRun`) before the page is pointed at it; the result is kept until
 * one of the files it read changes.
 *
 * Run folders are found anywhere up to MAX_RUN_DEPTH levels under the runs
 * folder (`latentlab compare` puts its six in a folder of their own): a folder
 * holding config.json and manifest.json is a run, and nothing inside it is
 * looked at. A run's name is its path from the runs folder, '/'-separated
 * (`compare-20250101-120000/vae-gaussian`); its group is the folder above it
 * ('' at the top). Hidden entries, `.tmp` folders and names other than
 * RUN_NAME's are skipped; links are followed only while they stay inside.
 *
 * A summary is kept until one of the files it was read from changes (their
 * size, time and inode), so listing the folder every second, as the live
 * list does (runs-feed.ts), costs a few stat calls per run.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelFamily } from '../../core/models/registry.js';
import { RUN_FILES, RunFolderError, verifyRun } from '../../core/io/run-layout.js';
import { diskStore, openRunFolder, type OpenedRun } from '../run-folder.js';
import { PROGRESS_FILE } from '../progress-log.js';
import { HttpError } from './http-util.js';
import { isInside } from './safe-path.js';
import { fileStamps, statusOf } from './status.js';
import { isTrainingLive, TRAINING_FILE } from '../training-marker.js';

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** How many folders deep run folders are looked for: a run's name has at most this many segments. */
export const MAX_RUN_DEPTH = 4;

/** True for a name a run folder may have (no separators, no dot-dot). */
export function isRunName(name: string): boolean {
  return RUN_NAME.test(name) && !name.includes('..');
}

/** A folder the listing skips: a temporary (`x.tmp`, `x.tmp-<pid>-<time>`). */
function isTemporaryName(name: string): boolean {
  return /\.tmp(-\d+-\d+)?$/.test(name);
}

/** The segments of a run's name (`group/…/run`), or null when it is not one the listing could give. */
export function runSegments(name: string): string[] | null {
  const segments = name.split('/');
  if (segments.length > MAX_RUN_DEPTH || segments.some((s) => !isRunName(s) || isTemporaryName(s))) return null;
  return segments;
}

/** The URL path under which the server serves a run's `file` ('/'-separated): /runs/<each segment encoded>/… */
export function runFileUrl(name: string, file = ''): string {
  const parts = [...name.split('/'), ...file.split('/').filter((f) => f !== '')];
  return `/runs/${parts.map(encodeURIComponent).join('/')}`;
}

/** True when `dir` holds a run folder's required files. */
function isRunFolder(dir: string): boolean {
  return existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, 'manifest.json'));
}

/** The real path of `entry` inside `dir` when it is a folder inside `root`, else undefined. */
function folderInside(root: string, dir: string, entry: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(path.join(dir, entry));
    if (!isInside(root, real) || real === root || !statSync(real).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return real;
}

/** The real path of run `name` inside `runsDir`; 404 when it is not a run folder there. */
export function runPath(runsDir: string, name: string): string {
  const segments = runSegments(name);
  if (!segments) throw new HttpError(404, `no run named ${JSON.stringify(name)}`);
  const root = realpathSync(runsDir);
  let real = root;
  for (const [i, segment] of segments.entries()) {
    const next = folderInside(root, real, segment);
    if (!next) throw new HttpError(404, `no run named ${name}`);
    real = next;
    // The listing does not look inside a run folder: neither does a name.
    if (i < segments.length - 1 && isRunFolder(real)) throw new HttpError(404, `no run named ${name}`);
  }
  if (!isRunFolder(real)) throw new HttpError(404, `${name} is not a run folder`);
  return real;
}

/** A run folder found under the runs folder. */
export interface FoundRun {
  /** Its path from the runs folder, '/'-separated. */
  readonly name: string;
  /** The folders above it ('' at the top). */
  readonly group: string;
  /** Its real path. */
  readonly dir: string;
}

/** Every run folder under `runsDir` (MAX_RUN_DEPTH levels at most), in name order. */
export function findRuns(runsDir: string): FoundRun[] {
  const root = realpathSync(runsDir);
  const found: FoundRun[] = [];
  const walk = (dir: string, segments: readonly string[]) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!isRunName(entry) || isTemporaryName(entry)) continue;
      const real = folderInside(root, dir, entry);
      if (!real) continue;
      const rel = [...segments, entry];
      if (isRunFolder(real)) found.push({ name: rel.join('/'), group: segments.join('/'), dir: real });
      else if (rel.length < MAX_RUN_DEPTH) walk(real, rel);
    }
  };
  walk(root, []);
  return found;
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

/** The files of a run's checkpoint that its pointer records a checksum for (relative to the run folder). */
function checkpointFilesOf(run: OpenedRun): string[] {
  return Object.keys(run.checkpoint?.checksums ?? {}).map((f) => `checkpoints/${run.checkpoint!.path}/${f}`);
}

function signatureOf(run: OpenedRun): string {
  const files = ['config.json', 'manifest.json', ...checkpointFilesOf(run)];
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

/** A run folder opened and its checkpoint verified: a 422 with the message when either fails. */
async function openVerified(dir: string): Promise<OpenedRun> {
  let run: OpenedRun;
  try {
    run = openRunFolder(dir);
  } catch (e) {
    throw new HttpError(422, (e as Error).message);
  }
  await verifyForPage(run);
  return run;
}

function describeOpened(name: string, run: OpenedRun) {
  const nets = run.checkpoint
    ? Object.fromEntries(modelFamily(run.config).netNames(run.config).map((net) => [net, runFileUrl(name, `checkpoints/${run.checkpoint!.path}/${net}/model.json`)]))
    : {};
  const epochs = run.metrics.length;
  const plannedEpochs = run.config.train.epochs;
  return {
    name, group: groupOf(name), config: run.config, manifest: run.manifest, checkpoint: run.checkpoint, metrics: run.metrics,
    figures: figures(run.dir).map((f) => runFileUrl(name, f)), nets, modified: lastModified(run.dir),
    epochs, plannedEpochs, status: statusOf({ live: isTrainingLive(run.dir), epochs, plannedEpochs, checkpoint: run.checkpoint !== null }),
  };
}

/** The largest comparison.json read (the six rows of `latentlab compare` take a few kB). */
const MAX_COMPARISON_BYTES = 4 * 1024 * 1024;

/** A regular file's real path when it is one inside `root`, else undefined. */
function fileInside(root: string, file: string): string | undefined {
  try {
    const real = realpathSync(file);
    return isInside(root, real) && statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

const finiteOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The numbers `latentlab compare` measured for the run in folder `dir`, from
 * comparison.json beside it (compare.ts; its rows name their run folder
 * relative to it), with the URL of the comparison's report.html when it is
 * there. Undefined when there is none, or it does not read as one (a file
 * edited by hand breaks nothing: it is left out).
 */
function comparisonOf(root: string, dir: string) {
  const folder = path.dirname(dir);
  if (!isInside(root, folder)) return undefined;
  const file = fileInside(root, path.join(folder, 'comparison.json'));
  if (!file) return undefined;
  let rows: unknown;
  try {
    if (statSync(file).size > MAX_COMPARISON_BYTES) return undefined;
    rows = (JSON.parse(readFileSync(file, 'utf8')) as { rows?: unknown })?.rows;
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  const row = rows.find((r) => typeof r === 'object' && r !== null && (r as { run?: unknown }).run === path.basename(dir)) as Record<string, unknown> | undefined;
  const { latent, test, priorLabel } = row ?? {};
  if (typeof latent !== 'object' || latent === null || typeof test !== 'object' || test === null || typeof priorLabel !== 'string') return undefined;
  const l = latent as Record<string, unknown>;
  const relative = path.relative(root, folder).split(path.sep).filter((s) => s !== '');
  const report = fileInside(root, path.join(folder, 'report.html')) ? `/runs/${[...relative, 'report.html'].map(encodeURIComponent).join('/')}` : null;
  return {
    latent: { images: finiteOrNull(l.images), mmd: finiteOrNull(l.mmd), twoSample: finiteOrNull(l.twoSample), knn: finiteOrNull(l.knn) },
    test: Object.fromEntries(Object.entries(test).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>,
    priorLabel,
    report,
  };
}

/** Everything the page shows about one run; `comparison` when a comparison it was part of measured it. */
export async function describeRun(runsDir: string, name: string) {
  const dir = runPath(runsDir, name);
  const detail = describeOpened(name, await openVerified(dir));
  const comparison = comparisonOf(realpathSync(runsDir), dir);
  return comparison ? { ...detail, comparison } : detail;
}

function groupOf(name: string): string {
  return name.split('/').slice(0, -1).join('/');
}

/** What a summary shows of a run that reads, apart from its status (which is asked afresh each time). */
function summaryOf(name: string, run: OpenedRun) {
  return {
    name, group: groupOf(name), model: run.config.model, latentDim: run.config.latentDim, prior: run.config.prior.kind, data: run.manifest.data,
    epochs: run.metrics.length, plannedEpochs: run.config.train.epochs,
    last: run.metrics.at(-1) ?? null, checkpoint: run.checkpoint, figures: figures(run.dir).map((f) => runFileUrl(name, f)), modified: lastModified(run.dir),
  };
}

/** The files a summary is read from: when none of them changed (fs stamps), the summary has not either ('.': the folder's entries, figures among them). */
const SUMMARY_FILES = [RUN_FILES.config, RUN_FILES.manifest, RUN_FILES.metrics, PROGRESS_FILE, RUN_FILES.latest, TRAINING_FILE, '.'];

interface CachedSummary {
  readonly files: readonly string[];
  readonly stamps: string;
  readonly summary?: ReturnType<typeof summaryOf>;
  readonly error?: string;
}

/** Summaries by run name and folder, each kept until a file it was read from changes. */
const summaries = new Map<string, CachedSummary>();

async function readSummary(found: FoundRun): Promise<CachedSummary> {
  for (let attempt = 1; ; attempt++) {
    const stamps = fileStamps(found.dir, SUMMARY_FILES);
    let run: OpenedRun | undefined;
    try {
      run = await openVerified(found.dir);
      const files = [...SUMMARY_FILES, ...checkpointFilesOf(run)];
      return { files, stamps: `${stamps}|${fileStamps(found.dir, files.slice(SUMMARY_FILES.length))}`, summary: summaryOf(found.name, run) };
    } catch (e) {
      // A file replaced while it was read (a checkpoint written meanwhile): read again once.
      if (attempt === 1 && fileStamps(found.dir, SUMMARY_FILES) !== stamps) continue;
      const files = [...SUMMARY_FILES, ...(run ? checkpointFilesOf(run) : [])];
      return { files, stamps: `${stamps}|${fileStamps(found.dir, files.slice(SUMMARY_FILES.length))}`, error: (e as Error).message };
    }
  }
}

/** One summary per run folder under `runsDir` (findRuns), newest first; broken folders are listed with their error. */
export async function listRuns(runsDir: string) {
  const out = [];
  const seen = new Set<string>();
  for (const found of findRuns(runsDir)) {
    const key = `${found.name}\0${found.dir}`;
    seen.add(key);
    let cached = summaries.get(key);
    if (!cached || fileStamps(found.dir, cached.files) !== cached.stamps) {
      cached = await readSummary(found);
      summaries.set(key, cached);
    }
    const live = isTrainingLive(found.dir);
    if (cached.summary) {
      const { epochs, plannedEpochs, last, checkpoint, figures: figureUrls, modified, ...rest } = cached.summary;
      out.push({ ...rest, epochs, plannedEpochs, status: statusOf({ live, epochs, plannedEpochs, checkpoint: checkpoint !== null }), last, checkpoint, figures: figureUrls, modified });
    } else {
      // A folder that does not read (a broken file, or a write under way) has no epochs to count.
      out.push({ name: found.name, group: found.group, error: cached.error ?? '', status: live ? 'training' as const : 'interrupted' as const, modified: 0 });
    }
  }
  const root = realpathSync(runsDir);
  for (const key of summaries.keys()) if (!seen.has(key) && isInside(root, key.slice(key.indexOf('\0') + 1))) summaries.delete(key);
  return out.sort((a, b) => b.modified - a.modified || a.name.localeCompare(b.name));
}
