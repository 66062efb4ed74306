/**
 * Step-level progress for live dashboards: while a run trains, throttled
 * lines are appended to `progress.jsonl` in its folder (metrics.jsonl keeps
 * one line per epoch). `latentlab serve` tails the file and streams each new
 * line to the page as a server-sent event.
 *
 * One line: {"time": unix ms, "epoch": e, "batch": b, "batches": B,
 *            "terms": {running means of the epoch's terms so far, nats/example}}
 */
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EpochProgress } from '../core/training/trainer.js';
import { UserError } from './errors.js';
import { writeFileAtomic } from './fs-atomic.js';
import { RUN_FILES } from '../core/io/run-layout.js';

export const PROGRESS_FILE = RUN_FILES.progress;

/** One line of progress.jsonl. */
export interface ProgressRecord {
  readonly time: number;
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly terms: Readonly<Record<string, number>>;
}

export interface ProgressLogOptions {
  /** Least milliseconds between two lines within an epoch (default 500). */
  readonly intervalMs?: number;
  /**
   * Epochs already kept by a checkpoint (a resumed run): lines of later
   * epochs, written before an interruption, are dropped first, as
   * metrics.jsonl's are.
   */
  readonly keepThrough?: number;
}

/** Drops the lines of epochs after `epoch` (the file is replaced atomically). */
function truncateProgress(file: string, epoch: number): void {
  if (!existsSync(file)) return;
  // Reading a folder fails without naming it: refused here, by name.
  const stat = statSync(file);
  if (!stat.isFile()) throw new UserError(`${file}: ${stat.isDirectory() ? 'is a folder' : 'is not a regular file'}, expected the step-by-step progress log (remove it to resume)`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  // A line cut short by a killed process is dropped, not a crash on --resume.
  const epochOf = (l: string) => {
    try {
      return (JSON.parse(l) as ProgressRecord).epoch;
    } catch {
      return Infinity;
    }
  };
  const kept = lines.filter((l) => epochOf(l) <= epoch);
  if (kept.length !== lines.length) writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

/**
 * A callback for `fit`'s onProgress that appends at most one line per
 * `intervalMs` (the last batch of an epoch is always written, so each epoch
 * ends on its final running means).
 */
export function progressLog(dir: string, { intervalMs = 500, keepThrough }: ProgressLogOptions = {}): (epoch: number, progress: EpochProgress) => void {
  const file = path.join(dir, PROGRESS_FILE);
  if (keepThrough !== undefined) truncateProgress(file, keepThrough);
  let last = -Infinity;
  return (epoch, { batch, batches, terms }) => {
    const time = Date.now();
    if (time - last < intervalMs && batch !== batches) return;
    last = time;
    const record: ProgressRecord = { time, epoch, batch, batches, terms };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
}
