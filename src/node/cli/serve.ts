/**
 * `latentlab serve [RUNS_DIR]`: the web page (explorer, comparison, live
 * dashboard, training in the browser) for the run folders in RUNS_DIR.
 */
import path from 'node:path';
import { Command } from 'commander';
import pc from 'picocolors';
import { UserError } from '../errors.js';
import { isLoopback, startServer } from '../serve/server.js';
import { findRuns, MAX_RUN_DEPTH } from '../serve/runs.js';
import { intArg } from './options.js';
import { onStopSignal } from '../signals.js';
import { packagePath } from '../package-root.js';

/** Where `npm run build:web` puts the page. */
export const WEB_DIR = packagePath('dist', 'web');

interface ServeFlags { host: string; port: number; maxBody: number }

/** How many runs the folder holds, and in how many folders below it: one line. */
export function describeFound(runsDir: string): string {
  const runs = findRuns(runsDir);
  if (!runs.length) return `no run folders found in ${runsDir} (looked up to ${MAX_RUN_DEPTH} levels down); train one with latentlab train or latentlab compare`;
  const groups = new Set(runs.map((r) => r.group).filter((g) => g !== ''));
  const nested = runs.filter((r) => r.group !== '').length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(runs.length, 'run')}${groups.size ? ` (${nested} of them in ${plural(groups.size, 'subfolder')})` : ''}`;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the web page: runs, latent explorer, interpolation, comparison, live training curves, training in the browser')
    .argument('[runs_dir]', `folder of run folders (looked for up to ${MAX_RUN_DEPTH} levels down)`, 'runs')
    .option('--host <address>', 'address to listen on (anything but loopback exposes your runs to the network)', '127.0.0.1')
    .option('--port <n>', 'port to listen on; 0 picks a free one', intArg(0), 8080)
    .option('--max-body <MiB>', 'largest request body accepted (saving a run trained in the page), MiB', intArg(1), 64)
    .addHelpText('after', `
Every run folder under RUNS_DIR is listed, up to ${MAX_RUN_DEPTH} levels down, by its path
from there: serve the folder you train into (runs/) and a comparison's six
runs appear as compare-<time>/vae-gaussian and so on. Each run is shown as
training (a latentlab train process is at it: its training.json names a live
process), finished (all its epochs), interrupted, or empty (no epoch yet);
the list follows the folder live.

The page loads each run's checkpointed nets (model.json + weights.bin) with
TensorFlow.js in the browser; test images come from the data set the run was
trained on. A run saved from the page gets the figures latentlab train draws
(TensorFlow.js starts in the server on the first save, with the default backend).
Only the built page (dist/web) and files inside RUNS_DIR are served.
Stop with Ctrl-C.`)
    .action(async (runsDir: string, flags: ServeFlags) => {
      if (flags.port > 65535) throw new UserError(`--port: must be at most 65535, got ${flags.port}`);
      if (!isLoopback(flags.host)) {
        process.stderr.write(`${pc.yellow('warning:')} --host ${flags.host} is not a loopback address: anyone who can reach this machine can read the runs in ${runsDir}\n`);
      }
      const server = await startServer({ runsDir: path.resolve(runsDir), webDir: WEB_DIR, host: flags.host, port: flags.port, maxBody: flags.maxBody * 1024 * 1024 });
      process.stdout.write(`LatentLab serving ${path.resolve(runsDir)} at ${server.url}\n${describeFound(path.resolve(runsDir))}\n`);
      await new Promise<void>((resolve) => {
        const stopListening = onStopSignal(() => {
          stopListening();
          void server.close().then(resolve);
        });
      });
    });
}
