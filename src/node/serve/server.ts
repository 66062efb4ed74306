/**
 * The page server behind `latentlab serve`: plain node:http, GET/HEAD for the
 * built page (dist/web) and for files inside the runs folder, a small JSON
 * API, server-sent events for live metrics, and one bounded POST that saves a
 * run trained in the browser (then draws its figures in the background:
 * saved-figures.ts).
 *
 *   /                          the page (dist/web/index.html and its assets)
 *   /runs/<run>/<file>         files of run folders (model.json, weights.bin, figures …)
 *   /api/runs                  run summaries (name, group, status …)   POST: save a run (JSON, ≤ maxBody)
 *   /api/runs/<run>            one run: config, manifest, metrics, status, figures, net URLs, comparison numbers
 *   /api/runs/<run>/events     text/event-stream of metrics.jsonl / progress.jsonl lines, then the run's status
 *
 * <run> is a run's name, its path under the runs folder (runs.ts), with its
 * slashes percent-encoded: /api/runs/compare-x%2Fvae-gaussian.
 *   /api/runs/<run>/prior      samples of a `samples` prior (float32, X-Shape)
 *   /api/events                text/event-stream: event `runs` (the /api/runs list) on connect and on each change
 *   /api/data?split=&limit=&run=   images + labels (see data.ts)
 */
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describeFailure } from '../error-boundary.js';
import { loadPriorResources } from '../prior-file.js';
import { UserError } from '../errors.js';
import { DataCache, type Split } from './data.js';
import { streamRunEvents } from './events.js';
import { RunsFeed } from './runs-feed.js';
import { HttpError, readBody, sendBinary, sendFile, sendJson, sendText } from './http-util.js';
import { describeRun, listRuns, openRun, runPath } from './runs.js';
import { resolveInside } from './safe-path.js';
import { saveRun } from './save-run.js';
import { SavedRunFigures } from './saved-figures.js';

