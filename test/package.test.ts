/**
 * The published package, as another project gets it: `npm pack`, the tarball
 * installed into a fresh project (offline, from the npm cache), then plain
 * `node` — no tsx — running examples/library.mjs (the README's library
 * example) against it, importing both entry points, and the installed
 * `latentlab` command.
 *
 * The project is installed with `npm ci` from a lockfile made of this
 * repository's (its production entries, plus the tarball), so the versions are
 * the ones this repository is tested with and nothing has to be looked up in
 * a registry: every tarball is found in the npm cache by its integrity, which
 * `npm ci` here has filled.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from './helpers/cli.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples/library.mjs');
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; license?: string; bin: Record<string, string>; engines?: Record<string, string>;
  dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

/** The environment of a consumer's shell: no tsx or other loader carried over from this test's process. */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  delete env.TSX_TSCONFIG_PATH;
  return env;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, env: plainEnv(), encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return r;
}

function describeResult(what: string, r: SpawnSyncReturns<string>): string {
  return `${what}: exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry { version?: string; resolved?: string; dev?: boolean; devOptional?: boolean; link?: boolean; [key: string]: unknown }

/** The tarball's URL under `registry`, as npm names registry tarballs (the cache finds it by integrity). */
function tarballUrl(registry: string, key: string, version: string): string {
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `${registry.replace(/\/?$/, '/')}${name}/-/${name.split('/').pop()}-${version}.tgz`;
}

/**
 * package.json and package-lock.json of a project that depends on the tarball
 * only. The lockfile is this repository's without its development-only
 * entries; each entry gets its registry URL, which this repository's lockfile
 * leaves out.
 */
function writeConsumerProject(dir: string, tarball: string): void {
  const spec = `file:${path.basename(tarball)}`;
  const registry = run(npm, ['config', 'get', 'registry'], dir).stdout.trim() || 'https://registry.npmjs.org/';
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'latentlab-consumer', version: '1.0.0', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version, resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev || entry.devOptional || entry.link) continue;
    packages[key] = entry.resolved || !entry.version ? entry : { ...entry, resolved: tarballUrl(registry, key, entry.version) };
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'latentlab-consumer', version: '1.0.0', private: true, type: 'module', dependencies: { [pkg.name]: spec },
  }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({
    name: 'latentlab-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages,
  }, null, 2));
}

/** TF.js's console noise: a second copy of tfjs-core, the CPU backend's banner, deprecations. */
const TFJS_NOISE = /already been set|already registered|Hi, looks like you are running TensorFlow\.js|deprecat/i;

describe('the README', () => {
  it('quotes examples/library.mjs as its library example, word for word', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const example = readFileSync(EXAMPLE, 'utf8');
    assert.ok(readme.includes('```js\n' + example + '```\n'), 'README.md\'s library section must hold examples/library.mjs in a ```js block, unchanged');
  });
});

