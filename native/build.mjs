#!/usr/bin/env node
/**
 * Builds LatentLab's native engine (native/*.cc → native/build/latentlab.node)
 * with the machine's C++ compiler against Node's own N-API headers. Runs at
 * `npm ci` / `npm install` (the package's install script) and by hand:
 *
 *   node native/build.mjs [--force] [--quiet]
 *
 * It never fails the install: without a compiler or headers, or when the
 * compile fails, it prints one line and LatentLab runs on the wasm engine.
 * LATENTLAB_NATIVE=0 skips the build. The kernels are compiled three times
 * (AVX-512, AVX2+FMA, portable) into one module that picks at load time, so
 * the build is the same on every x86-64 machine; on other CPUs only the
 * portable kernels are built (NEON on AArch64).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'native');
const OUT = path.join(SRC, 'build');
const TARGET = path.join(OUT, 'latentlab.node');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const log = (msg) => { if (!quiet) console.log(msg); };
const notice = (msg) => console.log(`latentlab: ${msg}`);

function headerDir() {
  const candidates = [
    process.env.LATENTLAB_NODE_HEADERS,
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')));
}

function compiler() {
  for (const cxx of [process.env.CXX, 'g++', 'clang++', 'c++'].filter(Boolean)) {
    if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0) return cxx;
  }
  return undefined;
}

function main() {
  if (process.env.LATENTLAB_NATIVE === '0') return notice('native engine not built (LATENTLAB_NATIVE=0); training runs on the wasm engine');
  const cxx = compiler();
  const include = headerDir();
  if (!cxx) return notice('no C++ compiler found (g++ or clang++); training runs on the wasm engine. Install one and run `npm rebuild latentlab` (or `node native/build.mjs`) for the native engine');
  if (!include) return notice("Node's headers (node_api.h) not found; training runs on the wasm engine. Set LATENTLAB_NODE_HEADERS to their folder and run `node native/build.mjs`");
  const x86 = arch() === 'x64';
  const units = [
    { file: 'latentlab.cc', flags: [] },
    { file: 'kernels_generic.cc', flags: [] },
    ...(x86 ? [
      { file: 'kernels_avx2.cc', flags: ['-mavx2', '-mfma'] },
      { file: 'kernels_avx512.cc', flags: ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mfma'] },
    ] : []),
  ];
  const common = ['-O3', '-std=gnu++17', '-fPIC', '-pthread', '-ffp-contract=fast', '-fno-math-errno', '-fno-exceptions', '-fvisibility=hidden', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=latentlab', `-I${include}`];
  // Rebuild only when a source, the flags or the Node version changed.
  const digest = createHash('sha256');
  for (const u of units) digest.update(u.file + u.flags.join(' ') + readFileSync(path.join(SRC, u.file)));
  digest.update(readFileSync(path.join(SRC, 'kernels.h'))).update(readFileSync(path.join(SRC, 'kernels_impl.h')));
  digest.update(common.join(' ') + cxx + process.version + arch());
  const stamp = digest.digest('hex');
  const stampFile = path.join(OUT, 'build.sha256');
  if (!args.has('--force') && existsSync(TARGET) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return log('latentlab: native engine is up to date');
  }
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  const objects = [];
  for (const u of units) {
    const obj = path.join(OUT, u.file.replace(/\.cc$/, '.o'));
    const r = spawnSync(cxx, [...common, ...u.flags, '-c', path.join(SRC, u.file), '-o', obj], { encoding: 'utf8' });
    if (r.status !== 0) {
      return notice(`the native engine did not compile (${cxx}, ${u.file}); training runs on the wasm engine.\n${(r.stderr || r.error?.message || '').split('\n').slice(0, 8).join('\n')}`);
    }
    objects.push(obj);
  }
  const tmp = `${TARGET}.${process.pid}.tmp`;
  const link = spawnSync(cxx, ['-shared', '-pthread', '-o', tmp, ...objects], { encoding: 'utf8' });
  if (link.status !== 0) return notice(`the native engine did not link; training runs on the wasm engine.\n${(link.stderr || '').split('\n').slice(0, 8).join('\n')}`);
  renameSync(tmp, TARGET);
  writeFileSync(stampFile, stamp);
  for (const obj of objects) rmSync(obj, { force: true });
  log(`latentlab: built the native engine (${path.relative(ROOT, TARGET)}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

try {
  main();
} catch (err) {
  notice(`the native engine was not built (${err.message}); training runs on the wasm engine`);
}
