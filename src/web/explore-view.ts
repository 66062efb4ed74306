/**
 * The Explore and Compare views. Compare shows two or four runs' explorers
 * on one shared axis range (zoom and pan move all of them), each with the
 * comparison report's numbers beside it, and links them: moving the point in
 * one decodes the same z in all whose latent has that size, and picking a
 * test point shows that image in all (when they were trained on the same
 * data). Everything a person looks at is in the URL: runs, projection, the
 * zoomed box, the picked test image, z, hidden classes.
 */
import { latentMatch, type LatentMatch } from '../core/metrics/latent-match.js';
import { makeDataset } from '../core/data/dataset.js';
import type { RunDetail, RunSummary } from './api.js';
import { errorBox, h } from './dom.js';
import { Explorer, type ExplorerState } from './explorer.js';
import { currentRuns, watchRuns } from './live.js';
import { hashFor, numberList, parseNumbers, replaceParams, runPicker, type ViewScope } from './nav.js';
import type { ViewBox } from './plane.js';
import type { ProjectionKind } from './projection.js';
import { loadCurrentRun, type LoadedRun } from './session.js';

/** The explorers of the currently shown view, for tests and the benchmark. */
export const active: { explorers: Explorer[] } = { explorers: [] };

const trained = (r: RunSummary) => !r.error && (r.epochs ?? 0) > 0;

function explorerFor(name: string, run: LoadedRun, initial: Partial<ExplorerState>, options: ConstructorParameters<typeof Explorer>[2] = {}): Explorer {
  const epochs = run.detail.checkpoint?.epoch ?? 0;
  return new Explorer({
    title: `${name}: ${run.detail.config.model.toUpperCase()}, epoch ${epochs}, ${run.images.count} test codes`,
    model: run.model, images: run.images, codes: run.codes, prior: run.prior, classNames: run.detail.manifest.data.classNames,
  }, initial, options);
}

/** The explorer state the URL names. */
function stateFromParams(params: URLSearchParams): Partial<ExplorerState> {
  const box = parseNumbers(params.get('box'), 4);
  const dims = parseNumbers(params.get('dims'), 2);
  const picked = params.get('i');
  const proj = params.get('proj');
  return {
    proj: proj === 'pca' || proj === 'umap' ? (proj as ProjectionKind) : 'slice',
    dims: dims ? [dims[0], dims[1]] : undefined,
    view: box && box[1] > box[0] && box[3] > box[2] ? { x: { lo: box[0], hi: box[1] }, y: { lo: box[2], hi: box[3] } } : null,
    picked: picked !== null && /^\d+$/.test(picked) ? Number(picked) : undefined,
    z: parseNumbers(params.get('z')),
    hidden: parseNumbers(params.get('hide')) ?? [],
  };
}

function paramsFromState(s: ExplorerState, withZ = true): Record<string, string | null> {
  return {
    proj: s.proj === 'slice' ? null : s.proj,
    // Always above 2-D: the default slice follows the codes, which change as a run trains.
    dims: s.proj === 'slice' && (s.dims[0] !== 0 || s.dims[1] !== 1 || (s.z?.length ?? 0) > 2) ? s.dims.join(',') : null,
    box: s.view ? numberList([s.view.x.lo, s.view.x.hi, s.view.y.lo, s.view.y.hi]) : null,
    i: s.picked >= 0 ? String(s.picked) : null,
    z: withZ && s.z ? numberList(s.z) : null,
    hide: s.hidden.length ? s.hidden.join(',') : null,
  };
}

/** Keeps the URL in step with an explorer (debounced: a pointer move changes z many times a second) while its view is shown. */
function followState(explorer: Explorer, scope: ViewScope, withZ = true): void {
  let timer = 0;
  let open = true;
  scope.onLeave(() => {
    open = false;
    clearTimeout(timer);
  });
  explorer.onState = (s) => {
    clearTimeout(timer);
    if (open) timer = window.setTimeout(() => replaceParams(paramsFromState(s, withZ)), 150);
  };
}

export async function exploreView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const name = params.get('run');
  const picker = runPicker(await currentRuns(), scope, { selected: name, onPick: (n) => (location.hash = hashFor({ view: 'explore', run: n })), filter: trained });
  const view = h('div', { class: 'view explore-view' }, h('div', { class: 'toolbar' }, picker,
    h('span', { class: 'muted' }, 'Pointer: decode z · hover: nearest test image · click: pick · drag: pan · wheel or +/−: zoom · shift-drag: select · keys on the plane: arrows, Enter, 0.')));
  active.explorers = [];
  if (!name) return view;
  const run = await loadCurrentRun(name).catch((e: Error) => e);
  if (run instanceof Error) {
    view.append(errorBox(run.message));
    return view;
  }
  const explorer = explorerFor(name, run, stateFromParams(params));
  followState(explorer, scope);
  scope.onLeave(() => explorer.close());
  active.explorers = [explorer];
  view.append(newerCheckpoint([run], scope), explorer.element);
  return view;
}

