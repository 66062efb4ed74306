#!/usr/bin/env node
// LatentLab command-line entry point: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

// Output into a pipe that was closed (`latentlab train --help | head`) ends quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

register();
const { main } = await import('../src/node/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
