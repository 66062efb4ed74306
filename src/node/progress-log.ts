/**
 * Step-level progress for live dashboards: while a run trains, throttled
 * lines are appended to `progress.jsonl` in its folder (metrics.jsonl keeps
 * one line per epoch). `latentlab serve` tails the file and streams each new
 * line to the page as a server-sent event.
 *
 * One line: {"time": unix ms, "epoch": e, "batch": b, "batches": B,
 *            "terms": {running means of the epoch's terms so far, nats/example}}
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochProgress } from '../core/training/trainer.js';

export const PROGRESS_FILE = 'progress.jsonl';

/** One line of progress.jsonl. */
export interface ProgressRecord {
  readonly time: number;
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly terms: Readonly<Record<string, number>>;
}

/**
 * A callback for `fit`'s onProgress that appends at most one line per
 * `intervalMs` (the last batch of an epoch is always written, so each epoch
 * ends on its final running means).
 */
export function progressLog(dir: string, intervalMs = 500): (epoch: number, progress: EpochProgress) => void {
  const file = path.join(dir, PROGRESS_FILE);
  let last = -Infinity;
  return (epoch, { batch, batches, terms }) => {
    const time = Date.now();
    if (time - last < intervalMs && batch !== batches) return;
    last = time;
    const record: ProgressRecord = { time, epoch, batch, batches, terms };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
}
