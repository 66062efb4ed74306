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
const { main, reportFailure } = await import('../src/node/cli/main.ts');
// A failure outside a command's own flow (a timer, a stream, a stray promise)
// goes through the same error boundary as one inside it.
const fail = (e) => process.exit(reportFailure(e));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.exitCode = await main(process.argv.slice(2));