/**
 * A notice that appears when a shown run (still training) has written a
 * newer checkpoint than the one on screen, with a button that reloads the
 * view on it (the state in the URL is kept).
 */
function newerCheckpoint(runs: readonly LoadedRun[], scope: ViewScope): HTMLElement {
  const notice = h('p', { class: 'newer-checkpoint', role: 'status', hidden: '' });
  watchRuns(scope, (list) => {
    const newer = runs.flatMap((r) => {
      const s = list.find((x) => x.name === r.detail.name);
      return s?.checkpoint && s.checkpoint.path !== r.detail.checkpoint?.path ? [{ name: r.detail.name, epoch: s.checkpoint.epoch }] : [];
    });
    if (!newer.length) return;
    const reload = h('button', { type: 'button' }, 'show it');
    // The same hash again: render the view anew (loadCurrentRun sees the new checkpoint and reloads the run).
    reload.addEventListener('click', () => window.dispatchEvent(new HashChangeEvent('hashchange')));
    notice.replaceChildren(`${newer.map((n) => `${n.name} has a newer checkpoint (epoch ${n.epoch})`).join('; ')} `, reload);
    notice.hidden = false;
  });
  return notice;
}

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`);

/** Images the page scores a run on when no comparison report holds its numbers (compare's default). */
const METRIC_IMAGES = 2000;

/** The numbers computed in the page, by loaded model: a new checkpoint is a new model; switching the other run keeps them. */
const computed = new WeakMap<LoadedRun['model'], Promise<LatentMatch>>();

function pageMetrics(run: LoadedRun, seed: number): Promise<LatentMatch> {
  let p = computed.get(run.model);
  if (!p) {
    const n = Math.min(METRIC_IMAGES, run.images.count);
    const { images } = run;
    const data = makeDataset('test', images.shape, images.x.subarray(0, n * images.dim), images.labels?.subarray(0, n));
    p = latentMatch(run.model, data, seed);
    computed.set(run.model, p);
    p.catch(() => computed.delete(run.model));
  }
  return p;
}

/**
 * The comparison report's numbers for one run: read from its comparison
 * (comparison.json) when it belongs to one, else computed here with the same
 * code (core/metrics/latent-match.ts) on the first 2000 test images.
 */
function metricsPanel(detail: RunDetail, run: LoadedRun): HTMLElement {
  const last = detail.metrics.at(-1)?.test ?? {};
  const panel = h('table', { class: 'metrics' });
  const fill = (latent: { images: number; mmd: number; twoSample: number; knn: number | null }, source: string | HTMLElement) => {
    panel.replaceChildren(
      h('tr', {}, h('th', {}, 'test reconstruction ↓'), h('td', {}, `${fmt(last.reconstruction)} nats`)),
      h('tr', {}, h('th', {}, 'test −ELBO ↓'), h('td', {}, 'loss' in last ? `${fmt(last.loss)} nats` : '–')),
      h('tr', {}, h('th', {}, 'prior match: MMD² ↓'), h('td', { class: 'mmd' }, fmt(latent.mmd, 3))),
      h('tr', {}, h('th', {}, 'two-sample accuracy (50 % = indistinguishable)'), h('td', {}, pct(latent.twoSample))),
      h('tr', {}, h('th', {}, 'k-NN label accuracy ↑'), h('td', {}, pct(latent.knn))),
      h('tr', {}, h('td', { colspan: '2', class: 'muted' }, source)));
    panel.dataset.source = typeof source === 'string' ? 'page' : 'report';
  };
  const c = detail.comparison;
  if (c) {
    fill(c.latent, h('span', {}, `from the comparison's report (${c.latent.images} test images)`, ...(c.report ? [' · ', h('a', { href: c.report, target: '_blank' }, 'report.html')] : [])));
  } else {
    panel.append(h('tr', {}, h('td', { class: 'muted' }, 'computing the comparison\'s numbers…')));
    // After the planes have drawn: the numbers take a second or two (once per loaded checkpoint).
    setTimeout(() => {
      pageMetrics(run, detail.config.seed).then((m) => fill(m, `computed in this page on the first ${m.images} test images, as latentlab compare does`),
        (e: Error) => panel.replaceChildren(h('tr', {}, h('td', { class: 'muted' }, `could not compute the numbers: ${e.message}`))));
    }, 50);
  }
  return panel;
}

