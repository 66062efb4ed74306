/**
 * The one place where a failure becomes what a person reads. Used by the
 * CLI (`main`, and the process-wide handlers in bin/latentlab.js) and by the
 * page server for its replies and its log.
 *
 * - A failure the user can fix (a bad flag or file, a broken run folder, a
 *   refused write, divergence) is its message alone: exit code 1.
 * - A file-system error that escaped a more specific check (no permission,
 *   a full disk, a missing file) is the path and what the system said:
 *   exit code 1.
 * - Anything else is a bug: its message and a short stack (frames only, each
 *   line cut, so a minified bundle's source is never printed), exit code 70
 *   (EX_SOFTWARE).
 */
import { ConfigError } from '../core/config/resolve.js';
import { DataError } from '../core/data/errors.js';
import { RunFolderError } from '../core/io/run-layout.js';
import { SafetensorsError } from '../core/io/safetensors.js';
import { DivergenceError } from '../core/training/divergence.js';
import { UserError } from './errors.js';

/** Exit code of a failure the user can fix. */
export const USER_ERROR_EXIT = 1;
/** Exit code of an internal error (a bug). */
export const INTERNAL_ERROR_EXIT = 70;

/** What Node's system error codes mean, for messages. */
export const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder', EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system',
  ENOSPC: 'no space left on the disk', EDQUOT: 'disk quota exceeded', EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder', EEXIST: 'already exists', ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files', ENFILE: 'too many open files', ELOOP: 'too many symbolic links', EIO: 'input/output error',
  ENOTEMPTY: 'the folder is not empty', EBUSY: 'busy',
};

/** True for the errors LatentLab raises about what a user gave it. */
export function isUserError(e: unknown): e is Error {
  return e instanceof UserError || e instanceof ConfigError || e instanceof DataError || e instanceof SafetensorsError || e instanceof DivergenceError || e instanceof RunFolderError;
}

/** A Node system error about a path (`open`, `read`, `mkdir`, …), as a one-line message; undefined otherwise. */
export function systemErrorMessage(e: unknown): string | undefined {
  const error = e as NodeJS.ErrnoException | undefined;
  if (!(error instanceof Error) || typeof error.code !== 'string' || !(error.code in SYSTEM_ERRORS)) return undefined;
  const where = error.path ?? (error as { dest?: unknown }).dest;
  if (typeof where !== 'string') return undefined;
  return `${where}: ${SYSTEM_ERRORS[error.code]} (${error.code}${error.syscall ? ` on ${error.syscall}` : ''})`;
}

const MAX_STACK_FRAMES = 8;
const MAX_LINE = 200;

/** An error's message and at most a few stack frames, every line cut short. */
export function shortStack(e: unknown): string {
  if (!(e instanceof Error)) return cut(`thrown value: ${safeString(e)}`);
  const frames = (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, MAX_STACK_FRAMES);
  return [cut(`${e.name}: ${e.message}`), ...frames.map(cut)].join('\n');
}

function cut(line: string): string {
  const first = line.split('\n', 1)[0];
  return first.length > MAX_LINE ? `${first.slice(0, MAX_LINE)}… (cut)` : first;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** What to print for a failure, and the exit code. */
export function describeFailure(e: unknown): { message: string; exitCode: number; internal: boolean } {
  if (isUserError(e)) return { message: e.message, exitCode: USER_ERROR_EXIT, internal: false };
  const system = systemErrorMessage(e);
  if (system) return { message: system, exitCode: USER_ERROR_EXIT, internal: false };
  return {
    message: `internal error (a bug in LatentLab; please report it with the command that caused it):\n${shortStack(e)}`,
    exitCode: INTERNAL_ERROR_EXIT,
    internal: true,
  };
}
