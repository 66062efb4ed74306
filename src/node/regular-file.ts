/**
 * What LatentLab reads from disk must be a regular file: a device, a pipe or
 * a socket in its place (a link to /dev/zero, say) would be read forever.
 */
import { statSync } from 'node:fs';

/** Why `file` cannot be read as a file ('is a folder, …'), or undefined when it is a regular file or is not there. */
export function notARegularFile(file: string): string | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return undefined; // missing or unreadable: the read that follows says which
  }
  if (stat.isDirectory()) return 'is a folder, expected a file';
  if (!stat.isFile()) return 'is not a regular file (a device, a pipe or a socket)';
  return undefined;
}
