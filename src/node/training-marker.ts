/**
 * `training.json` in a run folder says that a process is training it:
 *
 *   {"pid": 1234, "hostname": "box", "started": "2025-01-01T12:00:00.000Z"}
 *
 * `latentlab train` (and compare, reproduce, quickstart, which train through
 * it) writes the file when training starts or resumes and removes it when
 * training ends, however it ends: finished, an error, Ctrl-C or SIGTERM. A
 * process killed outright (`kill -9`, a power cut) leaves it behind, so a
 * reader trusts it only while its process is alive: `latentlab serve` shows
 * such a run as training, and one whose process is gone as interrupted.
 *
 * The file is not part of the run's data (core/io/run-layout.ts): never in
 * a checkpoint, an upload or a download.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from './fs-atomic.js';

export const TRAINING_FILE = 'training.json';

export interface TrainingMarker {
  readonly pid: number;
  readonly hostname: string;
  /** When the process started (or resumed) training, ISO 8601. */
  readonly started: string;
}

/** True when process `pid` is running on this machine (signal 0 tests for it without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The marker in run folder `dir`, or undefined when there is none or it does not read as one. */
export function readTrainingMarker(dir: string): TrainingMarker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path.join(dir, TRAINING_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const m = value as Partial<TrainingMarker> | null;
  if (!m || typeof m !== 'object' || !Number.isInteger(m.pid) || (m.pid as number) <= 0 || typeof m.hostname !== 'string' || typeof m.started !== 'string') return undefined;
  return { pid: m.pid as number, hostname: m.hostname, started: m.started };
}

/**
 * How long a marker written on another machine (a shared folder) counts as
 * live after the run folder last changed: its process cannot be asked.
 */
export const FOREIGN_MARKER_MS = 10 * 60_000;

/**
 * True when a process is training run folder `dir`: its marker names a
 * process that is alive on this machine. A marker from another machine is
 * trusted while the run's files keep changing (within FOREIGN_MARKER_MS).
 */
export function isTrainingLive(dir: string, now = Date.now()): boolean {
  const marker = readTrainingMarker(dir);
  if (!marker) return false;
  if (marker.hostname === os.hostname()) return isRunning(marker.pid);
  const times = [TRAINING_FILE, 'progress.jsonl', 'metrics.jsonl'].map((f) => {
    try {
      return statSync(path.join(dir, f)).mtimeMs;
    } catch {
      return 0;
    }
  });
  return now - Math.max(...times) < FOREIGN_MARKER_MS;
}

/**
 * Writes this process's marker into run folder `dir` (replacing one a killed
 * process left; best effort) and returns the function that removes it. It is removed at
 * the latest when the process exits (process.exit included); it is left
 * alone when another process has written its own since.
 */
export function markTraining(dir: string): () => void {
  const file = path.join(dir, TRAINING_FILE);
  const marker: TrainingMarker = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() };
  try {
    writeJsonAtomic(file, marker);
  } catch {
    // Only a live view reads it: a folder that refuses it (full, read-only) fails training where it matters, at a checkpoint.
    return () => {};
  }
  let done = false;
  const remove = () => {
    if (done) return;
    done = true;
    process.removeListener('exit', remove);
    const now = readTrainingMarker(dir);
    if (now && (now.pid !== marker.pid || now.hostname !== marker.hostname)) return;
    try {
      rmSync(file, { force: true });
    } catch {
      // the folder went away or is read-only now: nothing more to do
    }
  };
  process.on('exit', remove);
  return remove;
}
