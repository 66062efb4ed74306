/**
 * The Explore and Compare views. Compare puts two runs' explorers side by
 * side and links them: moving the point in one decodes the same z in both
 * (when their latents have the same size), and clicking a test point shows
 * that image and its reconstruction in both, each at its own code (when both
 * runs were trained on the same data).
 */
import { listRuns } from './api.js';
import { errorBox, h } from './dom.js';
import { Explorer } from './explorer.js';
import { hashFor, runPicker } from './nav.js';
import { loadCurrentRun, type LoadedRun } from './session.js';

/** The explorer of the currently shown view, for tests and the benchmark. */
export const active: { explorers: Explorer[] } = { explorers: [] };

async function loadExplorer(name: string): Promise<{ explorer: Explorer; run: LoadedRun }> {
  const run = await loadCurrentRun(name);
  const epochs = run.detail.checkpoint?.epoch ?? 0;
  const explorer = new Explorer({
    title: `${name}: ${run.detail.config.model.toUpperCase()}, epoch ${epochs}, ${run.images.count} test codes`,
    model: run.model, images: run.images, codes: run.codes, prior: run.prior, classNames: run.detail.manifest.data.classNames,
  });
  return { explorer, run };
}

const explorerFor = async (name: string): Promise<Explorer> => (await loadExplorer(name)).explorer;

async function runNames(): Promise<string[]> {
  return (await listRuns()).filter((r) => !r.error && (r.epochs ?? 0) > 0).map((r) => r.name);
}

export async function exploreView(params: URLSearchParams): Promise<HTMLElement> {
  const name = params.get('run');
  const names = await runNames();
  const picker = runPicker(names, name, (n) => (location.hash = hashFor({ view: 'explore', run: n })), 'run', runNames);
  const view = h('div', { class: 'view explore-view' }, h('div', { class: 'toolbar' }, picker,
    h('span', { class: 'muted' }, 'Move the pointer over the plane to decode z; click a test point for its reconstruction.')));
  active.explorers = [];
  if (!name) return view;
  const explorer = await explorerFor(name).catch((e: Error) => e);
  if (explorer instanceof Error) view.append(errorBox(explorer.message));
  else {
    active.explorers = [explorer];
    view.append(explorer.element);
  }
  return view;
}

export async function compareView(params: URLSearchParams): Promise<HTMLElement> {
  const [a, b] = [params.get('run'), params.get('b')];
  const names = await runNames();
  const go = (run: string | null, other: string | null) => (location.hash = hashFor({ view: 'compare', ...(run ? { run } : {}), ...(other ? { b: other } : {}) }));
  const view = h('div', { class: 'view compare-view' }, h('div', { class: 'toolbar' },
    runPicker(names, a, (n) => go(n, b), 'left run', runNames), runPicker(names, b, (n) => go(a, n), 'right run', runNames),
    h('span', { class: 'muted' }, 'The pointer on either plane decodes the same z in both.')));
  active.explorers = [];
  if (!a || !b) return view;
  const loaded = await Promise.all([loadExplorer(a), loadExplorer(b)]).catch((e: Error) => e);
  if (loaded instanceof Error) {
    view.append(errorBox(loaded.message));
    return view;
  }
  const [left, right] = loaded.map((l) => l.explorer);
  // Both runs hold the same test images when they were trained on the same data source.
  const [ra, rb] = loaded.map((l) => l.run);
  const sameImages = ra.detail.config.data.source === rb.detail.config.data.source && ra.images.count === rb.images.count;
  const link = (from: Explorer, to: Explorer) => {
    from.onLatent = (z) => {
      if (to.z.length === z.length) to.setLatent(z);
    };
    if (sameImages) from.onPick = (i) => to.showPair(i);
  };
  link(left, right);
  link(right, left);
  if (left.z.length !== right.z.length) view.append(h('p', { class: 'muted' }, `The latents differ in size (${left.z.length} vs ${right.z.length}): the planes are not linked.`));
  active.explorers = [left, right];
  view.append(h('div', { class: 'side-by-side' }, left.element, right.element));
  return view;
}
