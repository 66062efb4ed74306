/**
 * The web page in headless Chromium (Debian's package, driven by
 * playwright-core), against `latentlab serve`'s server and a run trained by
 * the real CLI while the page watches:
 *
 * - the live dashboard receives streamed progress and epoch lines while
 *   `latentlab train` runs, and the whole history once it has finished;
 * - the explorer draws the test codes, decodes the point under the pointer
 *   (different points give different images; the image matches the CLI's
 *   decoder for the same z), and shows a clicked test image beside its
 *   reconstruction; interpolation and the linked comparison work;
 * - a model trained in the page is downloaded as a .zip and saved as a run
 *   folder the CLI can use; its 3-D latent gets a slider per dimension;
 * - no console errors; screenshots land in test-artifacts/.
 *
 * Budget: ≈ 1 minute on 2 cores (one browser, one small CLI training run).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/node/backend.js';
import { mnistDirectory } from '../src/node/datasets.js';
import { loadRunModel } from '../src/node/load-run.js';
import { decodeMeans } from '../src/node/run-figures.js';
import { startServer, type RunningServer } from '../src/node/serve/server.js';
import { artifactPath, browserSkipReason, canvasPixels, launchBrowser, showView } from './helpers/browser.js';
import { REPO_ROOT, describeRun, makeTempDir, readJsonl, runCli } from './helpers/cli.js';

// Page-side globals, for the functions that run inside the page (this file compiles without DOM types).
declare const window: any;
declare const document: any;
declare const location: any;

const skip = browserSkipReason();
const EPOCHS = 8;

describe('the web page', { skip: skip ?? false }, () => {
  const tmp = makeTempDir('latentlab-web-');
  const RUNS = path.join(tmp.dir, 'runs');
  const LIVE = path.join(RUNS, 'live');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let training: ChildProcess;
  let trainingExit: Promise<number | null>;
  let trainingOutput = '';
  const consoleErrors: string[] = [];

  before(async () => {
    const web = path.join(REPO_ROOT, 'dist/web');
    assert.ok(existsSync(path.join(web, 'index.html')), 'dist/web is not built: run npm run build:web');
    mkdirSync(RUNS, { recursive: true });
    server = await startServer({ runsDir: RUNS, webDir: web, port: 0 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    // The page is up (backend started) before training begins, so it can follow the run from its first lines.
    await open('#view=runs');
    assert.match(await page.textContent('main') ?? '', /No run folders yet/);
    training = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), 'train', '--train-limit', '2000', '--test-limit', '500',
      '--hidden', '64', '--latent-dim', '2', '--seed', '3', '--epochs', String(EPOCHS), '--out', RUNS, '--name', 'live'], { env: { ...process.env, NO_COLOR: '1' } });
    training.stdout!.on('data', (c: Buffer) => (trainingOutput += c.toString()));
    training.stderr!.on('data', (c: Buffer) => (trainingOutput += c.toString()));
    trainingExit = new Promise((resolve) => training.on('exit', resolve));
  });

  after(async () => {
    if (training?.exitCode === null) training.kill('SIGKILL');
    await browser?.close();
    await server?.close();
    tmp.remove();
  });

  /** Loads the page at `hash` (or, with `navigate`, only changes the hash of the page already loaded). */
  async function open(hash: string, { navigate = false } = {}): Promise<void> {
    await showView(page, server.url, hash, navigate);
    assert.deepEqual(consoleErrors, [], `console errors on ${hash}`);
  }

  /** Canvas pixels as RGBA bytes. */
  async function pixels(selector: string): Promise<number[]> {
    return Array.from(await canvasPixels(page, selector));
  }

  /** Pixels with a clear hue (labels, curves), as opposed to greys. */
  function coloured(rgba: number[]): number {
    let n = 0;
    for (let i = 0; i < rgba.length; i += 4) if (Math.max(rgba[i], rgba[i + 1], rgba[i + 2]) - Math.min(rgba[i], rgba[i + 1], rgba[i + 2]) > 60) n++;
    return n;
  }

  /** Warm-coloured pixels (the labels' orange, red, yellow, pink, brown dots; the density shading is blue). */
  function warm(rgba: number[]): number {
    // 10,000 translucent dots: a lone one is pale (an orange one at the lowest opacity is about rgb(251, 221, 191) on white).
    let n = 0;
    for (let i = 0; i < rgba.length; i += 4) if (rgba[i] > rgba[i + 2] + 30) n++;
    return n;
  }

  /**
   * Pixels of the explorer's plane that the test codes cover: those that
   * change when every class is hidden (robust to a model whose codes
   * collapsed into one spot, where the classes' colours mix to a grey).
   */
  async function codePixels(): Promise<number> {
    const shown = await pixels('canvas.scatter');
    await page.evaluate(() => {
      const plane = window.latentlab.explorers[0].plane;
      plane.setHidden(Array.from({ length: 256 }, (_, k) => k));
      plane.draw();
    });
    const hidden = await pixels('canvas.scatter');
    await page.evaluate(() => {
      const plane = window.latentlab.explorers[0].plane;
      plane.setHidden([]);
      plane.draw();
    });
    let n = 0;
    for (let i = 0; i < shown.length; i += 4) if (shown[i] !== hidden[i] || shown[i + 1] !== hidden[i + 1] || shown[i + 2] !== hidden[i + 2]) n++;
    return n;
  }

  function meanAbsDiff(a: number[], b: number[]): number {
    assert.equal(a.length, b.length);
    let s = 0;
    for (let i = 0; i < a.length; i += 4) s += Math.abs(a[i] - b[i]);
    return s / (a.length / 4);
  }

  test('the dashboard receives metrics streamed from a running latentlab train', async () => {
    // Pause the training after its first epoch, so the page is sure to connect mid-run; then let it go on.
    const metrics = path.join(LIVE, 'metrics.jsonl');
    for (let i = 0; i < 2400 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('\n')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(training.kill('SIGSTOP'), 'could not pause the training process');
    try {
      await open('#view=dashboard&run=live', { navigate: true });
      await page.waitForFunction(() => {
        const el = document.querySelector('.curves');
        return Number(el?.dataset.progressPoints) >= 1 && Number(el?.dataset.epochPoints) >= 1;
      }, null, { timeout: 30_000 });
    } finally {
      training.kill('SIGCONT');
    }
    const seen = Number(await page.$eval('.curves', (e: any) => e.dataset.epochPoints));
    assert.ok(seen < EPOCHS, `${seen} epochs before the training was resumed`);
    const before = coloured(await pixels('canvas.live'));
    // New lines arrive on the open connection, without reloading.
    await page.waitForFunction((k) => Number(document.querySelector('.curves').dataset.epochPoints) >= k + 2, seen, { timeout: 90_000 });
    await page.waitForTimeout(100);
    assert.ok(coloured(await pixels('canvas.live')) > before + 50, 'the live curve did not grow');
    assert.ok(coloured(await pixels('canvas.epochs')) > 50, 'the per-epoch curve was not drawn');
    await page.screenshot({ path: artifactPath('web-dashboard-live.png') });
  });

  test('a finished run shows its whole history', async () => {
    const code = await trainingExit;
    assert.equal(code, 0, trainingOutput);
    const progressLines = readJsonl(path.join(LIVE, 'progress.jsonl')).length;
    assert.ok(progressLines >= EPOCHS, `progress.jsonl has ${progressLines} lines`);
    await open('#view=runs');
    await open('#view=dashboard&run=live');
    await page.waitForFunction(([e, p]) => {
      const el = document.querySelector('.curves');
      return Number(el?.dataset.epochPoints) === e && Number(el?.dataset.progressPoints) === p;
    }, [EPOCHS, progressLines], { timeout: 30_000 });
  });

  test('the explorer draws the codes and decodes the point under the pointer', async () => {
    await open('#view=explore&run=live');
    const backend = await page.evaluate(() => window.latentlab.backend);
    assert.ok(['webgl', 'wasm', 'cpu'].includes(backend), backend);
    assert.match(await page.textContent('#backend') ?? '', new RegExp(`backend: ${backend}`));
    assert.ok(warm(await pixels('canvas.scatter')) > 500, 'the scatter has too few label-coloured pixels');
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    const decodes = () => page.$eval('.explorer', (e: any) => Number(e.dataset.decodes));
    const moveTo = async (fx: number, fy: number) => {
      const n = await decodes();
      await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
      await page.waitForFunction((k) => Number(document.querySelector('.explorer').dataset.decodes) > k, n);
      return { image: await pixels('canvas.decoded'), z: await page.textContent('.readout') };
    };
    const a = await moveTo(0.2, 0.25);
    const b = await moveTo(0.8, 0.75);
    assert.notEqual(a.z, b.z);
    const diff = meanAbsDiff(a.image, b.image);
    assert.ok(diff > 3, `decoded images at two distant points barely differ (mean |Δ| ${diff.toFixed(2)} of 255)`);
    await page.screenshot({ path: artifactPath('web-explorer.png') });
  });

  test('the page decodes with the run\'s own weights: its image matches the CLI\'s decoder to a grey level', async () => {
    await initBackend('cpu');
    const { model } = await loadRunModel(LIVE);
    const z = [0.4, -0.7];
    const expected = tf.tidy(() => decodeMeans(model, tf.tensor2d(z, [1, 2])));
    model.dispose();
    await page.evaluate((v) => window.latentlab.explorers[0].setLatent(v), z);
    const shown = await pixels('canvas.decoded');
    // 7× scaled: drawn pixel (r, c) covers canvas pixels 7r..7r+6 of a 196-wide canvas.
    let worst = 0;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) worst = Math.max(worst, Math.abs(shown[((7 * r + 3) * 196 + 7 * c + 3) * 4] - Math.round(255 * expected[r * 28 + c])));
    }
    assert.ok(worst <= 1, `the page's decoded image differs from the CLI's by up to ${worst} grey levels`);
  });

  test('clicking a test point shows that image beside its reconstruction', async () => {
    const i = 7;
    const at = await page.evaluate((k) => {
      const e = window.latentlab.explorers[0];
      return e.screenPoint(e.data.codes[2 * k], e.data.codes[2 * k + 1]);
    }, i);
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('.pair canvas.reconstruction');
    const index = Number(await page.$eval('.pair', (e: any) => e.dataset.index));
    const images = readFileSync(path.join(mnistDirectory(), 't10k-images-idx3-ubyte'));
    const original = await pixels('.pair canvas.original');
    // 4× scaled: the centre of drawn pixel (r, c) is (4r + 1, 4c + 1) on a 112-wide canvas.
    for (const [r, c] of [[10, 10], [14, 14], [20, 8], [5, 20]]) {
      assert.equal(original[((4 * r + 1) * 112 + 4 * c + 1) * 4], images[16 + index * 784 + r * 28 + c], `pixel (${r}, ${c}) of test image ${index}`);
    }
    const recon = await pixels('.pair canvas.reconstruction');
    assert.ok(meanAbsDiff(recon, new Array(recon.length).fill(0)) > 5, 'the reconstruction is blank');
    await page.screenshot({ path: artifactPath('web-explorer-click.png') });
  });

  test('interpolation decodes the path between two test codes', async () => {
    // The two of the first 48 test images whose codes lie farthest apart (read off the explorer), so that
    // the ends of the path must decode differently whatever this small model made of images 0 and 1.
    await open('#view=explore&run=live');
    const [a, b] = await page.evaluate(() => {
      const { codes } = window.latentlab.explorers[0].data;
      let best = [0, 1];
      let far = -1;
      for (let i = 0; i < 48; i++) {
        for (let j = i + 1; j < 48; j++) {
          const d = (codes[2 * i] - codes[2 * j]) ** 2 + (codes[2 * i + 1] - codes[2 * j + 1]) ** 2;
          if (d > far) [far, best] = [d, [i, j]];
        }
      }
      return best;
    });
    await open('#view=interpolate&run=live');
    assert.equal(await page.locator('.path figure').count(), 12);
    await page.locator('.thumbs canvas').nth(a).click();
    await page.locator('.thumbs canvas').nth(b).click();
    assert.deepEqual(await page.$eval('.path', (e: any) => [e.dataset.a, e.dataset.b]), [String(a), String(b)]);
    const first = await pixels('.path canvas.step >> nth=0');
    const last = await pixels('.path canvas.step >> nth=9');
    assert.ok(meanAbsDiff(first, last) > 3, `the ends of the path (test images ${a} and ${b}) decode alike`);
  });

  test('compare links two explorers: the pointer on one decodes the same z in both', async () => {
    await open('#view=compare&run=live&b=live');
    assert.equal(await page.locator('.explorer').count(), 2);
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.6 * box.height);
    await page.waitForFunction(() => {
      const [l, r] = window.latentlab.explorers;
      return l.z[0] === r.z[0] && l.z[1] === r.z[1] && r.decodes > 1;
    });
    const [l, r] = await Promise.all([pixels('.explorer >> nth=0 >> canvas.decoded'), pixels('.explorer >> nth=1 >> canvas.decoded')]);
    assert.equal(meanAbsDiff(l, r), 0, 'the same run at the same z decodes differently');
    // A click on a test point of the left plane shows that image in both.
    const at = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return e.screenPoint(e.data.codes[2 * 11], e.data.codes[2 * 11 + 1]);
    });
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => document.querySelectorAll('.pair canvas.reconstruction').length === 2);
    const indices = await page.$$eval('.pair', (els: any[]) => els.map((e) => e.dataset.index));
    assert.equal(indices[0], indices[1]);
  });

  /** Trains a small model in the page's Train view (512 images, 1 epoch, 32 hidden units) and waits until it is done. */
  const trainInPage = async (model: 'vae' | 'aae' | 'wae', latent: number) => {
    await open('#view=train');
    await page.selectOption('select[name=model]', model);
    await page.fill('input[name=train]', '512');
    await page.fill('input[name=epochs]', '1');
    await page.fill('input[name=hidden]', '32');
    await page.fill('input[name=latent]', String(latent));
    await page.click('form.train-form button[type=submit]');
    await page.waitForSelector('text=Save into the runs folder', { timeout: 120_000 });
  };

  test('a model trained in the page is saved as a run folder the CLI can use', async () => {
    await trainInPage('vae', 3);
    assert.match(await page.textContent('.curves .status') ?? '', /done: 1 epoch, test −ELBO \d+\.\d\d nats per image/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download the run (.zip)')]);
    const zipFile = artifactPath('web-trained-run.zip');
    await download.saveAs(zipFile);
    await page.click('text=Save into the runs folder');
    await page.waitForSelector('text=saved as', { timeout: 30_000 });
    await page.screenshot({ path: artifactPath('web-train.png') });
    const saved = readdirSync(RUNS).filter((n) => n.startsWith('web-vae-z3-'));
    assert.equal(saved.length, 1, readdirSync(RUNS).join(', '));
    const dir = path.join(RUNS, saved[0]);
    assert.equal(readJsonl(path.join(dir, 'metrics.jsonl')).length, 1);
    // The download holds the same files as the saved folder, under the run's name.
    const listing = spawnSync('/usr/bin/python3', ['-c', `import zipfile, sys, hashlib
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist(): print(i.filename, hashlib.sha256(z.read(i)).hexdigest())`, zipFile], { encoding: 'utf8' });
    if (listing.status === 0) {
      const runName = path.basename(dir);
      // The server draws the saved run's figures afterwards: they are not part of the download.
      const saved = (sub: string): string[] => readdirSync(path.join(dir, sub), { withFileTypes: true }).filter((e) => !/\.png(\.tmp-\d+-\d+)?$/.test(e.name)).flatMap((e) => (e.isDirectory()
        ? saved(path.join(sub, e.name))
        : [`${path.join(runName, sub, e.name)} ${createHash('sha256').update(readFileSync(path.join(dir, sub, e.name))).digest('hex')}`]));
      assert.deepEqual(listing.stdout.trim().split('\n').sort(), saved('').sort());
    } else process.stderr.write(`zip contents not checked (no /usr/bin/python3 with zipfile): ${listing.stderr}\n`);
    // The server draws the saved run's figures; the Runs view shows them as they land, without a reload.
    await open(`#view=runs&run=${path.basename(dir)}`, { navigate: true });
    await page.waitForSelector('.run-details img[alt="latent.png"]', { timeout: 60_000 });
    assert.ok(await page.locator('.run-details img').count() >= 4, 'the saved run shows fewer than four figures');
    const r = runCli(['sample', dir, '-n', '4', '--backend', 'cpu']);
    assert.equal(r.status, 0, describeRun(r));
    assert.ok(existsSync(path.join(dir, 'samples-n4-seed1.png')));
    assert.deepEqual(consoleErrors, []);
  });

  test('an AAE trained in the page: its reconstruction headlines, its adversarial losses get their own chart', async () => {
    await trainInPage('aae', 2);
    assert.match(await page.textContent('.curves .status') ?? '', /done: 1 epoch, test reconstruction \d+\.\d\d nats per image/);
    assert.equal(await page.$eval('.curves', (e: any) => e.dataset.epochPoints), '1');
    assert.equal(await page.$eval('canvas.chart.adversarial', (e: any) => e.hidden), false, 'the adversarial chart is shown');
    assert.deepEqual(consoleErrors, []);
  });

  test('a WAE trained in the page: its MMD² penalty gets its own chart; a WAE run from the CLI opens in the explorer and decodes', async () => {
    await trainInPage('wae', 2);
    assert.match(await page.textContent('.curves .status') ?? '', /done: 1 epoch, test reconstruction \d+\.\d\d nats per image/);
    assert.equal(await page.$eval('canvas.chart.penalty', (e: any) => e.hidden), false, 'the MMD² chart is shown');
    assert.equal(await page.$eval('canvas.chart.adversarial', (e: any) => e.hidden), true, 'no adversarial chart for a WAE');
    const r = runCli(['train', '--model', 'wae', '--encoder', 'gaussian', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64',
      '--epochs', '1', '--seed', '3', '--out', RUNS, '--name', 'wae', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=runs&run=wae');
    assert.match(await page.textContent('table.terms') ?? '', /mmd.*\d\.\d{4}/s, 'MMD² shown with four decimals');
    await open('#view=explore&run=wae');
    assert.ok(await codePixels() > 100, 'the WAE\'s codes are drawn');
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    const n = await page.$eval('.explorer', (e: any) => Number(e.dataset.decodes));
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.6 * box.height);
    await page.waitForFunction((k) => Number(document.querySelector('.explorer').dataset.decodes) > k, n);
    assert.deepEqual(consoleErrors, []);
  });

  test('a 3-D latent: one slider per dimension, and moving the third changes the decoded image', async () => {
    const name = readdirSync(RUNS).find((n) => n.startsWith('web-vae-z3-'));
    assert.ok(name, 'no saved 3-D run');
    await open(`#view=explore&run=${name}`);
    assert.equal(await page.locator('.sliders input[type=range]').count(), 3);
    const setThird = async (v: number) => {
      const n = await page.$eval('.explorer', (e: any) => Number(e.dataset.decodes));
      await page.$eval('.sliders input[aria-label=z3]', (el: any, value: number) => {
        el.value = String(value);
        el.dispatchEvent(new Event('input'));
      }, v);
      await page.waitForFunction((k) => Number(document.querySelector('.explorer').dataset.decodes) > k, n);
      return pixels('canvas.decoded');
    };
    const low = await setThird(-3);
    const high = await setThird(3);
    assert.ok(meanAbsDiff(low, high) > 1, 'z3 = −3 and z3 = 3 decode to the same image');
    assert.match(await page.textContent('.readout') ?? '', /, 3\.00\)$/);
    assert.deepEqual(consoleErrors, []);
  });

  /** Picks class `k` in the explorer's class picker, waits for the new decode, and returns the decoded image's pixels. */
  const decodeAsClass = async (picker: ReturnType<typeof page.locator>, k: number) => {
    const n = await page.$eval('.explorer', (e: any) => Number(e.dataset.decodes));
    await picker.selectOption(String(k));
    await page.waitForFunction((m) => Number(document.querySelector('.explorer').dataset.decodes) > m, n);
    return pixels('canvas.decoded');
  };

  test('a decoder given the label (supervised AAE): the class picker renders the same z as another digit', async () => {
    const r = runCli(['train', '--model', 'aae', '--labels', 'conditional', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64',
      '--epochs', '1', '--seed', '3', '--out', RUNS, '--name', 'supervised', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=explore&run=supervised');
    const picker = page.locator('select[aria-label="decode as class"]');
    assert.equal(await picker.locator('option').count(), 10);
    const asClass = (k: number) => decodeAsClass(picker, k);
    const zero = await asClass(0);
    const one = await asClass(1);
    assert.ok(meanAbsDiff(zero, one) > 1, 'the same z decoded as 0 and as 1 gives the same image');
    assert.deepEqual(consoleErrors, []);
  });

  test('a VAE with a VampPrior trained on the IWAE bound, and one with two stochastic layers: the explorer loads their extra nets and draws the codes; the runs list headlines −L_K', async () => {
    const r = runCli(['train', '--prior', 'vamp', '--prior-components', '20', '--objective', 'iwae', '--k', '3', '--train-limit', '1000', '--test-limit', '300',
      '--hidden', '64', '--latent-dim', '2', '--epochs', '1', '--seed', '3', '--out', RUNS, '--name', 'vamp', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=explore&run=vamp');
    const prior = await page.evaluate(() => {
      const model = (window.latentlab.explorers[0] as any).data.model;
      return { kind: model.prior.kind, nets: Object.keys(model.nets).sort() };
    });
    assert.deepEqual(prior, { kind: 'vamp', nets: ['decoder', 'encoder', 'pseudoInputs'] });
    assert.ok(await codePixels() > 20, 'the codes are not drawn');
    await open('#view=runs');
    assert.match(await page.textContent('main') ?? '', /−L_K \(IWAE bound\)/);
    // Two stochastic layers: the page loads the nets between them and decodes through z₁.
    const two = runCli(['train', '--latent-layers', '8', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64', '--latent-dim', '2',
      '--epochs', '1', '--seed', '3', '--out', RUNS, '--name', 'two-layers', '-q']);
    assert.equal(two.status, 0, describeRun(two));
    await open('#view=explore&run=two-layers');
    assert.deepEqual(await page.evaluate(() => Object.keys((window.latentlab.explorers[0] as any).data.model.nets).sort()), ['decoder', 'decoder1', 'encoder', 'encoder1']);
    assert.ok(await codePixels() > 20, 'the codes are not drawn');
    assert.deepEqual(consoleErrors, []);
  });

  test('a semi-supervised AAE: the class picker sets y, the plane shows the style, the page lists its cluster figure', async () => {
    const r = runCli(['train', '--model', 'semi-supervised-aae', '--labelled', '100', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64',
      '--discriminator-hidden', '32', '--epochs', '1', '--seed', '3', '--out', RUNS, '--name', 'semi', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=explore&run=semi');
    const picker = page.locator('select[aria-label="decode as class"]');
    assert.equal(await picker.locator('option').count(), 10);
    assert.match(await page.textContent('.readout') ?? '', /^z = \(1\.00, 0\.00, 0\.00/, 'starts at class 0');
    const asClass = (k: number) => decodeAsClass(picker, k);
    const zero = await asClass(0);
    const seven = await asClass(7);
    assert.ok(meanAbsDiff(zero, seven) > 1, 'the same style decoded as class 0 and 7 gives the same image');
    assert.match(await page.textContent('.readout') ?? '', /^z = \(0\.00(, 0\.00){6}, 1\.00/, 'class 7 is the one-hot y');
    await open('#view=runs&run=semi');
    await page.waitForSelector('img[alt="clusters.png"]');
    assert.deepEqual(consoleErrors, []);
  });

  test('a run on a colour image folder: colour images, the class folders\' names in the explorer', async () => {
    const { createCanvas } = await import('@napi-rs/canvas');
    const { writeFileSync } = await import('node:fs');
    const folder = path.join(tmp.dir, 'swatches');
    for (const [name, colour] of [['crimson', '#d01c3c'], ['teal', '#1ca0a0']]) {
      mkdirSync(path.join(folder, name), { recursive: true });
      for (let i = 0; i < 200; i++) {
        const c = createCanvas(8, 8);
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#202020';
        ctx.fillRect(0, 0, 8, 8);
        ctx.fillStyle = colour;
        ctx.fillRect(i % 5, (i * 3) % 5, 4, 4);
        writeFileSync(path.join(folder, name, `${i}.png`), c.toBuffer('image/png'));
      }
    }
    const r = runCli(['train', '--data', folder, '--likelihood', 'gaussian', '--variance', '0.02', '--hidden', '32', '--epochs', '30', '--batch-size', '16',
      '--seed', '3', '--out', RUNS, '--name', 'swatches', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=explore&run=swatches');
    const data = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return { shape: e.data.images.shape, classNames: e.data.classNames, count: e.data.images.count };
    });
    assert.deepEqual([data.shape, data.classNames], [[8, 8, 3], ['crimson', 'teal']]);
    await page.evaluate(() => window.latentlab.explorers[0].showPair(0));
    await page.waitForSelector('.pair canvas.reconstruction');
    assert.match(await page.textContent('.pair') ?? '', /label (crimson|teal)/);
    await page.screenshot({ path: artifactPath('web-explorer-colour.png') });
    assert.ok(coloured(await pixels('.pair canvas.original')) > 50, 'the test image is drawn without its colour');
    // The reconstruction carries the class's tint: red above blue for crimson, below for teal.
    const recon = await pixels('.pair canvas.reconstruction');
    const channel = (c: number) => recon.filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0);
    const crimson = /label crimson/.test(await page.textContent('.pair') ?? '');
    assert.ok(crimson ? channel(0) > channel(2) * 1.1 : channel(2) > channel(0) * 1.1, `the reconstruction lacks its class's tint (R ${channel(0)}, B ${channel(2)})`);
    assert.deepEqual(consoleErrors, []);
  });

  test('a run on a table: each row drawn as bars, one per column, up (blue) for values above the column mean and down (orange) below', async () => {
    const { writeFileSync } = await import('node:fs');
    const lines = ['a,b,c,d,e,f,kind'];
    for (let i = 0; i < 300; i++) {
      const k = i % 2;
      const t = (i % 7) / 7;
      lines.push([3 * k + t, -2 * k + t, 5 + t, 10 * k, 1 - k + t, t * t, k ? 'big' : 'small'].map((v) => (typeof v === 'number' ? v.toFixed(3) : v)).join(','));
    }
    writeFileSync(path.join(tmp.dir, 'rows.csv'), lines.join('\n'));
    const r = runCli(['train', '--data', path.join(tmp.dir, 'rows.csv'), '--label-column', 'kind', '--hidden', '32', '--epochs', '40', '--batch-size', '20',
      '--seed', '3', '--out', RUNS, '--name', 'rows', '-q']);
    assert.equal(r.status, 0, describeRun(r));
    await open('#view=explore&run=rows');
    await page.evaluate(() => window.latentlab.explorers[0].showPair(1));
    await page.waitForSelector('.pair canvas.original');
    await page.screenshot({ path: artifactPath('web-explorer-table.png') });
    const { values, width, height } = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      const canvas = document.querySelector('.pair canvas.original') as unknown as { width: number; height: number };
      return { values: Array.from(e.data.images.x.slice(e.data.images.dim, 2 * e.data.images.dim) as Float32Array), width: canvas.width, height: canvas.height };
    });
    assert.equal(values.length, 6);
    assert.ok(values.filter((v) => Math.abs(v) >= 0.5).length >= 3, `too few columns to probe: ${values}`);
    assert.ok(height >= 40, `a row is drawn ${height} pixels high: a strip, not bars`);
    const rgba = await pixels('.pair canvas.original');
    const at = (x: number, y: number) => rgba.slice(4 * (Math.round(y) * width + Math.round(x)), 4 * (Math.round(y) * width + Math.round(x)) + 3);
    values.forEach((v, j) => {
      if (Math.abs(v) < 0.5) return;   // bars of half a σ or more (6 pixels at this size) are probed 3 pixels from the zero line
      const x = (j + 0.5) * (width / 6);
      const [red, , blue] = at(x, height / 2 + (v > 0 ? -3 : 3));
      assert.ok(v > 0 ? blue > red + 60 : red > blue + 60, `column ${j} (value ${v.toFixed(2)}): pixel rgb(${at(x, height / 2 + (v > 0 ? -3 : 3))}) is not a ${v > 0 ? 'blue bar above' : 'orange bar below'} the zero line`);
    });
    assert.ok(coloured(await pixels('.pair canvas.reconstruction')) > 100, 'the reconstruction has no bars');
    assert.deepEqual(consoleErrors, []);
  });
});
