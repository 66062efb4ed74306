/**
 * Crash harness: `latentlab train` killed with SIGKILL at random moments,
 * then resumed, against one uninterrupted run of the same training.
 *
 *   node --import tsx bench/crash-harness.ts [--kills N] [--seed S] [--model vae|aae]
 *        [--epochs E] [--out DIR] [--keep]
 *
 * 1. The reference: a small run (600 MNIST training and 200 test images,
 *    2-D latent, hidden 32, batch 50, training seed 1) trained to the end,
 *    timed (when its run folder and each checkpoint appeared).
 * 2. N kills. Each sequence starts the same training in a fresh folder and
 *    kills it; some sequences go on killing the same folder (kill, resume,
 *    kill the resume, …). A kill is aimed either at a uniformly random time
 *    within the process's expected life, or at a write: the harness watches
 *    the folders (inotify, with polling behind it) for the temporary names
 *    fs-atomic.ts writes under (`.epoch-000N.tmp-<pid>-<ms>`,
 *    `.latest.json.tmp-…`, the run folder's own, metrics.jsonl's on resume,
 *    the figures') and kills as soon as the chosen one appears. Where a
 *    kill landed is read from what it left: a temporary of the killed
 *    process (during a write), a checkpoint the process had written
 *    (between writes; for a resume of a finished run, any write), or
 *    neither (before its first checkpoint).
 * 3. After each kill the folder is checked: `latest.json` names a complete
 *    checkpoint of this run (the reference's file set, byte sizes matching
 *    model.json's and optimizer.json's manifests, the checksums latest.json
 *    records, if any), every weight and optimizer value of every checkpoint
 *    folder present is finite, metrics.jsonl parses (a torn last line only
 *    if the project's reader leaves it out) and holds epochs 1..k with
 *    latest ≤ k ≤ latest + 1.
 * 4. Each sequence ends with `train --resume` to the full epoch count, which
 *    must exit 0 and leave no temporaries; then its metrics (every field but
 *    the timings), latest.json and every checkpoint file must equal the
 *    reference's byte for byte (the same seed on the same backend repeats a
 *    run; an interruption must not change that).
 *
 * Exit code 1 on any failed check. Folders go to a fresh folder under
 * --out (default: the system's temporary folder), removed at the end unless
 * --keep or a check failed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs as parseCommandLine } from 'node:util';
import { readMetrics } from '../src/node/run-folder.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO_ROOT, 'bin/latentlab.js');

/** fs-atomic.ts's temporary names: `.<name>.tmp-<pid>-<ms>` (the pattern removeStaleTemporaries removes). */
const TEMPORARY = /^\.(.+)\.tmp-(\d+)-(\d+)$/;
/** EpochRecord fields that are wall-clock timings, not results. */
const TIMING_FIELDS = ['seconds', 'evalSeconds', 'imagesPerSecond'];

export type HarnessModel = 'vae' | 'aae';

export interface CrashHarnessOptions {
  /** Kills to deliver (processes that ended by themselves before their kill do not count). */
  readonly kills: number;
  /** Seed of the generator that picks kill moments (the training seed is always 1). */
  readonly seed: number;
  readonly model?: HarnessModel;
  /** Epochs of the training (default 20). */
  readonly epochs?: number;
  /** Parent of the harness's own folder (default: the system's temporary folder). */
  readonly out?: string;
  /** Keep the folders (they are also kept when a check fails). */
  readonly keep?: boolean;
  /** Share of kills aimed at a write rather than at a random time (default 0.4). */
  readonly writeFraction?: number;
  /** Share of sequences that kill the same folder more than once (default 0.35). */
  readonly chainFraction?: number;
  /** Most kills of one folder (default 4). */
  readonly maxChain?: number;
  /**
   * Kills per sequence, in order, instead of drawing them (a fixed plan, as
   * the test uses); their sum replaces `kills`.
   */
  readonly chains?: readonly number[];
  /**
   * Kills that must land during a checkpoint write (a `.epoch-*` or
   * `.latest.json` temporary left behind; default 1). While fewer have, the
   * last kills of the plan are aimed at checkpoint folder writes, and up to
   * `extraWriteKills` more are added; still short is a failure.
   */
  readonly minCheckpointWriteLandings?: number;
  readonly extraWriteKills?: number;
  readonly backend?: string;
  /** Progress lines (default: console.log). */
  readonly log?: (line: string) => void;
}

export type Landing = 'before-first-checkpoint' | 'during-write' | 'between-writes';

export interface KillReport {
  readonly index: number;
  readonly sequence: number;
  /** 1 for the fresh run's kill, 2 for the kill of its first resume, … */
  readonly killInSequence: number;
  readonly process: 'fresh' | 'resume';
  /** Checkpointed epoch the process started from (0: none). */
  readonly startEpoch: number;
  readonly aim: string;
  readonly killedAfterMs: number;
  readonly landed: Landing;
  /** What the kill left: the temporary it cut short, the latest epoch, leftovers. */
  readonly detail: string;
  /** True when the kill left a temporary of a checkpoint write (`.epoch-*` folder or `.latest.json`). */
  readonly checkpointWrite: boolean;
  readonly latestEpoch: number;
  readonly problems: readonly string[];
}

