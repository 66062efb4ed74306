/**
 * Writes that never leave a half-written file or folder behind: contents go
 * to a temporary name beside the target and are renamed into place (rename
 * is atomic within one filesystem).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FileMap } from '../core/io/layers-io.js';

function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
}

/** Writes one file atomically. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = temporaryName(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes a folder of files (keys may contain "/") atomically: the folder
 * appears complete under `dir` or not at all. `dir` must not exist yet.
 */
export function writeDirAtomic(dir: string, files: FileMap): void {
  const tmp = temporaryName(dir);
  try {
    for (const [name, data] of Object.entries(files)) {
      const file = path.join(tmp, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, data);
    }
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
