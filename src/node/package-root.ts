/**
 * The folder of LatentLab's package.json, the anchor for the files that ship
 * beside the code (presets/, the built page in dist/web). Found by walking up
 * from this module, so it is the same whether the TypeScript sources run
 * (src/node/) or the compiled package does (dist/lib/node/, also inside a
 * project's node_modules/latentlab/).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'latentlab') return dir;
      } catch {
        // Not ours (or unreadable): keep looking further up.
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`LatentLab's package.json was not found above ${start}`);
  }
}

export const PACKAGE_ROOT: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, from its root (`packagePath('presets')`). */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