export interface SequenceReport {
  readonly sequence: number;
  readonly folder: string;
  readonly kills: number;
  /** Processes that were started to continue this folder after a kill, that ended by themselves: all must exit 0. */
  readonly resumeExits: readonly (number | null)[];
  readonly resumedOk: boolean;
  readonly identical: boolean;
  readonly problems: readonly string[];
}

export interface CrashHarnessResult {
  readonly root: string;
  readonly kept: boolean;
  readonly model: HarnessModel;
  readonly epochs: number;
  readonly reference: { readonly seconds: number; readonly finalTest: Readonly<Record<string, number>> };
  readonly kills: readonly KillReport[];
  readonly sequences: readonly SequenceReport[];
  /** Every failed check, one line each. */
  readonly failures: readonly string[];
  readonly seconds: number;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The small training every process of the harness runs (fresh), or continues (resume). */
export function trainingArgs(model: HarnessModel, epochs: number, backend: string): string[] {
  return [
    '--model', model, '--train-limit', '600', '--test-limit', '200', '--latent-dim', '2', '--hidden', '32',
    ...(model === 'aae' ? ['--discriminator-hidden', '32'] : []),
    '--batch-size', '50', '--epochs', String(epochs), '--seed', '1', '--backend', backend, '-q',
  ];
}

// ---------------------------------------------------------------------------
// Watching a run folder for temporaries, and running one training process

interface SeenTemporary {
  /** Where: the parent of the run folder, the run folder, or its checkpoints/ folder. */
  readonly where: 'out' | 'run' | 'checkpoints';
  readonly name: string;
  readonly atMs: number;
}

/** Reports each new temporary name in the run folder, its checkpoints/ and (for the run folder's own) its parent. */
class TemporaryWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly seen = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly folders: Record<SeenTemporary['where'], string>;

  constructor(out: string, private readonly runName: string, private readonly started: number, private readonly onTemporary: (t: SeenTemporary) => void) {
    const dir = path.join(out, runName);
    this.folders = { out, run: dir, checkpoints: path.join(dir, 'checkpoints') };
    this.scan();
    this.timer = setInterval(() => this.scan(), 3);
  }

  private attach(where: SeenTemporary['where']): void {
    const folder = this.folders[where];
    if (this.watchers.has(folder) || !existsSync(folder)) return;
    try {
      const w = watch(folder, (_event, file) => {
        if (!file) return;
        const name = file.toString();
        this.note(where, name);
        if (where === 'out' && name === this.runName) {
          this.attach('run');
          this.attach('checkpoints');
        }
      });
      w.on('error', () => this.watchers.delete(folder));
      this.watchers.set(folder, w);
    } catch {
      // The folder went away between the check and the watch; the next scan tries again.
    }
  }

  private scan(): void {
    for (const where of ['out', 'run', 'checkpoints'] as const) {
      this.attach(where);
      let names: string[];
      try {
        names = readdirSync(this.folders[where]);
      } catch {
        continue;
      }
      for (const name of names) this.note(where, name);
    }
  }

