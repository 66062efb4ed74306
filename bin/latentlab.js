#!/usr/bin/env node
// LatentLab command-line entry point: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/node/cli/main.ts');