/** The union of boxes. */
function union(boxes: readonly ViewBox[]): ViewBox {
  return {
    x: { lo: Math.min(...boxes.map((b) => b.x.lo)), hi: Math.max(...boxes.map((b) => b.x.hi)) },
    y: { lo: Math.min(...boxes.map((b) => b.y.lo)), hi: Math.max(...boxes.map((b) => b.y.hi)) },
  };
}

const SLOTS = ['run', 'b', 'c', 'd'] as const;

export async function compareView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const names = SLOTS.map((k) => params.get(k));
  const runs = await currentRuns();
  const four = names[2] !== null || names[3] !== null;
  /** The hash with run `name` in `slot` (four planes keep their empty slots, so the view stays at four). */
  const hashWith = (slot: number, name: string | null, planes = four ? 4 : 2) => {
    const next = names.slice(0, planes);
    if (slot < planes) next[slot] = name;
    return hashFor({ view: 'compare', ...Object.fromEntries(next.flatMap((n, i) => (n || planes > 2 ? [[SLOTS[i], n ?? '']] : []))) });
  };
  const pickers = SLOTS.slice(0, four ? 4 : 2).map((_, i) => runPicker(runs, scope, { selected: names[i], onPick: (n) => (location.hash = hashWith(i, n)), label: ['first run', 'second run', 'third run', 'fourth run'][i], filter: trained }));
  const more = h('a', { href: four ? hashWith(9, null, 2) : hashWith(9, null, 4), class: 'compare-count' }, four ? 'compare two runs' : 'compare four runs');
  const view = h('div', { class: `view compare-view${four ? ' four' : ''}` }, h('div', { class: 'toolbar' }, ...pickers, more,
    h('span', { class: 'muted' }, 'One axis range for all planes; the pointer on any decodes the same z in all.')));
  active.explorers = [];
  const chosen = names.slice(0, four ? 4 : 2).filter((n): n is string => !!n);
  if (chosen.length < 2) {
    view.append(h('p', { class: 'muted' }, `Choose ${four ? 'two to four' : 'two'} runs.`));
    return view;
  }
  const loaded = await Promise.all(chosen.map((n) => loadCurrentRun(n))).catch((e: Error) => e);
  if (loaded instanceof Error) {
    view.append(errorBox(loaded.message));
    return view;
  }
  const initial = stateFromParams(params);
  const size = chosen.length > 2 ? { width: 460, height: 400 } : { width: 520, height: 440 };
  const explorers: Explorer[] = [];
  for (const [k, run] of loaded.entries()) {
    // Every plane slices the first's dimensions (its default: its codes' most spread), so the axes compare.
    const first = explorers[0];
    const dims = initial.dims ?? (first && first.z.length === run.model.latentDim ? [...first.state().dims] as [number, number] : undefined);
    explorers.push(explorerFor(chosen[k], run, { ...initial, dims, view: null }, { ...size, traversal: false }));
  }
  // One axis range: the box that holds every plane's points (each plane's 0 key returns to it).
  const sameKind = explorers.every((e) => e.projection.kind === 'slice');
  if (sameKind) {
    const shared = union(explorers.map((e) => e.plane.homeView()));
    for (const e of explorers) e.plane.setHome(shared);
    for (const e of explorers) e.plane.setView(initial.view ?? shared, true);
  }
  const first = loaded[0];
  const sameImages = loaded.every((r) => r.detail.config.data.source === first.detail.config.data.source && r.images.count === first.images.count);
  const d = explorers[0].z.length;
  // Start every plane at the same z (the first's), so the readouts agree from the start.
  for (const e of explorers.slice(1)) if (e.z.length === d) e.setLatent(explorers[0].z);
  for (const from of explorers) {
    const others = explorers.filter((e) => e !== from);
    from.onLatent = (z) => {
      for (const to of others) if (to.z.length === z.length) to.setLatent(z);
    };
    if (sameImages) from.onPick = (i) => others.forEach((to) => to.showPair(i));
    if (sameKind) from.onView = (box) => others.forEach((to) => to.plane.setView(box, true));
  }
  followState(explorers[0], scope, false);
  scope.onLeave(() => explorers.forEach((e) => e.close()));
  const sizes = new Set(explorers.map((e) => e.z.length));
  if (sizes.size > 1) view.append(h('p', { class: 'muted' }, `The latents differ in size (${explorers.map((e) => e.z.length).join(', ')}): only planes of the same size are linked.`));
  active.explorers = explorers;
  view.append(newerCheckpoint(loaded, scope), h('div', { class: 'side-by-side' }, ...explorers.map((e, k) => h('div', { class: 'compared' }, e.element, metricsPanel(loaded[k].detail, loaded[k])))));
  return view;
}