describe('the npm package', { timeout: 240_000 }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'latentlab-package-'));
  const project = path.join(tmp, 'project');
  let files: string[] = [];
  after(() => rmSync(tmp, { recursive: true, force: true }));

  before(() => {
    // The library as the sources are now (the page in dist/web is built by `npm test` before the tests run).
    const build = run(process.execPath, [path.join(REPO_ROOT, 'scripts/build-lib.mjs')], REPO_ROOT, 180_000);
    assert.equal(build.status, 0, describeResult('npm run build:lib', build));
    if (!existsSync(path.join(REPO_ROOT, 'dist/web/index.html'))) {
      const web = run(process.execPath, [path.join(REPO_ROOT, 'scripts/build-web.mjs')], REPO_ROOT, 180_000);
      assert.equal(web.status, 0, describeResult('npm run build:web', web));
    }
    // Built just above, so packing need not run `prepare` again.
    const pack = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], REPO_ROOT);
    assert.equal(pack.status, 0, describeResult('npm pack', pack));
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    mkdirSync(project);
    copyFileSync(path.join(tmp, packed.filename), path.join(project, packed.filename));
    writeConsumerProject(project, path.join(project, packed.filename));
    const install = run(npm, ['ci', '--offline', '--no-audit', '--no-fund'], project, 180_000);
    assert.equal(install.status, 0, describeResult('npm ci --offline (is every dependency in the npm cache? run `npm ci` in the repository first)', install));
  });

  it('ships the compiled library, its declarations, the CLI, the presets and the page; no sources, tests or runs', () => {
    for (const f of ['package.json', 'README.md', 'bin/latentlab.js', 'dist/lib/core/index.js', 'dist/lib/core/index.d.ts', 'dist/lib/node/index.js',
      'dist/lib/node/index.d.ts', 'dist/lib/node/cli/main.js', 'presets/quick.json', 'dist/web/index.html', 'dist/web/main.js',
      'dist/web/tfjs-wasm/tfjs-backend-wasm-simd.wasm']) {
      assert.ok(files.includes(f), `${f} is missing from the package`);
    }
    const unwanted = files.filter((f) => /^(src|test|bench|bench-runs|runs|docs|examples|scripts|test-artifacts|node_modules|\.ci)\//.test(f) || /^tsconfig|\.map$/.test(f) && !f.startsWith('dist/lib/'));
    assert.deepEqual(unwanted, [], 'files that do not belong in the package');
    assert.ok(!('tsx' in pkg.dependencies), 'tsx is a development tool, not a dependency');
    assert.ok(!existsSync(path.join(project, 'node_modules/tsx')), 'installing the package brought tsx');
  });

  it('imports both entry points with plain node and prints nothing', () => {
    const r = run(process.execPath, ['--input-type=module', '-e', `
      const core = await import('latentlab');
      const node = await import('latentlab/node');
      for (const name of ['buildModel', 'fit', 'resolveConfig', 'tf']) if (!(name in core)) throw new Error('latentlab: no ' + name);
      for (const name of ['initBackend', 'loadDataSplits', 'trainRun']) if (!(name in node)) throw new Error('latentlab/node: no ' + name);
    `], project);
    assert.equal(r.status, 0, describeResult('import', r));
    assert.equal(r.stdout + r.stderr, '', 'importing LatentLab printed something');
  });

  it('finds its presets, the page and its version from the installed, compiled files', () => {
    const root = path.join(project, 'node_modules', pkg.name, 'dist/lib/node');
    const r = run(process.execPath, ['--input-type=module', '-e', `
      const { PRESET_DIR } = await import(${JSON.stringify(path.join(root, 'presets.js'))});
      const { WEB_DIR } = await import(${JSON.stringify(path.join(root, 'cli/serve.js'))});
      const { VERSION } = await import(${JSON.stringify(path.join(root, 'version.js'))});
      console.log(JSON.stringify({ PRESET_DIR, WEB_DIR, VERSION }));
    `], project);
    assert.equal(r.status, 0, describeResult('paths', r));
    const found = JSON.parse(r.stdout) as { PRESET_DIR: string; WEB_DIR: string; VERSION: string };
    const installed = path.join(project, 'node_modules', pkg.name);
    assert.equal(found.PRESET_DIR, path.join(installed, 'presets'));
    assert.equal(found.WEB_DIR, path.join(installed, 'dist/web'));
    assert.equal(found.VERSION, pkg.version);
    assert.ok(readdirSync(found.PRESET_DIR).includes('quick.json'));
    assert.ok(existsSync(path.join(found.WEB_DIR, 'index.html')));
  });

  it('runs the README\'s library example with plain node: the test loss falls, nothing on stderr', () => {
    copyFileSync(EXAMPLE, path.join(project, 'library.mjs'));
    const r = run(process.execPath, ['library.mjs'], project);
    assert.equal(r.status, 0, describeResult('node library.mjs', r));
    assert.doesNotMatch(r.stderr, TFJS_NOISE);
    assert.equal(r.stderr, '', 'the example wrote to stderr');
    const losses = [...r.stdout.matchAll(/^epoch \d+: test −ELBO (\S+) nats/gm)].map((m) => Number(m[1]));
    assert.equal(losses.length, 3, describeResult('epochs', r));
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[2] < losses[0] - 5, `the test −ELBO did not fall: ${losses.join(' → ')}`);
    assert.match(r.stdout, /^its reconstruction: shape \[1,28,28\], mean intensity 0\.\d+$/m, 'decoded images come back shaped as the data');
    const iw = Number(/−log p\(x\) ≤ (\S+) nats/.exec(r.stdout)?.[1]);
    assert.ok(Number.isFinite(iw) && iw < losses[0], `importance-weighted bound ${iw}, losses ${losses}`);
  });

  it('type-checks the example against the shipped declarations', () => {
    // The example as a TypeScript project would see it: types from the package's "exports", strict.
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const r = run(process.execPath, [tsc, '--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--skipLibCheck', 'library.mjs'], project);
    assert.equal(r.status, 0, describeResult('tsc', r));
  });

  it('installs a working `latentlab` command', () => {
    const bin = path.join(project, 'node_modules/.bin/latentlab');
    const help = run(bin, ['--help'], project);
    assert.equal(help.status, 0, describeResult('latentlab --help', help));
    assert.match(help.stdout, /^Usage: latentlab/m);
    assert.equal(help.stderr, '');
    const version = run(bin, ['--version'], project);
    assert.equal(version.stdout.trim(), pkg.version);
    // A user error through the compiled error boundary, naming the shipped presets.
    const preset = run(bin, ['train', '--preset', 'nope'], project);
    assert.equal(preset.status, 1, describeResult('latentlab train --preset nope', preset));
    assert.match(preset.stderr, /unknown preset 'nope' \(available: .*quick/);
    assert.doesNotMatch(preset.stderr, TFJS_NOISE);
  });
});
