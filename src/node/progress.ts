/**
 * Terminal output for long work: a progress bar with ETA and live values on
 * a terminal, and one plain line per finished unit elsewhere (CI logs).
 */
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { termInfo } from '../core/models/registry.js';

export interface Reporter {
  start(label: string, total: number): void;
  update(done: number, values?: Readonly<Record<string, number>>): void;
  stop(): void;
  /** A line of output that does not break the bar. */
  log(line: string): void;
}

/** Formats named values as "name 12.34 · other 5.67", a term that asks for more decimals (termInfo's `digits`) with them. */
export function formatTerms(values: Readonly<Record<string, number>>, digits = 2): string {
  return Object.entries(values).map(([k, v]) => `${k} ${v.toFixed(termInfo(k).digits ?? digits)}`).join(' · ');
}

/** A bar on a TTY (stderr), quiet otherwise; `quiet` silences everything but log(). */
export function createReporter({ quiet = false }: { quiet?: boolean } = {}): Reporter {
  const tty = Boolean(process.stderr.isTTY) && !quiet;
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(label, total) {
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        {
          format: `${label} ${pc.cyan('{bar}')} {percentage}% | {value}/{total} | ETA {eta_formatted} | {terms}`,
          barsize: 24, hideCursor: true, clearOnComplete: true, etaBuffer: 50, stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { terms: '' });
    },
    update(done, values) {
      bar?.update(done, { terms: values ? formatTerms(values) : '' });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
    log(line) {
      if (bar) bar.stop();
      process.stdout.write(`${line}\n`);
    },
  };
}
