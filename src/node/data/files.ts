/** Reading a data file's bytes: regular files only, gzip undone by its magic bytes, errors that name the file. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../core/data/errors.js';
import { printable } from '../../core/util/text.js';
import { notARegularFile } from '../regular-file.js';

/** Most bytes a gzipped file may decompress to (a typed array's limit). */
const MAX_GUNZIPPED = 2 ** 31 - 1;

/** True when the bytes start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A file's bytes, decompressed when it is gzipped (by its first two bytes, whatever its name). */
export function readDataFile(file: string, { gunzip = true } = {}): Uint8Array {
  let bytes: Uint8Array;
  const problem = notARegularFile(file);
  if (problem) throw new DataError(file, problem);
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, expected a file'
      : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : printable((e as Error).message);
    throw new DataError(file, why);
  }
  if (!gunzip || !isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ERR_BUFFER_TOO_LARGE' ? 'decompresses to more than 2 GB' : `a damaged gzip file (${printable((e as Error).message)})`);
  }
}

/** The file name without a trailing .gz, lower case (for telling formats apart by extension). */
export function baseExtension(file: string): string {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  return path.extname(name);
}
