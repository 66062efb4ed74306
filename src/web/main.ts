/**
 * The LatentLab page: starts a TF.js backend, then shows the view named in
 * the URL's hash (see nav.ts). `window.latentlab` exposes the active backend
 * and the explorers on screen, for the browser tests and the decode benchmark.
 */
import { initBackend } from './backend.js';
import { h, errorBox } from './dom.js';
import { dashboardView } from './dashboard-view.js';
import { active, compareView, exploreView } from './explore-view.js';
import { interpolateView } from './interpolate-view.js';
import { currentParams, hashFor, ViewScope, type View } from './nav.js';
import { runsView } from './runs-view.js';
import { trainView } from './train-view.js';

const TABS: [View, string][] = [
  ['runs', 'Runs'], ['explore', 'Latent explorer'], ['interpolate', 'Interpolation'], ['compare', 'Compare'], ['dashboard', 'Live curves'], ['train', 'Train here'],
];

declare global {
  interface Window {
    latentlab: { backend: string; ready: boolean; view: string; explorers: typeof active.explorers };
  }
}

let scope = new ViewScope();

async function render(main: HTMLElement, nav: HTMLElement, backend: string): Promise<void> {
  scope.close();
  const mine = (scope = new ViewScope());
  const params = currentParams();
  const view = (params.get('view') ?? 'runs') as View;
  const run = params.get('run');
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a')) {
    a.classList.toggle('current', a.dataset.view === view);
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    a.href = hashFor({ view: a.dataset.view!, ...(run && a.dataset.view !== 'train' ? { run } : {}) });
  }
  window.latentlab.ready = false;
  active.explorers = []; // a view without explorers must not leave the last one's in window.latentlab
  main.replaceChildren(h('p', { class: 'muted loading' }, 'loading…'));
  const views: Record<View, () => Promise<HTMLElement> | HTMLElement> = {
    runs: () => runsView(params, mine), explore: () => exploreView(params, mine), interpolate: () => interpolateView(params, mine),
    compare: () => compareView(params, mine), dashboard: () => dashboardView(params, mine), train: () => trainView(backend, mine),
  };
  let content: HTMLElement;
  try {
    content = await (views[view] ?? views.runs)();
  } catch (e) {
    content = errorBox((e as Error).message);
  }
  if (mine !== scope) return; // the hash changed again while this view loaded
  main.replaceChildren(content);
  window.latentlab.view = view;
  window.latentlab.explorers = active.explorers;
  window.latentlab.ready = true;
}

async function start(): Promise<void> {
  const nav = h('nav', {}, ...TABS.map(([view, label]) => {
    const a = h('a', { href: hashFor({ view }) }, label);
    a.dataset.view = view;
    return a;
  }));
  const badge = h('span', { class: 'backend', id: 'backend' }, 'starting TensorFlow.js…');
  const main = h('main', {});
  document.body.replaceChildren(h('header', {}, h('h1', {}, 'LatentLab'), nav, badge), main);
  window.latentlab = { backend: '', ready: false, view: '', explorers: [] };
  const backend = await initBackend();
  badge.textContent = `TF.js backend: ${backend}`;
  window.latentlab.backend = backend;
  window.addEventListener('hashchange', () => void render(main, nav, backend));
  await render(main, nav, backend);
}

start().catch((e: Error) => document.body.append(errorBox(`the page failed to start: ${e.message}`)));
