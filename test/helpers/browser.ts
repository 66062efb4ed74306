/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven
 * by playwright-core (no browser is ever downloaded). Outside CI a missing
 * browser skips the browser tests with a loud message; with CI=true it is a
 * failure, so a CI machine without Chromium cannot pass silently.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

/** The browser binary (override with LATENTLAB_CHROMIUM). */
export const CHROMIUM = process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots and other browser-test outputs (gitignored). */
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

/** Flags for a quiet, GPU-less headless Chromium (a fresh profile comes from playwright). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

/**
 * Why the browser tests cannot run, or null when they can. With CI=true a
 * missing browser throws instead.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const message = `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set LATENTLAB_CHROMIUM`;
  if (process.env.CI === 'true') throw new Error(`${message} — the browser tests are required in CI`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING THE BROWSER TESTS: ${message}\n${'!'.repeat(78)}\n\n`);
  return message;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The path for a test artifact, creating the folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/**
 * A canvas's pixels as RGBA bytes, read in the page and sent as base64 (a
 * plain array of a large canvas's numbers takes seconds to cross over).
 */
export async function canvasPixels(page: Page, selector: string): Promise<Uint8Array> {
  const b64 = await page.$eval(selector, (canvas: any) => {
    const data: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return (globalThis as any).btoa(s) as string;
  });
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/**
 * Shows the page at `hash` of `baseUrl` and waits until its view is ready:
 * loaded afresh, or, with `navigate`, only the hash of the page already
 * loaded changed (as a link does).
 */
export async function showView(page: Page, baseUrl: string, hash: string, navigate = false): Promise<void> {
  if (navigate) {
    await page.evaluate((h) => {
      const g = globalThis as any;
      g.latentlab.ready = false;
      g.location.hash = h;
    }, hash);
  } else {
    // A URL that differs from the page's only in its hash is a same-document navigation: the page is not
    // reloaded, and its `ready` is still true from the view before until the hashchange handler runs, so a
    // wait for it could pass on the old view. Leaving the document first makes every load a fresh one.
    if (page.url() !== 'about:blank') await page.goto('about:blank');
    await page.goto(`${baseUrl}${hash}`);
  }
  await page.waitForFunction(() => (globalThis as any).latentlab?.ready === true, null, { timeout: 60_000 });
}
