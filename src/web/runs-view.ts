/**
 * The Runs view: every run folder with its model, latent size, prior, data,
 * epochs and final test loss, and links to the other views; one selected run
 * shows its configuration, last metrics and figures.
 */
import { getRun, listRuns, type RunSummary } from './api.js';
import { errorBox, h } from './dom.js';
import { link } from './nav.js';
import { headlineTerm, termInfo } from '../core/models/registry.js';

function fmt(v: number | undefined, term?: string): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(term === undefined ? 2 : termInfo(term).digits ?? 2);
}

function row(r: RunSummary): HTMLElement {
  if (r.error) return h('tr', {}, h('td', {}, r.name), h('td', { colspan: '7', class: 'muted' }, r.error));
  const headline = r.last ? headlineTerm(r.last.test) : undefined;
  const loss = headline && r.last ? r.last.test[headline.key] : undefined;
  return h('tr', {},
    h('td', {}, link({ view: 'runs', run: r.name }, r.name)),
    h('td', {}, r.model ?? ''), h('td', {}, String(r.latentDim ?? '')), h('td', {}, r.prior ?? ''),
    h('td', {}, r.data ? `${r.data.source} (${r.data.train} / ${r.data.test})` : ''),
    h('td', {}, String(r.epochs ?? 0)), h('td', { title: headline?.label ?? '' }, headline ? `${fmt(loss)} (${headline.label})` : '–'),
    h('td', {}, link({ view: 'explore', run: r.name }, 'explore'), ' ', link({ view: 'interpolate', run: r.name }, 'interpolate'), ' ',
      link({ view: 'dashboard', run: r.name }, 'curves')));
}

async function details(name: string): Promise<HTMLElement> {
  const run = await getRun(name);
  const last = run.metrics.at(-1);
  const metrics = last
    ? h('table', { class: 'terms' }, h('tr', {}, h('th', {}, ''), ...Object.keys(last.test).map((k) => h('th', {}, k))),
      h('tr', {}, h('td', {}, 'train'), ...Object.keys(last.test).map((k) => h('td', {}, fmt(last.train[k], k)))),
      h('tr', {}, h('td', {}, 'test'), ...Object.keys(last.test).map((k) => h('td', {}, fmt(last.test[k], k)))))
    : h('p', { class: 'muted' }, 'no finished epoch yet');
  return h('section', { class: 'run-details' },
    h('h2', {}, name),
    h('p', {}, `${run.manifest.created} · trained on ${run.manifest.backend} · ${run.metrics.length} epochs, final terms (nats per image; discriminator and generator: binary cross-entropies; mmd: MMD² to the prior, no unit):`),
    metrics,
    h('div', { class: 'figures' }, ...run.figures.map((src) => h('img', { src, alt: src.split('/').pop() ?? '', loading: 'lazy' }))),
    h('details', {}, h('summary', {}, 'config.json'), h('pre', {}, JSON.stringify(run.config, null, 2))));
}

export async function runsView(params: URLSearchParams): Promise<HTMLElement> {
  const runs = await listRuns();
  const table = h('table', { class: 'runs' },
    h('tr', {}, ...['run', 'model', 'z', 'prior', 'data (train / test)', 'epochs', 'test loss', ''].map((t) => h('th', {}, t))),
    ...runs.map(row));
  const selected = params.get('run') ?? runs.find((r) => !r.error)?.name;
  const body = h('div', { class: 'view runs-view' }, h('h2', {}, `Runs (${runs.length})`),
    runs.length ? table : h('p', {}, 'No run folders yet: train one with latentlab train, or in the Train tab.'));
  if (selected) body.append(await details(selected).catch((e: Error) => errorBox(e.message)));
  return body;
}