  private note(where: SeenTemporary['where'], name: string): void {
    if (!TEMPORARY.test(name)) return;
    if (where === 'out' && !name.startsWith(`.${this.runName}.tmp-`)) return;
    const key = `${where}/${name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.onTemporary({ where, name, atMs: Date.now() - this.started });
  }

  close(): void {
    clearInterval(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

/** A write to kill at: the `nth` temporary in `where` whose name matches `pattern`. */
interface WriteTarget {
  readonly where: SeenTemporary['where'];
  readonly pattern: RegExp;
  readonly nth: number;
  readonly label: string;
  /** A checkpoint write (the checkpoint folder or latest.json). */
  readonly checkpoint: boolean;
}

type Aim = { readonly kind: 'none' } | { readonly kind: 'time'; readonly atMs: number } | { readonly kind: 'write'; readonly target: WriteTarget };

function describeAim(aim: Aim): string {
  if (aim.kind === 'time') return `time ${(aim.atMs / 1000).toFixed(2)} s`;
  if (aim.kind === 'write') return `write ${aim.target.label}`;
  return 'none';
}

interface ProcessOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly pid: number;
  /** We sent SIGKILL (as aimed) and the process died of it. */
  readonly killed: boolean;
  /** It did not end within PROCESS_DEADLINE_MS (then it was killed, and that is a failure, not a kill). */
  readonly hung: boolean;
  readonly killedAfterMs: number;
  readonly durationMs: number;
  readonly temporaries: readonly SeenTemporary[];
  readonly output: string;
}

const PROCESS_DEADLINE_MS = 300_000;

/** Runs `latentlab train …args` (whose run folder is `out/runName`), killing it as `aim` says. */
function runTraining(args: readonly string[], out: string, runName: string, aim: Aim): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'train', ...args], {
      cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let killSent = -1;
    let hung = false;
    const kill = () => {
      if (killSent >= 0) return;
      killSent = Date.now() - started;
      child.kill('SIGKILL');
    };
    const temporaries: SeenTemporary[] = [];
    let matches = 0;
    const watcher = new TemporaryWatcher(out, runName, started, (t) => {
      temporaries.push(t);
      if (aim.kind !== 'write' || t.where !== aim.target.where || !aim.target.pattern.test(t.name)) return;
      if (++matches === aim.target.nth) kill();
    });
    const timer = aim.kind === 'time' ? setTimeout(kill, aim.atMs) : undefined;
    const deadline = setTimeout(() => {
      output += `\n[harness] no exit after ${PROCESS_DEADLINE_MS / 1000} s: killed\n`;
      hung = killSent < 0;
      kill();
    }, PROCESS_DEADLINE_MS);
    child.on('error', (e) => {
      watcher.close();
      clearTimeout(timer);
      clearTimeout(deadline);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      const durationMs = Date.now() - started;
      watcher.close();
      clearTimeout(timer);
      clearTimeout(deadline);
      resolve({
        code, signal, pid: child.pid ?? -1, killed: !hung && killSent >= 0 && signal === 'SIGKILL', hung, killedAfterMs: killSent, durationMs, temporaries, output,
      });
    });
  });
}

// ---------------------------------------------------------------------------
// Checking a run folder

/** A file of the run folder as bytes, or undefined. */
function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Files under `dir`, relative and '/'-separated, sorted (hidden ones included). */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

interface TensorEntry { readonly name: string; readonly shape: readonly number[]; readonly dtype?: string }

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Checks one binary file of a checkpoint against the JSON that describes
 * it (model.json's weightsManifest or optimizer.json's weights): its size,
 * and that every float32 value is finite. Returns problems.
 */
function checkTensorFile(folder: string, binRel: string): string[] {
  const jsonRel = binRel.endsWith('/weights.bin') ? binRel.replace(/weights\.bin$/, 'model.json') : binRel.replace(/\.bin$/, '.json');
  const json = readIfThere(path.join(folder, jsonRel));
  const bin = readIfThere(path.join(folder, binRel));
  if (!bin) return [`${binRel}: missing`];
  if (!json) return [`${binRel}: ${jsonRel}, which describes it, is missing`];
  let entries: TensorEntry[];
  try {
    const parsed = JSON.parse(json.toString('utf8')) as { weightsManifest?: { weights: TensorEntry[] }[]; weights?: TensorEntry[] };
    entries = parsed.weightsManifest ? parsed.weightsManifest.flatMap((g) => g.weights) : parsed.weights ?? [];
  } catch (e) {
    return [`${jsonRel}: not JSON (${(e as Error).message})`];
  }
  if (!entries.length) return [`${jsonRel}: lists no tensors`];
  let offset = 0;
  const problems: string[] = [];
  for (const t of entries) {
    const dtype = t.dtype ?? 'float32';
    const count = t.shape.reduce((a, b) => a * b, 1);
    const size = count * (BYTES_PER_VALUE[dtype] ?? 4);
    if (offset + size > bin.length) {
      problems.push(`${binRel}: ${bin.length} bytes, shorter than ${jsonRel} describes (tensor ${t.name} needs bytes ${offset}..${offset + size})`);
      return problems;
    }
    if (dtype === 'float32') {
      const view = new DataView(bin.buffer, bin.byteOffset + offset, size);
      let bad = 0;
      for (let i = 0; i < count; i++) if (!Number.isFinite(view.getFloat32(i * 4, true))) bad++;
      if (bad) problems.push(`${binRel}: tensor ${t.name} holds ${bad} value(s) that are not finite`);
    }
    offset += size;
  }
  if (offset !== bin.length) problems.push(`${binRel}: ${bin.length} bytes, ${jsonRel} describes ${offset}`);
  return problems;
}

/** Checks every file of a checkpoint folder that is present: tensors whole and finite, JSON that parses. */
function checkCheckpointFolder(folder: string, label: string): string[] {
  const problems: string[] = [];
  for (const rel of listFiles(folder)) {
    if (rel.endsWith('.bin')) problems.push(...checkTensorFile(folder, rel).map((p) => `${label}/${p}`));
    else if (rel.endsWith('.json')) {
      try {
        JSON.parse(readFileSync(path.join(folder, rel), 'utf8'));
      } catch (e) {
        problems.push(`${label}/${rel}: not JSON (${(e as Error).message})`);
      }
    }
  }
  return problems;
}

const stripTimings = (record: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([k]) => !TIMING_FIELDS.includes(k)));

/** What the uninterrupted run left, to check and compare against. */
export interface Reference {
  readonly dir: string;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly latest: Record<string, unknown>;
  /** Files of its last checkpoint, relative to the checkpoint folder. */
  readonly checkpointFiles: readonly string[];
  /** metrics.jsonl's records without their timings. */
  readonly records: readonly Record<string, unknown>[];
}

export function readReference(dir: string, epochs: number): Reference {
  const latest = JSON.parse(readFileSync(path.join(dir, 'checkpoints/latest.json'), 'utf8')) as Record<string, unknown>;
  const records = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => stripTimings(JSON.parse(l)));
  if (latest.epoch !== epochs || records.length !== epochs) throw new Error(`the reference run ${dir} did not train ${epochs} epochs`);
  return {
    dir, epochs, stepsPerEpoch: (latest.step as number) / epochs, latest, records,
    checkpointFiles: listFiles(path.join(dir, 'checkpoints', latest.path as string)),
  };
}

export interface FolderState {
  readonly exists: boolean;
  /** The epoch latest.json names; 0 without one. */
  readonly latestEpoch: number;
  readonly metricsRecords: number;
  readonly tornMetrics: boolean;
  /** Temporaries in the run folder, its checkpoints/ and (the run folder's own) its parent, as paths relative to the parent. */
  readonly temporaries: readonly string[];
  /** epoch-* folders other than the one latest.json names. */
  readonly otherCheckpoints: readonly string[];
  readonly problems: readonly string[];
}

/** The temporaries of run folder `out/name`, as paths relative to `out`. */
export function temporariesOf(out: string, name: string): string[] {
  const found: string[] = [];
  for (const rel of ['', name, `${name}/checkpoints`]) {
    let names: string[];
    try {
      names = readdirSync(path.join(out, rel));
    } catch {
      continue;
    }
    for (const n of names) {
      if (!TEMPORARY.test(n) || (rel === '' && !n.startsWith(`.${name}.tmp-`))) continue;
      found.push(rel ? `${rel}/${n}` : n);
    }
  }
  return found.sort();
}

/**
 * Checks the run folder `out/name` as a kill may have left it (see the
 * module comment); `problems` lists what is wrong, empty when it is sound.
 */
export function checkRunFolder(out: string, name: string, ref: Reference): FolderState {
  const dir = path.join(out, name);
  const temporaries = temporariesOf(out, name);
  if (!existsSync(dir)) return { exists: false, latestEpoch: 0, metricsRecords: 0, tornMetrics: false, temporaries, otherCheckpoints: [], problems: [] };
  const problems: string[] = [];
  for (const f of ['config.json', 'manifest.json']) {
    try {
      JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      problems.push(`${f}: ${(e as Error).message}`);
    }
  }
  // latest.json: a complete, finite checkpoint of this run.
  let latestEpoch = 0;
  let latestPath: string | undefined;
  const latestBytes = readIfThere(path.join(dir, 'checkpoints/latest.json'));
  if (latestBytes) {
    try {
      const latest = JSON.parse(latestBytes.toString('utf8')) as { epoch: unknown; step: unknown; path: unknown; checksums?: Record<string, string> };
      if (!Number.isInteger(latest.epoch) || (latest.epoch as number) < 1 || (latest.epoch as number) > ref.epochs) problems.push(`latest.json: epoch ${JSON.stringify(latest.epoch)}`);
      else latestEpoch = latest.epoch as number;
      const expectedPath = `epoch-${String(latest.epoch).padStart(4, '0')}`;
      if (latest.path !== expectedPath) problems.push(`latest.json: path ${JSON.stringify(latest.path)}, expected ${expectedPath}`);
      if (latest.step !== latestEpoch * ref.stepsPerEpoch) problems.push(`latest.json: step ${JSON.stringify(latest.step)} after epoch ${latestEpoch}, expected ${latestEpoch * ref.stepsPerEpoch}`);
      if (typeof latest.path === 'string' && /^epoch-\d{4,}$/.test(latest.path)) {
        latestPath = latest.path;
        const folder = path.join(dir, 'checkpoints', latest.path);
        if (!existsSync(folder) || !statSync(folder).isDirectory()) problems.push(`latest.json names ${latest.path}, which is not there`);
        else {
          const files = listFiles(folder);
          const missing = ref.checkpointFiles.filter((f) => !files.includes(f));
          const extra = files.filter((f) => !ref.checkpointFiles.includes(f));
          if (missing.length) problems.push(`${latest.path} (named by latest.json) lacks ${missing.join(', ')}`);
          if (extra.length) problems.push(`${latest.path} (named by latest.json) has files a checkpoint does not: ${extra.join(', ')}`);
          for (const [file, sum] of Object.entries(latest.checksums ?? {})) {
            const data = readIfThere(path.join(folder, file));
            if (data && createHash('sha256').update(data).digest('hex') !== sum) problems.push(`${latest.path}/${file}: its SHA-256 is not the one latest.json records`);
          }
        }
      }
    } catch (e) {
      problems.push(`latest.json: not JSON (${(e as Error).message})`);
    }
  }
  // Every checkpoint folder present: whole files, finite values (a kill never leaves a NaN or torn checkpoint).
  const checkpoints = path.join(dir, 'checkpoints');
  const epochFolders = existsSync(checkpoints) ? readdirSync(checkpoints).filter((n) => /^epoch-\d{4,}$/.test(n)).sort() : [];
  for (const n of epochFolders) problems.push(...checkCheckpointFolder(path.join(checkpoints, n), n));
  if (latestBytes && !existsSync(checkpoints)) problems.push('checkpoints/ is missing');
  // metrics.jsonl: whole lines parse; a torn last line only if the reader leaves it out.
  let metricsRecords = 0;
  let tornMetrics = false;
  const metricsBytes = readIfThere(path.join(dir, 'metrics.jsonl'));
  if (!metricsBytes) problems.push('metrics.jsonl is missing');
  else {
    const text = metricsBytes.toString('utf8');
    const segments = text.split('\n');
    const tail = segments.pop() ?? '';
    tornMetrics = tail.length > 0;
    const epochs: number[] = [];
    segments.forEach((line, i) => {
      try {
        const r = JSON.parse(line) as { epoch: number; train: Record<string, number>; test: Record<string, number> };
        epochs.push(r.epoch);
        const values = [...Object.values(r.train), ...Object.values(r.test)];
        if (!values.every((v) => Number.isFinite(v))) problems.push(`metrics.jsonl line ${i + 1}: a term that is not finite`);
      } catch (e) {
        problems.push(`metrics.jsonl line ${i + 1} (a whole line) does not parse: ${(e as Error).message}`);
      }
    });
    metricsRecords = epochs.length;
    if (!epochs.every((e, i) => e === i + 1)) problems.push(`metrics.jsonl: epochs ${epochs.join(',')}, expected 1..${epochs.length}`);
    if (metricsRecords < latestEpoch || metricsRecords > latestEpoch + 1) problems.push(`metrics.jsonl holds ${metricsRecords} epoch(s), the latest checkpoint is epoch ${latestEpoch}`);
    try {
      const read = readMetrics(dir);
      if (read.length !== metricsRecords) problems.push(`the run-folder reader finds ${read.length} record(s) in metrics.jsonl, ${metricsRecords} whole line(s) are there${tornMetrics ? ' (and a torn last line)' : ''}`);
    } catch (e) {
      problems.push(`the run-folder reader refuses metrics.jsonl${tornMetrics ? ' (torn last line)' : ''}: ${(e as Error).message}`);
    }
  }
  const otherCheckpoints = epochFolders.filter((n) => n !== latestPath);
  return { exists: true, latestEpoch, metricsRecords, tornMetrics, temporaries, otherCheckpoints, problems };
}

/** How a finished run folder differs from the reference (empty when identical). */
export function compareToReference(dir: string, ref: Reference): string[] {
  const differences: string[] = [];
  const records = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => stripTimings(JSON.parse(l)));
  if (records.length !== ref.records.length) differences.push(`metrics.jsonl: ${records.length} records, the reference has ${ref.records.length}`);
  for (let i = 0; i < Math.min(records.length, ref.records.length); i++) {
    if (!isDeepStrictEqual(records[i], ref.records[i])) {
      differences.push(`metrics.jsonl epoch ${i + 1}: ${JSON.stringify(records[i])} vs the reference's ${JSON.stringify(ref.records[i])}`);
      break;
    }
  }
  const latest = JSON.parse(readFileSync(path.join(dir, 'checkpoints/latest.json'), 'utf8'));
  if (!isDeepStrictEqual(latest, ref.latest)) differences.push(`latest.json: ${JSON.stringify(latest)} vs the reference's ${JSON.stringify(ref.latest)}`);
  const ours = path.join(dir, 'checkpoints', ref.latest.path as string);
  const theirs = path.join(ref.dir, 'checkpoints', ref.latest.path as string);
  if (!existsSync(ours)) return [...differences, `${ref.latest.path} is missing`];
  const files = listFiles(ours);
  if (!isDeepStrictEqual(files, ref.checkpointFiles)) differences.push(`${ref.latest.path}: files ${files.join(', ')}; the reference's ${ref.checkpointFiles.join(', ')}`);
  for (const f of ref.checkpointFiles) {
    const a = readIfThere(path.join(ours, f));
    const b = readFileSync(path.join(theirs, f));
    if (!a || a.equals(b)) continue;
    let detail = '';
    if (f.endsWith('.bin') && a.length === b.length && a.length % 4 === 0) {
      const x = new Float32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.length));
      const y = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
      let n = 0;
      let max = 0;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) (n++, (max = Math.max(max, Math.abs(x[i] - y[i]))));
      detail = ` (${n} of ${x.length} values differ, by at most ${max.toExponential(2)})`;
    }
    differences.push(`${ref.latest.path}/${f} differs from the reference's${detail}`);
  }
  return differences;
}

