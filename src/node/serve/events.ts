/**
 * Live metrics as server-sent events. A connection first receives every line
 * already in the run's metrics.jsonl (event `epoch`) and progress.jsonl
 * (event `progress`), then each line appended later, found by polling the
 * files' sizes. When a file is rewritten (a resumed run drops the epochs past
 * its checkpoint: the file is replaced, or shrinks), an event `reset` tells
 * the page to forget what it has, and both files are replayed from the start.
 * After the replay, event `caught-up`; then event `status`,
 * {"status": …, "epochs": N, "plannedEpochs": M} (status.ts), and again each
 * time the status changes (a run that finishes or whose process is gone).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { PROGRESS_FILE } from '../progress-log.js';
import { StatusFollower } from './status.js';

const STREAMS = [
  { file: 'metrics.jsonl', event: 'epoch' },
  { file: PROGRESS_FILE, event: 'progress' },
] as const;

/** Follows one JSON Lines file: returns the complete lines added since the last call. */
export class LineTail {
  private offset = 0;
  private partial = '';
  private inode = -1;

  constructor(private readonly file: string) {}

  /** Starts again from the beginning of the file. */
  rewind(): void {
    this.offset = 0;
    this.partial = '';
    this.inode = -1;
  }

  /** New complete lines, or 'reset' when the file was replaced or became shorter than what was read. */
  read(): string[] | 'reset' {
    if (!existsSync(this.file)) return [];
    const { size, ino } = statSync(this.file);
    if (this.offset > 0 && (size < this.offset || ino !== this.inode)) {
      this.rewind();
      return 'reset';
    }
    this.inode = ino;
    if (size === this.offset) return [];
    const fd = openSync(this.file, 'r');
    const buffer = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buffer.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
}

/** Streams a run folder's metrics to one client until it disconnects. */
export function streamRunEvents(req: IncomingMessage, res: ServerResponse, dir: string, pollMs = 250): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  const tails = STREAMS.map((s) => ({ ...s, tail: new LineTail(path.join(dir, s.file)) }));
  let idle = 0;
  const follower = new StatusFollower(dir);
  let caughtUp = false;
  let lastStatus = '';
  /** Sends the run's status when it differs from the last one sent (a folder that does not read just now is skipped). */
  const sendStatus = () => {
    const info = follower.read();
    if (!info || info.status === lastStatus) return false;
    lastStatus = info.status;
    res.write(`event: status\ndata: ${JSON.stringify({ status: info.status, epochs: info.epochs, plannedEpochs: info.plannedEpochs })}\n\n`);
    return true;
  };
  const pump = () => {
    let sent = false;
    let batch = tails.map(({ tail }) => tail.read());
    if (batch.includes('reset')) {
      for (const { tail } of tails) tail.rewind();
      res.write('event: reset\ndata: {}\n\n');
      batch = tails.map(({ tail }) => tail.read());
    }
    batch.forEach((lines, i) => {
      if (lines === 'reset') return;
      for (const line of lines) {
        res.write(`event: ${tails[i].event}\ndata: ${line}\n\n`);
        sent = true;
      }
    });
    // The status comes after the epochs it counts (and not before the replay is over).
    if (caughtUp && sendStatus()) sent = true;
    idle = sent ? 0 : idle + 1;
    if (idle * pollMs >= 15_000) {
      res.write(': keep-alive\n\n');
      idle = 0;
    }
  };
  pump();
  res.write('event: caught-up\ndata: {}\n\n');
  caughtUp = true;
  sendStatus();
  // The run folder can vanish while a page follows it: end that stream, never the server.
  const timer = setInterval(() => {
    try {
      pump();
    } catch {
      stop();
      res.end();
    }
  }, pollMs);
  const stop = () => clearInterval(timer);
  req.on('close', stop);
  res.on('close', stop);
}
