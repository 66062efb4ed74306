/**
 * The latent explorer as a practitioner uses it, in headless Chromium against
 * `latentlab serve` and runs trained by the real CLI:
 *
 * - nested run folders are listed with their path and open; a run started
 *   after the page loaded appears without a reload, and says when it finished;
 * - every test code (10,000) is drawn, counted from the page's own data;
 *   hover reports the nearest test image, computed here independently;
 * - zoom (wheel, keys), pan (drag, keys), class toggles, search by index and
 *   by label, a rectangle selection exported as CSV;
 * - traversals; interpolation between any two test images, linear and
 *   spherical, with a step count; PCA and UMAP for a 3-D latent;
 * - compare with four runs on one axis range, the report's numbers beside
 *   each, the same z in every readout after switching runs;
 * - a shared URL restores run, view, picked point, zoom and hidden classes.
 *
 * Budget: ≈ 1.5 minutes on 2 cores (four small CLI runs, UMAP of 10,000 codes).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { mnistDirectory } from '../src/node/datasets.js';
import { startServer, type RunningServer } from '../src/node/serve/server.js';
import { artifactPath, browserSkipReason, canvasPixels, launchBrowser, showView } from './helpers/browser.js';
import { REPO_ROOT, describeRun, makeTempDir, runCli } from './helpers/cli.js';

declare const window: any;
declare const document: any;
declare const location: any;

const skip = browserSkipReason();

/** MNIST's test labels, read here from the IDX file (not from the page). */
function mnistTestLabels(): Uint8Array {
  return readFileSync(path.join(mnistDirectory(), 't10k-labels-idx1-ubyte')).subarray(8);
}