// ---------------------------------------------------------------------------
// The harness

interface Timeline {
  /** ms from spawn until the run folder's temporary appeared (the end of start-up). */
  readonly folderMs: number;
  /** ms from spawn until epoch e's latest.json temporary appeared, e = 1..E (index e - 1). */
  readonly checkpointMs: readonly number[];
  readonly endMs: number;
}

function describeTemporary(rel: string): string {
  const base = path.basename(rel);
  const m = TEMPORARY.exec(base);
  return m ? `.${m[1]}.tmp` : base;
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const LANDING_LABEL: Record<Landing, string> = {
  'before-first-checkpoint': 'before 1st checkpoint', 'during-write': 'during a write', 'between-writes': 'between writes',
};

/** The summary: one row per kill, then the totals. */
export function formatSummary(result: CrashHarnessResult): string {
  const seq = new Map(result.sequences.map((s) => [s.sequence, s]));
  const rows = result.kills.map((k) => {
    const s = seq.get(k.sequence);
    return [
      String(k.index), `run-${String(k.sequence).padStart(2, '0')}#${k.killInSequence}`, k.process === 'fresh' ? 'fresh' : `resume@${k.startEpoch}`,
      k.aim, `${(k.killedAfterMs / 1000).toFixed(2)} s`, LANDING_LABEL[k.landed], k.detail, k.problems.length ? 'NO' : 'yes',
      s ? (s.resumedOk ? 'yes' : 'NO') : '-', s ? (s.identical ? 'yes' : 'NO') : '-',
    ];
  });
  const count = (l: Landing) => result.kills.filter((k) => k.landed === l).length;
  const lines = [
    table(['#', 'folder', 'process', 'aimed at', 'killed', 'landed', 'left', 'consistent', 'resumed OK', 'identical'], rows),
    '',
    `kills: ${result.kills.length} (${result.model}, ${result.epochs} epochs; reference ${result.reference.seconds.toFixed(1)} s) in ${result.sequences.length} folders, ` +
      `${result.sequences.filter((s) => s.kills > 1).length} of them killed more than once`,
    `landed: before the first checkpoint ${count('before-first-checkpoint')}, during a write ${count('during-write')} ` +
      `(checkpoint writes ${result.kills.filter((k) => k.checkpointWrite).length}), between writes ${count('between-writes')}`,
    `consistent after the kill: ${result.kills.filter((k) => !k.problems.length).length}/${result.kills.length}`,
    `resumed OK (exit 0, no temporaries left): ${result.sequences.filter((s) => s.resumedOk).length}/${result.sequences.length}`,
    `identical to the uninterrupted run (metrics, latest.json, checkpoint bytes): ${result.sequences.filter((s) => s.identical).length}/${result.sequences.length}`,
    `final test terms of the reference: ${Object.entries(result.reference.finalTest).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  if (result.failures.length) lines.push('', `FAILED (${result.failures.length}):`, ...result.failures.map((f) => `  - ${f}`));
  lines.push('', result.kept ? `folders kept in ${result.root}` : 'folders removed');
  return lines.join('\n');
}

export async function runCrashHarness(options: CrashHarnessOptions): Promise<CrashHarnessResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = options.model ?? 'vae';
  const epochs = options.epochs ?? 20;
  const backend = options.backend ?? 'wasm';
  const writeFraction = options.writeFraction ?? 0.4;
  const chainFraction = options.chainFraction ?? 0.35;
  const maxChain = options.maxChain ?? 4;
  const minWriteLandings = options.minCheckpointWriteLandings ?? 1;
  const extraWriteKills = options.extraWriteKills ?? 4;
  const plannedKills = options.chains ? options.chains.reduce((a, b) => a + b, 0) : options.kills;
  if (!Number.isInteger(plannedKills) || plannedKills < 1) throw new Error('--kills must be a positive whole number');
  if (!Number.isInteger(epochs) || epochs < 2) throw new Error('--epochs must be a whole number ≥ 2');
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const started = Date.now();
  const parent = options.out ?? os.tmpdir();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(path.join(parent, `latentlab-crash-${model}-s${options.seed}-`));
  const failures: string[] = [];
  const kills: KillReport[] = [];
  const sequences: SequenceReport[] = [];
  const fail = (line: string) => {
    failures.push(line);
    log(`  FAIL ${line}`);
  };
  const args = trainingArgs(model, epochs, backend);

  // The reference, timed.
  log(`reference: ${model}, ${epochs} epochs (${args.join(' ')}) in ${root}`);
  const refOut = path.join(root, 'reference');
  mkdirSync(refOut);
  const refRun = await runTraining([...args, '--out', refOut, '--name', 'run'], refOut, 'run', { kind: 'none' });
  if (refRun.code !== 0) throw new Error(`the reference run failed (exit ${refRun.code}, ${refRun.signal ?? 'no signal'}):\n${refRun.output.slice(-3000)}`);
  const ref = readReference(path.join(refOut, 'run'), epochs);
  // The checks themselves must pass on a run that was never interrupted.
  for (const p of checkRunFolder(refOut, 'run', ref).problems) fail(`the reference run: ${p}`);
  const folderMs = refRun.temporaries.find((t) => t.where === 'out')?.atMs ?? 0;
  const checkpointMs = refRun.temporaries.filter((t) => t.where === 'checkpoints' && t.name.startsWith('.latest.json.tmp-')).map((t) => t.atMs);
  const timeline: Timeline = { folderMs, checkpointMs, endMs: refRun.durationMs };
  log(`reference done in ${(refRun.durationMs / 1000).toFixed(1)} s: run folder at ${(folderMs / 1000).toFixed(2)} s, checkpoints ${checkpointMs.length ? `${(checkpointMs[0] / 1000).toFixed(2)}–${(checkpointMs.at(-1)! / 1000).toFixed(2)} s` : 'not seen'}`);

  // Start-up (spawn to the first write) varies with the machine's load: the shortest seen so far is taken,
  // so that a kill drawn in a process's expected life rarely comes after its end.
  let startupMs = timeline.folderMs;
  const noteStartup = (outcome: ProcessOutcome) => {
    const first = outcome.temporaries[0]?.atMs;
    if (first !== undefined && first > 0) startupMs = Math.min(startupMs, first);
  };
  /** Expected life of a process that starts from checkpoint `epoch` (0: a fresh run). */
  const expectedMs = (epoch: number): number => {
    const from = epoch === 0 || timeline.checkpointMs.length < epoch ? timeline.folderMs : timeline.checkpointMs[epoch - 1];
    return startupMs + (timeline.endMs - from);
  };
  const checkpointWrites = () => kills.filter((k) => k.checkpointWrite).length;

  /** Picks where to kill a process that starts from checkpoint `epoch`. */
  const chooseAim = (kind: 'fresh' | 'resume', epoch: number, forceCheckpointWrite: boolean): Aim => {
    const remaining = Array.from({ length: Math.max(0, epochs - epoch) }, (_, i) => epoch + 1 + i);
    if (!forceCheckpointWrite && random() >= writeFraction) return { kind: 'time', atMs: Math.round(random() * expectedMs(epoch)) };
    const r = forceCheckpointWrite ? 0.2 + 0.8 * random() : random();
    if (remaining.length && r >= 0.2) {
      const e = pick(remaining);
      const name = `epoch-${String(e).padStart(4, '0')}`;
      if (forceCheckpointWrite || r < 0.6) {
        return { kind: 'write', target: { where: 'checkpoints', pattern: new RegExp(`^\\.${name}\\.tmp-`), nth: 1, label: `.${name}.tmp (checkpoint folder)`, checkpoint: true } };
      }
      return { kind: 'write', target: { where: 'checkpoints', pattern: /^\.latest\.json\.tmp-/, nth: e - epoch, label: `.latest.json.tmp (epoch ${e})`, checkpoint: true } };
    }
    if (r < 0.1) {
      if (kind === 'fresh') return { kind: 'write', target: { where: 'out', pattern: /./, nth: 1, label: 'the run folder\'s creation', checkpoint: false } };
      return { kind: 'write', target: { where: 'run', pattern: /^\.metrics\.jsonl\.tmp-/, nth: 1, label: '.metrics.jsonl.tmp (resume)', checkpoint: false } };
    }
    const nth = 1 + Math.floor(random() * 3);
    return { kind: 'write', target: { where: 'run', pattern: /^\..+\.png\.tmp-/, nth, label: `figure #${nth}`, checkpoint: false } };
  };

  // The plan: kills per folder.
  const plan: number[] = options.chains ? [...options.chains] : [];
  if (!options.chains) {
    for (let left = plannedKills; left > 0;) {
      const n = random() < chainFraction ? Math.min(left, 2 + Math.floor(random() * (maxChain - 1))) : 1;
      plan.push(n);
      left -= n;
    }
  }
  let extraAllowed = extraWriteKills;
  let delivered = 0;
  for (let s = 0; s < plan.length; s++) {
    const sequence = s + 1;
    const name = `run-${String(sequence).padStart(2, '0')}`;
    const dir = path.join(root, name);
    const problems: string[] = [];
    const resumeExits: (number | null)[] = [];
    let killsHere = 0;
    let finished = false;
    let lastOutput = '';
    while (killsHere < plan[s]) {
      const state = existsSync(dir) ? checkRunFolder(root, name, ref) : undefined;
      const startEpoch = state?.latestEpoch ?? 0;
      const proc = existsSync(dir) ? 'resume' : 'fresh';
      const killsLeft = plannedKills - delivered;
      const force = checkpointWrites() < minWriteLandings && killsLeft <= minWriteLandings - checkpointWrites();
      const aim = chooseAim(proc, startEpoch, force && startEpoch < epochs);
      const procArgs = proc === 'fresh' ? [...args, '--out', root, '--name', name] : ['--resume', dir, '--epochs', String(epochs), '--backend', backend, '-q'];
      const outcome = await runTraining(procArgs, root, name, aim);
      noteStartup(outcome);
      lastOutput = outcome.output;
      if (!outcome.killed) {
        // It ended by itself before the kill: it must have finished, with exit 0.
        if (proc === 'resume') resumeExits.push(outcome.code);
        if (outcome.code !== 0 || outcome.hung) {
          problems.push(`${proc} process (aimed at ${describeAim(aim)})${outcome.hung ? ` did not end within ${PROCESS_DEADLINE_MS / 1000} s and` : ''} exited ${outcome.code}${outcome.signal ? ` (${outcome.signal})` : ''}: ${outcome.output.trim().split('\n').slice(-3).join(' | ')}`);
          break;
        }
        // The folder is complete: this sequence ends here, and its kills still to come go to a new folder.
        log(`        ${name}: the ${proc} process finished (exit 0) before its kill (${describeAim(aim)}); not counted`);
        if (plan.length < plannedKills + 10) plan.push(plan[s] - killsHere);
        plan[s] = killsHere;
        finished = true;
        break;
      }
      killsHere++;
      delivered++;
      const after = checkRunFolder(root, name, ref);
      const own = after.temporaries.filter((t) => TEMPORARY.exec(path.basename(t))?.[2] === String(outcome.pid));
      const older = after.temporaries.filter((t) => !own.includes(t));
      // A resume of a finished run writes no checkpoint: past its first write (metrics.jsonl's), it is between writes.
      const wrote = after.latestEpoch > startEpoch || (startEpoch === epochs && outcome.temporaries.length > 0);
      const landed: Landing = own.length ? 'during-write' : wrote ? 'between-writes' : 'before-first-checkpoint';
      const checkpointWrite = own.some((t) => /^\.(epoch-\d+|latest\.json)\.tmp-/.test(path.basename(t)));
      const left: string[] = [];
      if (own.length) left.push(own.map(describeTemporary).join('+'));
      if (!after.exists) left.push('no run folder yet');
      else left.push(`latest ${after.latestEpoch || '-'}`, `metrics ${after.metricsRecords}${after.tornMetrics ? '+torn' : ''}`);
      if (after.otherCheckpoints.length) left.push(`also ${after.otherCheckpoints.join(',')}`);
      if (older.length) left.push(`older ${older.map(describeTemporary).join('+')}`);
      const report: KillReport = {
        index: kills.length + 1, sequence, killInSequence: killsHere, process: proc, startEpoch, aim: describeAim(aim),
        killedAfterMs: outcome.killedAfterMs, landed, detail: left.join(', '), checkpointWrite, latestEpoch: after.latestEpoch, problems: after.problems,
      };
      kills.push(report);
      log(`kill ${String(report.index).padStart(2)}: ${name}#${killsHere} ${proc}${proc === 'resume' ? ` from epoch ${startEpoch}` : ''}, aimed at ${report.aim}, ` +
        `killed at ${(outcome.killedAfterMs / 1000).toFixed(2)} s → ${LANDING_LABEL[landed]} (${report.detail}); ${after.problems.length ? 'INCONSISTENT' : 'consistent'}`);
      for (const p of after.problems) fail(`kill ${report.index} (${name}, ${LANDING_LABEL[landed]}, ${report.detail}): ${p}`);
      // Too few kills in checkpoint writes by the end of the plan: aim more at them.
      if (s === plan.length - 1 && killsHere === plan[s] && checkpointWrites() < minWriteLandings && extraAllowed > 0) {
        extraAllowed--;
        // A folder whose last checkpoint is written has none left to write: the extra kill goes to a fresh folder.
        if (after.latestEpoch < epochs) plan[s]++;
        else plan.push(1);
      }
    }
    // The final resume (or, when the kill came before the folder existed, a fresh run) to the full epoch count.
    if (!finished && !problems.length) {
      const proc = existsSync(dir) ? 'resume' : 'fresh';
      const procArgs = proc === 'fresh' ? [...args, '--out', root, '--name', name] : ['--resume', dir, '--epochs', String(epochs), '--backend', backend, '-q'];
      const outcome = await runTraining(procArgs, root, name, { kind: 'none' });
      lastOutput = outcome.output;
      if (proc === 'resume') resumeExits.push(outcome.code);
      if (outcome.code !== 0 || outcome.hung) problems.push(`the final ${proc}${outcome.hung ? ` did not end within ${PROCESS_DEADLINE_MS / 1000} s and` : ''} exited ${outcome.code}${outcome.signal ? ` (${outcome.signal})` : ''}: ${outcome.output.trim().split('\n').slice(-4).join(' | ')}`);
    }
    let identical = false;
    if (!problems.length) {
      const end = checkRunFolder(root, name, ref);
      problems.push(...end.problems);
      if (end.temporaries.length) problems.push(`temporaries left after the resume: ${end.temporaries.join(', ')}`);
      if (end.latestEpoch !== epochs) problems.push(`after the resume latest.json names epoch ${end.latestEpoch}, expected ${epochs}`);
      if (end.otherCheckpoints.length) problems.push(`checkpoint folders besides the latest: ${end.otherCheckpoints.join(', ')}`);
      const resumedOk = !problems.length;
      if (resumedOk) {
        const differences = compareToReference(dir, ref);
        identical = !differences.length;
        for (const d of differences) fail(`${name}: not identical to the uninterrupted run: ${d}`);
      }
    }
    for (const p of problems) fail(`${name}: ${p}`);
    if (problems.length && lastOutput) log(`        last output of ${name}:\n${lastOutput.trim().split('\n').slice(-8).map((l) => `          ${l}`).join('\n')}`);
    const resumedOk = !problems.length;
    sequences.push({ sequence, folder: dir, kills: killsHere, resumeExits, resumedOk, identical, problems });
    log(`        ${name}: ${killsHere} kill(s); resumed ${resumedOk ? 'OK' : 'with FAILURES'}${resumedOk ? `, ${identical ? 'identical to' : 'DIFFERENT from'} the uninterrupted run` : ''}`);
  }
  if (kills.length < plannedKills) fail(`only ${kills.length} of ${plannedKills} kills were delivered (the other processes ended first)`);
  if (checkpointWrites() < minWriteLandings) fail(`${checkpointWrites()} kill(s) landed during a checkpoint write, at least ${minWriteLandings} wanted`);
  const kept = !!options.keep || failures.length > 0;
  if (!kept) rmSync(root, { recursive: true, force: true });
  const finalTest = (ref.records.at(-1)?.test ?? {}) as Record<string, number>;
  return {
    root, kept, model, epochs, reference: { seconds: refRun.durationMs / 1000, finalTest }, kills, sequences, failures, seconds: (Date.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------
// Command line

const USAGE = 'usage: node --import tsx bench/crash-harness.ts [--kills N] [--seed S] [--model vae|aae] [--epochs E] [--out DIR] [--keep] [--backend wasm|cpu]';

function parseArgs(argv: string[]): CrashHarnessOptions {
  const { values: v } = parseCommandLine({
    args: argv,
    options: {
      kills: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' }, model: { type: 'string' },
      out: { type: 'string' }, keep: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} needs a whole number`);
    return n;
  };
  if (v.model !== undefined && v.model !== 'vae' && v.model !== 'aae') throw new Error('--model is vae or aae');
  return {
    kills: int('kills', v.kills) ?? 20, seed: int('seed', v.seed) ?? 1, epochs: int('epochs', v.epochs), model: v.model as HarnessModel | undefined,
    out: v.out === undefined ? undefined : path.resolve(v.out), keep: v.keep, backend: v.backend,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = await runCrashHarness(parseArgs(process.argv.slice(2)));
    console.log(`\n${formatSummary(result)}\n(${result.seconds.toFixed(0)} s)`);
    process.exitCode = result.failures.length ? 1 : 0;
  } catch (e) {
    console.error(`crash-harness: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
