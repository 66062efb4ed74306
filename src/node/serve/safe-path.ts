/**
 * Maps a URL path onto a file inside a root folder, refusing everything that
 * could leave it: `..` and `.` segments (raw or percent-encoded), encoded
 * slashes or backslashes, NUL bytes, absolute paths, and symbolic links whose
 * target lies outside the root (checked on the real path, after every link is
 * followed).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export type Resolved =
  | { readonly ok: true; readonly file: string; readonly size: number }
  | { readonly ok: false; readonly status: 400 | 403 | 404 };

/** Splits a URL path (still percent-encoded) into decoded segments, or null when one is unsafe. */
export function safeSegments(urlPath: string): string[] | null {
  const out: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg) || path.isAbsolute(seg) || /^[A-Za-z]:/.test(seg)) return null;
    out.push(seg);
  }
  return out;
}

/** True when `child` is `root` or lies inside it (both real, absolute paths). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The regular file that `urlPath` names under `root`: 400 for a malformed
 * path, 403 for one that escapes the root, 404 when there is no such file.
 */
export function resolveInside(root: string, urlPath: string): Resolved {
  const segments = safeSegments(urlPath);
  if (!segments) return { ok: false, status: 400 };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(path.join(realRoot, ...segments));
  } catch {
    return { ok: false, status: 404 };
  }
  if (!isInside(realRoot, real)) return { ok: false, status: 403 };
  const stat = statSync(real);
  if (!stat.isFile()) return { ok: false, status: 404 };
  return { ok: true, file: real, size: stat.size };
}