describe('the latent explorer', { skip: skip ?? false }, () => {
  const tmp = makeTempDir('latentlab-explorer-');
  const RUNS = path.join(tmp.dir, 'runs');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const labels = mnistTestLabels();

  const train = (name: string, extra: string[], out = RUNS) => {
    const r = runCli(['train', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64', '--epochs', '1', '--seed', '5', '--out', out, '--name', name, '-q', ...extra]);
    assert.equal(r.status, 0, describeRun(r));
  };

  before(async () => {
    mkdirSync(RUNS, { recursive: true });
    train('flat2', ['--latent-dim', '2']);
    train('aae2', ['--model', 'aae', '--latent-dim', '2']);
    train('vae3', ['--latent-dim', '3'], path.join(RUNS, 'group', 'deeper'));
    server = await startServer({ runsDir: RUNS, webDir: path.join(REPO_ROOT, 'dist/web'), port: 0 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    tmp.remove();
  });

  async function open(hash: string, { navigate = false, on = page } = {}): Promise<void> {
    await showView(on, server.url, hash, navigate);
    assert.deepEqual(consoleErrors, [], `console errors on ${hash}`);
  }

  async function pixels(selector: string, on = page): Promise<number[]> {
    return Array.from(await canvasPixels(on, selector));
  }

  /** Pixels within 40 (summed over channels) of an RGB colour. */
  function near(rgba: number[], [r, g, b]: [number, number, number]): number {
    let n = 0;
    for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i] - r) + Math.abs(rgba[i + 1] - g) + Math.abs(rgba[i + 2] - b) < 40) n++;
    return n;
  }

  const frames = () => page.$eval('.stack', (e: any) => Number(e.dataset.frames));
  const viewBox = () => page.evaluate(() => window.latentlab.explorers[0].plane.view);

  test('nested run folders are listed with their path and open in the explorer', async () => {
    await open('#view=runs');
    const row = page.locator('tr[data-run="group/deeper/vae3"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /group\/deeper\/vae3/);
    await open('#view=explore&run=group/deeper/vae3', { navigate: true });
    assert.equal(await page.evaluate(() => window.latentlab.explorers[0].z.length), 3);
  });

  test('a run started after the page loaded appears without a reload, and the list and the dashboard say when it finished', async () => {
    await open('#view=runs');
    const before = Number(await page.$eval('.runs-view', (e: any) => e.dataset.runs));
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), 'train', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64',
      '--latent-dim', '2', '--epochs', '3', '--seed', '4', '--out', RUNS, '--name', 'late', '-q'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await page.locator('tr[data-run="late"]').waitFor({ timeout: 60_000 });
      assert.equal(Number(await page.$eval('.runs-view', (e: any) => e.dataset.runs)), before + 1);
      // The dashboard follows it, and says so when the process is done.
      await open('#view=dashboard&run=late', { navigate: true });
      assert.equal(await exited, 0);
      await page.waitForSelector('.curves[data-status="finished"]', { timeout: 30_000 });
      assert.match(await page.textContent('.curves .status') ?? '', /late: finished/);
      await open('#view=runs', { navigate: true });
      await page.waitForSelector('tr[data-run="late"][data-status="finished"]', { timeout: 30_000 });
      // Pickers list it too (the explore picker was never opened before it existed).
      await open('#view=explore', { navigate: true });
      assert.ok(await page.locator('select[aria-label="run"] option[value="late"]').count() === 1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('the explorer of a run still training offers its newer checkpoint, and shows it on request', async () => {
    const dir = path.join(RUNS, 'growing');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/latentlab.js'), 'train', '--train-limit', '1000', '--test-limit', '300', '--hidden', '64',
      '--latent-dim', '2', '--epochs', '4', '--seed', '6', '--out', RUNS, '--name', 'growing', '-q'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      // Pause it after its first checkpoint, so the page loads epoch 1 while more are to come.
      const latest = path.join(dir, 'checkpoints', 'latest.json');
      for (let i = 0; i < 1200 && !(existsSync(latest) && readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').includes('\n')); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(child.kill('SIGSTOP'), 'could not pause the training');
      const paused = (JSON.parse(readFileSync(latest, 'utf8')) as { epoch: number }).epoch;
      assert.ok(paused < 4, `the training had reached epoch ${paused} before it was paused`);
      await open('#view=explore&run=growing');
      const title = () => page.textContent('.plane-title');
      assert.match(await title() ?? '', new RegExp(`epoch ${paused},`));
      assert.equal(await page.isHidden('.newer-checkpoint'), true);
      child.kill('SIGCONT');
      assert.equal(await exited, 0);
      // The notice follows each new checkpoint; once the process is done it names the last one.
      await page.waitForFunction(() => /growing has a newer checkpoint \(epoch 4\)/.test(document.querySelector('.newer-checkpoint:not([hidden])')?.textContent ?? ''), null, { timeout: 30_000 });
      await page.evaluate(() => (window.latentlab.ready = false));
      await page.click('.newer-checkpoint button');
      await page.waitForFunction(() => window.latentlab.ready === true);
      assert.match(await title() ?? '', /epoch 4,/);
      assert.deepEqual(consoleErrors, []);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
  });

  test('every test code is drawn (10,000), and hover shows the nearest test image, found here independently', async () => {
    await open('#view=explore&run=flat2');
    const info = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return { n: e.projection.points.length / 2, shown: Number(e.element.dataset.shown), codes: Array.from(e.data.codes as Float32Array), count: e.data.images.count };
    });
    assert.deepEqual([info.n, info.shown, info.count], [10_000, 10_000, 10_000]);
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    const v = await viewBox();
    const toScreen = (x: number, y: number) => [box.x + ((x - v.x.lo) / (v.x.hi - v.x.lo)) * box.width, box.y + ((v.y.hi - y) / (v.y.hi - v.y.lo)) * box.height];
    let checked = 0;
    for (const [fx, fy] of [[0.3, 0.3], [0.5, 0.5], [0.62, 0.41], [0.45, 0.7], [0.7, 0.25], [0.2, 0.8]]) {
      const mx = Math.round(box.x + fx * box.width);
      const my = Math.round(box.y + fy * box.height);
      const dist = info.codes.map((_, k) => k).filter((k) => k % 2 === 0).map((k) => {
        const [px, py] = toScreen(info.codes[k], info.codes[k + 1]);
        return { i: k / 2, d: (px - mx) ** 2 + (py - my) ** 2 };
      }).sort((a, b) => a.d - b.d);
      if (dist[1].d - dist[0].d < 0.5) continue; // a near tie: either answer would be right
      await page.mouse.move(mx, my);
      await page.waitForFunction((i) => document.querySelector('.explorer').dataset.hover === String(i), dist[0].i, { timeout: 5000 })
        .catch(async () => assert.fail(`hover at (${fx}, ${fy}) reported ${await page.$eval('.explorer', (e: any) => e.dataset.hover)}, the nearest test code is ${dist[0].i}`));
      assert.match(await page.textContent('.hover-tip') ?? '', new RegExp(`#${dist[0].i} · ${labels[dist[0].i]}`));
      checked++;
    }
    assert.ok(checked >= 4, `only ${checked} positions without a near tie`);
    await page.screenshot({ path: artifactPath('web-explorer-hover.png') });
  });

  test('zoom and pan by wheel, drag and keys redraw the plane', async () => {
    await open('#view=explore&run=flat2');
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    const home = await viewBox();
    const before = await pixels('canvas.scatter');
    const f0 = await frames();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((f) => Number(document.querySelector('.stack').dataset.frames) > f, f0);
    const zoomed = await viewBox();
    assert.ok(zoomed.x.hi - zoomed.x.lo < 0.7 * (home.x.hi - home.x.lo), `wheel did not zoom in: ${JSON.stringify(zoomed)}`);
    const after = await pixels('canvas.scatter');
    let changed = 0;
    for (let i = 0; i < before.length; i += 4) if (before[i] !== after[i]) changed++;
    assert.ok(changed > 5000, `only ${changed} pixels changed after zooming`);
    // A drag of 100 px to the right moves the box left by 100 px worth of data.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 50, box.y + box.height / 2, { steps: 3 });
    await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
    const panned = await viewBox();
    const expected = (100 / box.width) * (zoomed.x.hi - zoomed.x.lo);
    assert.ok(Math.abs((zoomed.x.lo - panned.x.lo) - expected) < 0.02 * (zoomed.x.hi - zoomed.x.lo), `pan moved ${zoomed.x.lo - panned.x.lo}, expected ${expected}`);
    // Keys on the focused plane: 0 resets, + zooms in, shift+arrow pans, arrows move z, Enter picks the nearest test point.
    await page.focus('canvas.overlay');
    await page.keyboard.press('0');
    await page.waitForFunction((h) => Math.abs(window.latentlab.explorers[0].plane.view.x.lo - h) < 1e-9, home.x.lo);
    await page.keyboard.press('+');
    await page.waitForFunction((w) => window.latentlab.explorers[0].plane.view.x.hi - window.latentlab.explorers[0].plane.view.x.lo < w * 0.9, home.x.hi - home.x.lo);
    const beforeShift = await viewBox();
    await page.keyboard.press('Shift+ArrowRight');
    assert.ok((await viewBox()).x.lo > beforeShift.x.lo, 'shift+right did not pan');
    const z0 = await page.evaluate(() => Array.from(window.latentlab.explorers[0].z as Float32Array));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((z) => window.latentlab.explorers[0].z[0] > z[0], z0);
    assert.equal((await page.evaluate(() => Array.from(window.latentlab.explorers[0].z as Float32Array)))[1], z0[1], 'ArrowRight moved z2');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.pair canvas.reconstruction');
    assert.ok(Number(await page.$eval('.pair', (e: any) => e.dataset.index)) >= 0);
  });

  test('class toggles hide a class\'s points; search finds a test image by index and a class by label', async () => {
    await open('#view=explore&run=flat2');
    const orange: [number, number, number] = [242, 142, 43]; // class 1's colour
    const withOnes = near(await pixels('canvas.scatter'), orange);
    await page.click('.class-toggle[data-class="1"]');
    assert.equal(await page.getAttribute('.class-toggle[data-class="1"]', 'aria-pressed'), 'false');
    const ones = labels.filter((l) => l === 1).length;
    await page.waitForFunction((n) => Number(document.querySelector('.explorer').dataset.shown) === n, 10_000 - ones);
    await page.waitForTimeout(100);
    const withoutOnes = near(await pixels('canvas.scatter'), orange);
    assert.ok(withoutOnes < 0.1 * withOnes, `class 1's colour still covers ${withoutOnes} pixels (was ${withOnes})`);
    await page.click('.class-all');
    await page.waitForFunction(() => Number(document.querySelector('.explorer').dataset.shown) === 10_000);
    // An index picks that test image: its original is MNIST's test image 4321.
    await page.fill('input[type=search]', '4321');
    await page.press('input[type=search]', 'Enter');
    await page.waitForFunction(() => document.querySelector('.pair')?.dataset.index === '4321');
    const images = readFileSync(path.join(mnistDirectory(), 't10k-images-idx3-ubyte'));
    const original = await pixels('.pair canvas.original');
    for (const [r, c] of [[10, 10], [14, 14], [20, 8], [5, 20]]) assert.equal(original[((4 * r + 1) * 112 + 4 * c + 1) * 4], images[16 + 4321 * 784 + r * 28 + c]);
    // A label shows that class alone.
    await page.fill('input[type=search]', 'label 7');
    await page.press('input[type=search]', 'Enter');
    await page.waitForFunction((n) => Number(document.querySelector('.explorer').dataset.shown) === n, labels.filter((l) => l === 7).length);
    assert.equal(await page.getAttribute('.class-toggle[data-class="7"]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('.class-toggle[data-class="3"]', 'aria-pressed'), 'false');
    await page.fill('input[type=search]', '99999');
    await page.press('input[type=search]', 'Enter');
    assert.match(await page.textContent('.plane-status') ?? '', /no test image 99999: there are 10000/);
  });

  test('a rectangle selection is exported as CSV: exactly the shown codes inside it, with their labels', async () => {
    await open('#view=explore&run=flat2');
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    const v = await viewBox();
    const [ax, ay, bx, by] = [box.x + 0.35 * box.width, box.y + 0.3 * box.height, box.x + 0.65 * box.width, box.y + 0.6 * box.height].map(Math.round);
    await page.keyboard.down('Shift');
    await page.mouse.move(ax, ay);
    await page.mouse.down();
    await page.mouse.move((ax + bx) / 2, (ay + by) / 2, { steps: 4 });
    await page.mouse.move(bx, by, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const selected = Number(await page.$eval('.explorer', (e: any) => e.dataset.selected));
    assert.ok(selected > 10, `${selected} codes selected`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
    const file = artifactPath('web-selection.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'index,label,z1,z2,slice_x,slice_y');
    assert.equal(lines.length, selected + 1);
    // The rectangle in data coordinates, from the pixels the mouse went through.
    const dx = (p: number) => v.x.lo + ((p - box.x) / box.width) * (v.x.hi - v.x.lo);
    const dy = (p: number) => v.y.hi - ((p - box.y) / box.height) * (v.y.hi - v.y.lo);
    const codes = await page.evaluate(() => Array.from(window.latentlab.explorers[0].data.codes as Float32Array));
    let inside = 0;
    for (let i = 0; i < 10_000; i++) if (codes[2 * i] >= dx(ax) && codes[2 * i] <= dx(bx) && codes[2 * i + 1] <= dy(ay) && codes[2 * i + 1] >= dy(by)) inside++;
    assert.ok(Math.abs(inside - selected) <= 2, `${selected} selected, ${inside} codes inside the rectangle`);
    for (const line of lines.slice(1)) {
      const [i, label, z1, z2] = line.split(',');
      assert.equal(label, `"${labels[Number(i)]}"`);
      assert.ok(Math.abs(Number(z1) - codes[2 * Number(i)]) < 1e-6 && Math.abs(Number(z2) - codes[2 * Number(i) + 1]) < 1e-6);
    }
  });

  test('a traversal decodes one row per dimension; its step count is a control', async () => {
    await open('#view=explore&run=group/deeper/vae3&i=17');
    assert.equal(await page.$eval('.pair', (e: any) => e.dataset.index), '17');
    assert.match(await page.textContent('.traversal h3') ?? '', /Traversal from test image 17/);
    assert.equal(await page.locator('.traversal canvas').count(), 3 * 9);
    const first = await pixels('.traversal canvas >> nth=0');
    const last = await pixels('.traversal canvas >> nth=8');
    let diff = 0;
    for (let i = 0; i < first.length; i += 4) diff += Math.abs(first[i] - last[i]);
    assert.ok(diff / (first.length / 4) > 1, 'the ends of the first row decode alike');
    await page.fill('input[aria-label="traversal steps"]', '5');
    await page.press('input[aria-label="traversal steps"]', 'Enter');
    await page.locator('input[aria-label="traversal steps"]').blur();
    await page.waitForFunction(() => document.querySelectorAll('.traversal canvas').length === 15);
    await page.screenshot({ path: artifactPath('web-traversal.png'), fullPage: true });
  });

  test('a 3-D latent opens on a slice through its two most spread dimensions; PCA and UMAP put it on the plane; the URL keeps the projection', async () => {
    await open('#view=explore&run=group/deeper/vae3');
    const slice = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return { codes: Array.from(e.data.codes as Float32Array), dims: e.state().dims };
    });
    const sd = [0, 1, 2].map((j) => {
      const v = slice.codes.filter((_, i) => i % 3 === j);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    });
    const widest = [0, 1, 2].sort((a, b) => sd[b] - sd[a] || a - b).slice(0, 2).sort((a, b) => a - b);
    assert.deepEqual(slice.dims, widest, `spreads ${sd.map((x) => x.toFixed(3))}`);
    await page.selectOption('select[aria-label="projection"]', 'pca');
    await page.waitForSelector('.explorer[data-projection="pca"]');
    const pca = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      const p = e.projection.points as Float32Array;
      let vx = 0;
      let vy = 0;
      for (let i = 0; i < p.length; i += 2) {
        vx += p[i] * p[i];
        vy += p[i + 1] * p[i + 1];
      }
      return { n: p.length / 2, vx, vy, label: e.projection.xLabel };
    });
    assert.equal(pca.n, 10_000);
    assert.ok(pca.vx >= pca.vy, 'PC1 explains less than PC2');
    assert.match(pca.label, /PC1 \(\d+ % of the variance\)/);
    // The pointer moves z within the PCA plane: every dimension changes.
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.3 * box.height);
    const a = await page.evaluate(() => Array.from(window.latentlab.explorers[0].z as Float32Array));
    await page.mouse.move(box.x + 0.7 * box.width, box.y + 0.6 * box.height);
    await page.waitForFunction((z) => window.latentlab.explorers[0].z[0] !== z[0], a);
    await page.selectOption('select[aria-label="projection"]', 'umap');
    await page.waitForSelector('.explorer[data-umap="done"]', { timeout: 180_000 });
    const umap = await page.evaluate(() => {
      const p = window.latentlab.explorers[0].projection.points as Float32Array;
      return { n: p.length / 2, finite: p.every(Number.isFinite) };
    });
    assert.deepEqual(umap, { n: 10_000, finite: true });
    await page.waitForFunction(() => location.hash.includes('proj=umap'));
    await page.screenshot({ path: artifactPath('web-explorer-umap.png') });
    assert.deepEqual(consoleErrors, []);
  });

  test('interpolation between any two test images, straight or spherical, with a step count, kept in the URL', async () => {
    await open('#view=interpolate&run=flat2');
    await page.fill('input[name=a]', '1234');
    await page.press('input[name=a]', 'Tab');
    await page.fill('input[name=b]', '8765');
    await page.press('input[name=b]', 'Tab');
    await page.fill('input[name=steps]', '7');
    await page.press('input[name=steps]', 'Tab');
    await page.waitForFunction(() => document.querySelector('.path')?.dataset.steps === '7');
    assert.deepEqual(await page.$eval('.path', (e: any) => [e.dataset.a, e.dataset.b]), ['1234', '8765']);
    assert.equal(await page.locator('.path canvas.step').count(), 7);
    const linear = await Promise.all([0, 3].map((k) => pixels(`.path canvas.step >> nth=${k}`)));
    await page.selectOption('select[name=path]', 'slerp');
    await page.waitForFunction(() => document.querySelector('.path')?.dataset.kind === 'slerp');
    const slerp = await Promise.all([0, 3].map((k) => pixels(`.path canvas.step >> nth=${k}`)));
    assert.deepEqual(slerp[0], linear[0], 'both paths start at the first image\'s code');
    let diff = 0;
    for (let i = 0; i < linear[1].length; i += 4) diff += Math.abs(linear[1][i] - slerp[1][i]);
    assert.ok(diff > 0, 'the middle of the straight and the spherical path decode alike');
    await page.waitForFunction(() => /a=1234&b=8765&steps=7&path=slerp/.test(location.hash));
    // The same URL in a fresh page shows the same path.
    const other = await browser.newPage();
    other.on('pageerror', (e) => consoleErrors.push(e.message));
    await open(new URL(page.url()).hash, { on: other });
    assert.deepEqual(await other.$eval('.path', (e: any) => [e.dataset.a, e.dataset.b, e.dataset.steps, e.dataset.kind]), ['1234', '8765', '7', 'slerp']);
    await other.close();
  });

  test('the interpolation gallery pages through every test image and filters by class; its thumbnails pick either end', async () => {
    await open('#view=interpolate&run=flat2&a=0&b=1');
    const indices = () => page.$$eval('.thumbs canvas', (cs: any[]) => cs.map((c) => Number(c.dataset.index)));
    assert.deepEqual(await indices(), Array.from({ length: 48 }, (_, i) => i));
    assert.match(await page.textContent('.gallery-range') ?? '', /test images 1–48 of 10,000/);
    assert.equal(await page.locator('button[aria-label="previous page of test images"]').isDisabled(), true);
    await page.click('button[aria-label="next page of test images"]');
    assert.deepEqual(await indices(), Array.from({ length: 48 }, (_, i) => 48 + i));
    // Class 7 only: the indices MNIST's own label file gives, a page at a time.
    const sevens = [...labels.keys()].filter((i) => labels[i] === 7);
    await page.selectOption('select[name=gallery-class]', '7');
    assert.deepEqual(await indices(), sevens.slice(0, 48));
    assert.match(await page.textContent('.gallery-range') ?? '', new RegExp(`test images 1–48 of ${sevens.length.toLocaleString('en')} labelled 7`));
    await page.click('button[aria-label="next page of test images"]');
    await page.click('button[aria-label="next page of test images"]');
    const third = sevens.slice(96, 144);
    assert.deepEqual(await indices(), third);
    // Two clicks pick the start, then the end, of the path.
    await page.locator('.thumbs canvas').nth(5).click();
    await page.locator('.thumbs canvas').nth(40).click();
    await page.waitForFunction((b) => document.querySelector('.path')?.dataset.b === String(b), third[40]);
    assert.deepEqual(await page.$eval('.path', (e: any) => [Number(e.dataset.a), Number(e.dataset.b)]), [third[5], third[40]]);
    assert.equal(await page.locator('.thumbs canvas.picked').count(), 2);
    await page.waitForFunction((ab) => location.hash.includes(`a=${ab[0]}&b=${ab[1]}`), [third[5], third[40]]);
    assert.deepEqual(consoleErrors, []);
  });

  test('a shared URL restores the run, the picked test image, z, the zoom and the hidden classes', async () => {
    await open('#view=explore&run=flat2');
    await page.fill('input[type=search]', '42');
    await page.press('input[type=search]', 'Enter');
    await page.click('.class-toggle[data-class="3"]');
    await page.focus('canvas.overlay');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await page.waitForTimeout(400); // the URL follows after 150 ms
    const url = page.url();
    assert.match(url, /i=42/);
    const state = await page.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return { view: e.plane.view, z: Array.from(e.z as Float32Array), readout: document.querySelector('.readout').textContent };
    });
    const other = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    other.on('pageerror', (e) => consoleErrors.push(e.message));
    await open(new URL(url).hash, { on: other });
    const restored = await other.evaluate(() => {
      const e = window.latentlab.explorers[0];
      return { view: e.plane.view, picked: document.querySelector('.pair').dataset.index, readout: document.querySelector('.readout').textContent, hidden3: document.querySelector('.class-toggle[data-class="3"]').getAttribute('aria-pressed') };
    });
    assert.equal(restored.picked, '42');
    assert.equal(restored.readout, state.readout);
    assert.equal(restored.hidden3, 'false');
    for (const k of ['x', 'y'] as const) {
      for (const end of ['lo', 'hi'] as const) assert.ok(Math.abs(restored.view[k][end] - state.view[k][end]) < 1e-3 * (state.view[k].hi - state.view[k].lo), `${k}.${end}`);
    }
    await other.close();
  });

  test('compare: four runs on one axis range with the report\'s numbers beside each; switching runs keeps one z in every readout', async () => {
    // A comparison's numbers come from its comparison.json (written as latentlab compare writes it) when the run belongs to one.
    writeFileSync(path.join(RUNS, 'group', 'deeper', 'comparison.json'), JSON.stringify({
      settings: { metricImages: 300 },
      rows: [{ name: 'vae3', run: 'vae3', model: 'vae', prior: 'standard-normal', priorLabel: 'Gaussian N(0, I)', test: { reconstruction: 150, loss: 160 }, latent: { images: 300, mmd: 0.0123, twoSample: 0.61, knn: 0.5 }, trainSeconds: 3 }],
    }));
    await open('#view=compare&run=flat2&b=aae2&c=flat2&d=group/deeper/vae3');
    assert.equal(await page.locator('.explorer').count(), 4);
    const views = await page.evaluate(() => window.latentlab.explorers.map((e: any) => e.plane.view));
    for (const v of views.slice(1, 3)) assert.deepEqual(v, views[0], 'the 2-D planes differ in axis range');
    await page.waitForFunction(() => [...document.querySelectorAll('table.metrics td.mmd')].length === 4, null, { timeout: 60_000 });
    const mmd = await page.$$eval('table.metrics td.mmd', (els: any[]) => els.map((e) => e.textContent));
    assert.equal(mmd[3], '0.012', 'the fourth run\'s MMD² is not the one its comparison.json holds');
    for (const m of mmd.slice(0, 3)) assert.match(m, /^\d+\.\d{3}$/);
    assert.deepEqual(await page.$$eval('table.metrics', (els: any[]) => els.map((e) => e.dataset.source)), ['page', 'page', 'page', 'report']);
    // Zooming one plane zooms the linked ones.
    const box = await page.evaluate(() => window.latentlab.explorers[0].plotBox());
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(() => {
      const [a, b] = window.latentlab.explorers.map((e: any) => e.plane.view);
      return a.x.lo === b.x.lo && a.x.hi === b.x.hi && a.x.hi - a.x.lo < 0.9 * (window.latentlab.explorers[0].plane.homeView().x.hi - window.latentlab.explorers[0].plane.homeView().x.lo);
    });
    await page.screenshot({ path: artifactPath('web-compare-four.png'), fullPage: true });
    // Switching a pair: the readouts agree at once, before the pointer moves.
    await open('#view=compare&run=aae2&b=flat2', { navigate: true });
    const readouts = await page.$$eval('.readout', (els: any[]) => els.map((e) => e.textContent));
    assert.equal(readouts.length, 2);
    assert.equal(readouts[0], readouts[1]);
    assert.deepEqual(consoleErrors, []);
  });
});
