/**
 * Where a run stands, for the page:
 *
 *   training     a live process is training it (training-marker.ts)
 *   finished     no process is, and it has its planned epochs (config.train.epochs)
 *   empty        no process is, and it has no epoch and no checkpoint
 *   interrupted  anything else: stopped, killed or crashed before its last epoch
 *
 * `epochs` counts metrics.jsonl's records.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { RUN_FILES } from '../../core/io/run-layout.js';
import { openRunFolder } from '../run-folder.js';
import { isTrainingLive, TRAINING_FILE } from '../training-marker.js';

export type RunStatus = 'training' | 'finished' | 'interrupted' | 'empty';

export interface RunStatusInfo {
  readonly status: RunStatus;
  readonly epochs: number;
  readonly plannedEpochs: number;
}

export function statusOf({ live, epochs, plannedEpochs, checkpoint }: { live: boolean; epochs: number; plannedEpochs: number; checkpoint: boolean }): RunStatus {
  if (live) return 'training';
  if (epochs >= plannedEpochs) return 'finished';
  if (epochs === 0 && !checkpoint) return 'empty';
  return 'interrupted';
}

/** Size, time and inode of each file (or '-'): changes whenever one of them is written, replaced or removed. */
export function fileStamps(dir: string, files: readonly string[]): string {
  return files.map((f) => {
    try {
      const s = statSync(path.join(dir, f));
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return '-';
    }
  }).join('|');
}

const STATUS_FILES = [RUN_FILES.config, RUN_FILES.metrics, RUN_FILES.latest, TRAINING_FILE];

/**
 * Follows one run folder's status: the folder is read again only when one
 * of the files it depends on changed; whether the training process is alive
 * is asked every time.
 */
export class StatusFollower {
  private stamps = '';
  private known?: { epochs: number; plannedEpochs: number; checkpoint: boolean };

  constructor(private readonly dir: string) {}

  /** The status now, or undefined while the folder does not read (a write under way, a broken file). */
  read(): RunStatusInfo | undefined {
    const stamps = fileStamps(this.dir, STATUS_FILES);
    if (stamps !== this.stamps) {
      try {
        const run = openRunFolder(this.dir);
        this.known = { epochs: run.metrics.length, plannedEpochs: run.config.train.epochs, checkpoint: run.checkpoint !== null };
        this.stamps = stamps;
      } catch {
        return undefined;
      }
    }
    if (!this.known) return undefined;
    const { epochs, plannedEpochs } = this.known;
    return { status: statusOf({ live: isTrainingLive(this.dir), ...this.known }), epochs, plannedEpochs };
  }
}
