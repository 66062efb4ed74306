// Builds the web page into dist/web: ES module bundles (esbuild) of
// src/web/main.ts and the UMAP worker, the HTML and CSS, and the TF.js wasm backend's binaries
// (served at /tfjs-wasm/, where the page's setWasmPaths points).
// Run by `npm run build:web`, and by `prepare` after `npm ci` / `npm install`.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/web');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'tfjs-wasm'), { recursive: true });
await build({
  // The page, and UMAP's worker (a module worker the explorer starts on demand).
  entryPoints: { main: path.join(root, 'src/web/main.ts'), 'umap-worker': path.join(root, 'src/web/umap-worker.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  define: { LATENTLAB_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(path.join(root, 'src/web', f), path.join(out, f));
const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(path.join(wasmDir, f), path.join(out, 'tfjs-wasm', f));
}
console.log(`web page built into ${path.relative(process.cwd(), out) || out}`);
