/**
 * Browser decode time: how long the latent explorer takes to decode one
 * latent point and draw the image, in headless Chromium without a GPU
 * (Debian's chromium, driven by playwright-core), for each TF.js backend the
 * page can use, and for the one it picks by itself. Target: < 16 ms (one
 * frame at 60 Hz).
 *
 *   node --import tsx bench/web-decode.ts [--run RUN_DIR] [--decodes N]
 *
 * Without --run, the model is presets/quick.json's (784-512-256-2 encoder,
 * 2-256-512-784 decoder) with its initial weights: decode time does not
 * depend on the weights' values. `npm run bench` calls this at its end.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { chromium } from 'playwright-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel } from '../src/core/models/registry.js';
import { initBackend } from '../src/node/backend.js';
import { readPreset } from '../src/node/presets.js';
import { buildManifest, createRunFolder, saveCheckpoint } from '../src/node/run-folder.js';
import { startServer } from '../src/node/serve/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface WebDecodeResult {
  readonly backend: string;
  readonly auto: boolean;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly decodes: number;
  /** The page's own backend only: full redraws of the explorer's plane (every test code, zooming), ms. */
  frames?: {
    readonly points: number; readonly medianMs: number; readonly p90Ms: number; readonly count: number;
    /** Compare with four planes, all redrawn per frame. */
    readonly fourPlanes?: { readonly medianMs: number; readonly p90Ms: number };
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** A run folder holding the quick preset's untrained nets, in `runsDir/bench`. */
async function writeBenchRun(runsDir: string): Promise<void> {
  await initBackend('wasm');
  const config = resolveConfig(readPreset('quick'));
  const model = buildModel(config, [784]);
  const dir = path.join(runsDir, 'bench');
  createRunFolder(dir, config, await buildManifest(model, tf.getBackend(), { source: 'mnist', shape: [28, 28], train: 0, test: 0, numClasses: 10 }));
  await saveCheckpoint(dir, model, [], 1, 1); // as if after one epoch: the run reader takes epochs from 1
  model.dispose();
}

/** Runs the measurement; returns one row per backend (null when Chromium or the page build is missing). */
export async function webDecodeBenchmark({ run, decodes = 200 }: { run?: string; decodes?: number } = {}): Promise<WebDecodeResult[] | null> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nbrowser decode time skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set LATENTLAB_CHROMIUM)`);
    return null;
  }
  const web = path.join(ROOT, 'dist/web');
  if (!existsSync(path.join(web, 'index.html'))) {
    console.log('\nbrowser decode time skipped: the page is not built (npm run build:web)');
    return null;
  }
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'latentlab-bench-web-'));
  if (!run) await writeBenchRun(runsDir);
  const server = await startServer({ runsDir: run ? path.dirname(path.resolve(run)) : runsDir, webDir: web, port: 0 });
  const name = run ? path.basename(path.resolve(run)) : 'bench';
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const rows: WebDecodeResult[] = [];
  try {
    console.log(`\nbrowser decode time (headless Chromium, no GPU; decode one z and draw it, as the pointer does; ${decodes} decodes after 20 warm-up):`);
    for (const forced of [null, 'wasm', 'cpu', 'webgl'] as const) {
      const page = await browser.newPage();
      await page.goto(`${server.url}${forced ? `?backend=${forced}` : ''}#view=explore&run=${encodeURIComponent(name)}`);
      await page.waitForFunction(() => (globalThis as any).latentlab?.ready === true, null, { timeout: 120_000 });
      const { backend, times, frames, points } = await page.evaluate(([n, withFrames]) => {
        const ll = (globalThis as any).latentlab;
        const explorer = ll.explorers[0];
        explorer.timeDecodes(20);
        const decodeTimes = explorer.timeDecodes(n) as number[];
        if (withFrames) explorer.timeFrames(10);
        return { backend: ll.backend as string, times: decodeTimes, frames: withFrames ? explorer.timeFrames(n) as number[] : null, points: explorer.projection.points.length / 2 as number };
      }, [decodes, forced === null] as const);
      await page.close();
      const row: { -readonly [K in keyof WebDecodeResult]: WebDecodeResult[K] } = {
        backend, auto: forced === null, medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9), decodes: times.length,
        ...(frames ? { frames: { points, medianMs: quantile(frames, 0.5), p90Ms: quantile(frames, 0.9), count: frames.length } } : {}),
      };
      rows.push(row);
      const verdict = row.auto ? (row.medianMs < 16 ? '  (target < 16 ms: met)' : '  (target < 16 ms: NOT met)') : '';
      console.log(`  ${(forced ? `backend=${forced}` : `page's own choice (${backend})`).padEnd(30)} median ${row.medianMs.toFixed(2)} ms per decode, p90 ${row.p90Ms.toFixed(2)} ms${verdict}`);
      if (row.frames) {
        const f = row.frames;
        console.log(`  ${'plane redraw, zooming'.padEnd(30)} median ${f.medianMs.toFixed(2)} ms per frame, p90 ${f.p90Ms.toFixed(2)} ms with ${f.points} test codes drawn  (target < 16 ms: ${f.p90Ms < 16 ? 'met' : 'NOT met'})`);
        // Compare with four planes: a zoom on one redraws all four in the same frame.
        const four = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const q = encodeURIComponent(name);
        await four.goto(`${server.url}#view=compare&run=${q}&b=${q}&c=${q}&d=${q}`);
        await four.waitForFunction(() => (globalThis as any).latentlab?.ready === true, null, { timeout: 120_000 });
        const times = await four.evaluate((n) => {
          const explorers = (globalThis as any).latentlab.explorers as any[];
          const home = explorers[0].plane.homeView();
          const out: number[] = [];
          for (let i = 0; i < n + 10; i++) {
            const k = 0.4 + 0.6 * Math.abs(Math.cos((Math.PI * i) / n));
            const cx = (home.x.lo + home.x.hi) / 2;
            const cy = (home.y.lo + home.y.hi) / 2;
            const view = { x: { lo: cx - (cx - home.x.lo) * k, hi: cx + (home.x.hi - cx) * k }, y: { lo: cy - (cy - home.y.lo) * k, hi: cy + (home.y.hi - cy) * k } };
            const start = performance.now();
            for (const e of explorers) {
              e.plane.view = view;
              e.plane.draw();
            }
            if (i >= 10) out.push(performance.now() - start);
          }
          return out;
        }, decodes);
        await four.close();
        row.frames = { ...f, fourPlanes: { medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9) } };
        console.log(`  ${'four planes (compare), zooming'.padEnd(30)} median ${quantile(times, 0.5).toFixed(2)} ms per frame, p90 ${quantile(times, 0.9).toFixed(2)} ms (4 × ${f.points} codes)`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(runsDir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const at = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  webDecodeBenchmark({ run: at('--run'), decodes: at('--decodes') ? Number(at('--decodes')) : undefined }).catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
