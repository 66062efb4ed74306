/**
 * The Runs view: every run folder (nested ones, e.g. a comparison's, listed
 * with their path) with its model, latent size, prior, data, epochs, status
 * and final test loss, and links to the other views; one selected run shows
 * its configuration, last metrics and figures. The list follows the runs
 * folder live: a run started elsewhere appears, its epochs count up, and it
 * says when it finished or stopped short.
 */
import { getRun, type RunSummary } from './api.js';
import { errorBox, h } from './dom.js';
import { currentRuns, watchRuns } from './live.js';
import { hashFor, link, type ViewScope } from './nav.js';
import { headlineTerm, termInfo } from '../core/models/registry.js';

function fmt(v: number | undefined, term?: string): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(term === undefined ? 2 : termInfo(term).digits ?? 2);
}

/** A run's status in words: training (epoch 3 of 10), finished, interrupted after 4 of 10. */
export function statusText(r: Pick<RunSummary, 'status' | 'epochs' | 'plannedEpochs'>): string {
  const of = r.plannedEpochs ? ` of ${r.plannedEpochs}` : '';
  switch (r.status) {
    case 'training': return `training (${r.epochs ?? 0}${of} epochs done)`;
    case 'finished': return 'finished';
    case 'interrupted': return `interrupted after ${r.epochs ?? 0}${of} epochs`;
    case 'empty': return 'no epoch yet';
    default: return '';
  }
}

function row(r: RunSummary, selected: string | null): HTMLElement {
  const name = h('td', { class: 'run-name' }, ...(r.group ? [h('span', { class: 'muted' }, `${r.group}/`)] : []), link({ view: 'runs', run: r.name }, r.group ? r.name.slice(r.group.length + 1) : r.name));
  const tr = r.error
    ? h('tr', {}, name, h('td', { colspan: '8', class: 'muted' }, r.error))
    : (() => {
      const headline = r.last ? headlineTerm(r.last.test) : undefined;
      const loss = headline && r.last ? r.last.test[headline.key] : undefined;
      return h('tr', {}, name,
        h('td', {}, r.model ?? ''), h('td', {}, String(r.latentDim ?? '')), h('td', {}, r.prior ?? ''),
        h('td', {}, r.data ? `${r.data.source} (${r.data.train} / ${r.data.test})` : ''),
        h('td', {}, String(r.epochs ?? 0)), h('td', { class: `status ${r.status ?? ''}` }, statusText(r)),
        h('td', { title: headline?.label ?? '' }, headline ? `${fmt(loss)} (${headline.label})` : '–'),
        h('td', {}, link({ view: 'explore', run: r.name }, 'explore'), ' ', link({ view: 'interpolate', run: r.name }, 'interpolate'), ' ',
          link({ view: 'dashboard', run: r.name }, 'curves')));
    })();
  tr.dataset.run = r.name;
  if (r.status) tr.dataset.status = r.status;
  if (r.name === selected) tr.classList.add('selected');
  return tr;
}

async function details(name: string): Promise<HTMLElement> {
  const run = await getRun(name);
  const last = run.metrics.at(-1);
  const metrics = last
    ? h('table', { class: 'terms' }, h('tr', {}, h('th', {}, ''), ...Object.keys(last.test).map((k) => h('th', {}, k))),
      h('tr', {}, h('td', {}, 'train'), ...Object.keys(last.test).map((k) => h('td', {}, fmt(last.train[k], k)))),
      h('tr', {}, h('td', {}, 'test'), ...Object.keys(last.test).map((k) => h('td', {}, fmt(last.test[k], k)))))
    : h('p', { class: 'muted' }, 'no finished epoch yet');
  const status = statusText({ ...run, epochs: run.metrics.length });
  return h('section', { class: 'run-details' },
    h('h2', {}, name),
    h('p', {}, `${run.manifest.created} · trained on ${run.manifest.backend} · ${run.metrics.length} epochs${status ? ` · ${status}` : ''}, final terms (nats per image; discriminator and generator: binary cross-entropies; mmd: MMD² to the prior, no unit):`),
    metrics,
    run.figures.length ? h('div', { class: 'figures' }, ...run.figures.map((src) => h('img', { src, alt: src.split('/').pop() ?? '', loading: 'lazy' })))
      : h('p', { class: 'muted' }, 'no figures yet (latentlab train writes them when it finishes)'),
    h('details', {}, h('summary', {}, 'config.json'), h('pre', {}, JSON.stringify(run.config, null, 2))));
}

const HEAD = ['run', 'model', 'z', 'prior', 'data (train / test)', 'epochs', 'status', 'test loss', ''];

export async function runsView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const runs = await currentRuns();
  const selected = params.get('run') ?? runs.find((r) => !r.error)?.name ?? null;
  const heading = h('h2', {});
  const table = h('table', { class: 'runs' });
  const empty = h('p', {}, 'No run folders yet: train one with latentlab train, or in the Train tab. Run folders are looked for up to four levels down (a comparison\'s runs sit in its folder).');
  const detailBox = h('div', {});
  const body = h('div', { class: 'view runs-view' }, heading, table, empty, detailBox);
  /** What the details were drawn from, so they are redrawn only when the selected run changed. */
  let shownKey = '';
  const draw = (list: readonly RunSummary[]) => {
    heading.textContent = `Runs (${list.length})`;
    table.replaceChildren(h('tr', {}, ...HEAD.map((t) => h('th', {}, t))), ...list.map((r) => row(r, selected)));
    table.hidden = list.length === 0;
    empty.hidden = list.length > 0;
    body.dataset.runs = String(list.length);
    const current = list.find((r) => r.name === selected);
    const key = current ? JSON.stringify([current.epochs, current.status, current.figures, current.last?.epoch]) : '';
    if (selected && current && key !== shownKey) {
      shownKey = key;
      details(selected).then((d) => detailBox.replaceChildren(d), (e: Error) => detailBox.replaceChildren(errorBox(e.message)));
    }
  };
  draw(runs);
  if (selected && !runs.some((r) => r.name === selected)) detailBox.replaceChildren(errorBox(`no run named ${selected} in the runs folder (${hashFor({ view: 'runs' })} lists them)`));
  watchRuns(scope, draw);
  return body;
}
