// Compiles the library (src/core, src/node) into dist/lib: ES modules, type
// declarations and source maps (with the sources inside them, since the
// package does not ship src/). This is what `import … from 'latentlab'` and
// an installed `latentlab` command run. Run by `npm run build:lib`, and by
// `prepare` after `npm ci` / `npm install`. The output is written beside
// dist/lib and renamed into place, so dist/lib is never half written.
//
// Type errors do not stop the build (tsc still emits; `npm run typecheck`,
// the first step of `npm test`, is where they fail): a half-finished change
// elsewhere in the tree should not make `npm install` fail.
import { renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/lib');
const staging = path.join(root, `dist/.lib-${process.pid}`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const started = Date.now();
rmSync(staging, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', staging, '--pretty', 'false'], { encoding: 'utf8' });
// tsc's exit status: 0 clean, 2 type errors but everything emitted, anything else: nothing usable.
if (r.status !== 0 && r.status !== 2) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(r.stdout + r.stderr);
  console.error(`build:lib: tsc failed (exit ${r.status ?? r.signal}); dist/lib was left as it was`);
  process.exit(1);
}
if (r.status === 2) {
  const errors = r.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
  console.warn(`build:lib: ${errors.length} type error(s), emitted anyway (npm run typecheck shows them all):\n  ${errors.slice(0, 5).join('\n  ')}`);
}
// Another build finishing at the same moment can put its dist/lib back in between: then go again.
for (let attempt = 1; ; attempt++) {
  rmSync(out, { recursive: true, force: true });
  try {
    renameSync(staging, out);
    break;
  } catch (e) {
    if (attempt === 3 || !['ENOTEMPTY', 'EEXIST'].includes(e.code)) throw e;
  }
}
console.log(`library built into ${path.relative(process.cwd(), out) || out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
