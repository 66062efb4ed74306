#!/usr/bin/env node
// LatentLab command-line entry point. An installed package runs the compiled
// JavaScript (dist/lib, built by `npm run build:lib`); a checkout of the
// repository, which has the TypeScript sources and tsx, runs the sources, so
// that what runs is always what was last edited.
import { existsSync } from 'node:fs';

// Output into a pipe that was closed (`latentlab train --help | head`) ends quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const source = new URL('../src/node/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/lib/node/cli/main.js', import.meta.url);
const tsx = existsSync(source) ? await loadTsx() : null;
let entry;
if (tsx) {
  tsx.register();
  entry = source;
} else if (existsSync(compiled)) {
  // Stack traces of internal errors name the TypeScript lines (the maps carry the sources).
  process.setSourceMapsEnabled(true);
  entry = compiled;
} else {
  process.stderr.write('latentlab: dist/lib is missing: run `npm run build:lib` (or `npm install`, which builds it)\n');
  process.exit(70);
}
const { main, reportFailure } = await import(entry.href);
// A failure outside a command's own flow (a timer, a stream, a stray promise)
// goes through the same error boundary as one inside it.
const fail = (e) => process.exit(reportFailure(e));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.exitCode = await main(process.argv.slice(2));