export interface ServeOptions {
  readonly runsDir: string;
  readonly webDir: string;
  readonly host?: string;
  readonly port?: number;
  /** Largest request body accepted, bytes (default 64 MiB). */
  readonly maxBody?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Checks the folders before binding: each problem is one UserError naming what to do. */
export function checkFolders(runsDir: string, webDir: string): void {
  if (existsSync(runsDir) && !statSync(runsDir).isDirectory()) throw new UserError(`runs folder ${runsDir} is a file, not a folder (name the folder that holds your run folders: latentlab serve DIR)`);
  if (!existsSync(runsDir)) {
    throw new UserError(`runs folder ${runsDir} does not exist (train a model first with latentlab train, or name the folder: latentlab serve DIR)`);
  }
  if (!existsSync(path.join(webDir, 'index.html'))) {
    throw new UserError(`the web page is not built (${path.join(webDir, 'index.html')} is missing): run npm run build:web (npm ci builds it too)`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding');
  }
}

/**
 * The run upload writes files, so it must come from the page itself, not from
 * another site open in the same browser: a JSON content type (which a
 * cross-site form or no-preflight fetch cannot send) and, when the browser
 * names an origin, this server's own.
 */
function refuseCrossSite(req: http.IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'saving a run takes a JSON body (Content-Type: application/json)');
  const { origin, host } = req.headers;
  if (origin !== undefined && origin !== `http://${host}`) throw new HttpError(403, `saving a run is refused from another origin (${origin})`);
}

/** The host name of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "::1"). */
function hostName(header: string | undefined): string {
  const h = (header ?? '').trim();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

function handler(options: ServeOptions, feed: RunsFeed, figures: SavedRunFigures) {
  const { runsDir, webDir, maxBody = 64 * 1024 * 1024 } = options;
  const loopbackOnly = isLoopback(options.host ?? '127.0.0.1');
  const data = new DataCache();
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // Bound to loopback, every request must also name a loopback host: a page of another site whose
    // name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
    if (loopbackOnly && !isLoopback(hostName(req.headers.host))) throw new HttpError(403, `requests must be addressed to this machine's loopback address, not ${JSON.stringify(req.headers.host ?? '')}`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rawPath = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'POST' && rawPath === '/api/runs') {
      refuseCrossSite(req);
      const name = await saveRun(runsDir, await readBody(req, maxBody));
      sendJson(res, { name }, 201);
      void figures.draw(path.join(runsDir, name), name);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed here`);
    if (Number(req.headers['content-length'] ?? 0) > maxBody) throw new HttpError(413, 'request body too large');
    if (rawPath === '/api/events') return feed.open(req, res);
    const api = /^\/api\/runs(?:\/([^/]+)(?:\/(events|prior))?)?\/?$/.exec(rawPath);
    if (api) {
      const name = api[1] === undefined ? undefined : decodeSegment(api[1]);
      if (name === undefined) return sendJson(res, await listRuns(runsDir));
      if (api[2] === 'events') return streamRunEvents(req, res, runPath(runsDir, name));
      if (api[2] === 'prior') {
        const samples = loadPriorResources(openRun(runsDir, name).config).samples;
        if (!samples) throw new HttpError(404, `${name}: its prior is not given by samples`);
        return sendBinary(res, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), { 'X-Dtype': 'float32' });
      }
      return sendJson(res, await describeRun(runsDir, name));
    }
    if (rawPath === '/api/data') {
      const run = url.searchParams.get('run');
      const opened = run ? openRun(runsDir, run) : undefined;
      const source = opened ? opened.config.data : { source: 'mnist' };
      // Images come grey or colour as the run was trained on them (withImageShape).
      const { body, headers } = data.get(source, (url.searchParams.get('split') ?? 'test') as Split, Number(url.searchParams.get('limit') ?? 2000), opened?.manifest.data.shape);
      return sendBinary(res, body, headers);
    }
    const underRuns = rawPath === '/runs' || rawPath.startsWith('/runs/');
    const target = underRuns ? resolveInside(runsDir, rawPath.slice('/runs'.length)) : resolveInside(webDir, rawPath === '/' ? '/index.html' : rawPath);
    if (!target.ok) throw new HttpError(target.status, target.status === 404 ? 'not found' : 'path not allowed');
    sendFile(req, res, target.file, target.size);
  };
}

/** Starts the server; rejects with a UserError when the port is taken or the address unusable. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host = '127.0.0.1', port = 8080 } = options;
  checkFolders(options.runsDir, options.webDir);
  const feed = new RunsFeed(options.runsDir);
  const figures = new SavedRunFigures();
  const handle = handler(options, feed, figures);
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A run folder or file the user broke is their error (422, its message);
      // anything else is a bug: a short stack in the log, a plain 500 reply.
      const failure = e instanceof HttpError ? undefined : describeFailure(e);
      const status = e instanceof HttpError ? e.status : failure!.internal ? 500 : 422;
      const message = e instanceof HttpError ? e.message : failure!.internal ? 'internal error (see the server log)' : failure!.message;
      if (failure?.internal) process.stderr.write(`latentlab serve: ${req.method} ${req.url}: ${failure.message}\n`);
      if (res.headersSent) res.destroy();
      else {
        if (status === 413) res.setHeader('Connection', 'close');
        sendText(res, status, `${message}\n`);
      }
    });
  });
  server.requestTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UserError(`--port ${port}: the port is already in use on ${host} (stop what holds it, choose another --port, or use --port 0 for a free one)`));
      else if (e.code === 'EACCES') reject(new UserError(`--port ${port}: permission denied on ${host} (ports below 1024 need privileges; choose another --port)`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new UserError(`--host ${host}: not an address of this machine`));
      else reject(e);
    });
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${actual}/`,
        port: actual,
        // Resolves once the connections are closed and the figures being drawn are written.
        close: () => new Promise<void>((done) => {
          feed.close();
          server.closeAllConnections();
          server.close(() => done());
        }).then(() => figures.idle()),
      });
    });
  });
}
