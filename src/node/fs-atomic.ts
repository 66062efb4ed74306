/**
 * Writes that never leave a half-written file or folder behind: contents go
 * to a temporary name beside the target and are renamed into place (rename
 * is atomic within one filesystem). A write the file system refuses (no
 * permission, a full disk, a file where a folder should be) is a UserError
 * naming the target, after the temporary files are removed.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FileMap } from '../core/io/layers-io.js';
import { SYSTEM_ERRORS } from './error-boundary.js';
import { UserError } from './errors.js';

/** What the file system's refusals of a write mean, for messages: the error boundary's wording, three said as a write's. */
const REFUSALS: Record<string, string> = {
  ...SYSTEM_ERRORS, EISDIR: 'a folder is in the way', ENOENT: 'cannot be created there', EEXIST: 'something is already there',
};

/** `e` as a UserError about `target` when the file system refused the write; otherwise `e` itself. */
function refusal(target: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' && !existsSync(path.dirname(target))) {
    return new UserError(`${target}: cannot write (the folder ${path.dirname(target)} does not exist)`, { cause: e });
  }
  return code && code in REFUSALS ? new UserError(`${target}: cannot write (${REFUSALS[code]}, ${code})`, { cause: e }) : e;
}

/**
 * Creates `dir` and any missing parents one level at a time (Node's
 * recursive mkdir can spin forever on a path under /proc); throws a
 * UserError naming the first level that cannot be made.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let stat;
    try {
      stat = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw refusal(at, e);
    }
    if (stat) {
      if (!stat.isDirectory()) throw new UserError(`${at}: is a file, not a folder${at === path.resolve(dir) ? '' : ` (needed for ${dir})`}`);
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw refusal(level, e);
    }
  }
}

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
    throw refusal(file, e);
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
  makeDirs(path.dirname(dir));
  const tmp = temporaryName(dir);
  try {
    for (const [name, data] of Object.entries(files)) {
      const file = path.join(tmp, name);
      makeDirs(path.dirname(file));
      writeFileSync(file, data);
    }
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw refusal(dir, e);
  }
}
