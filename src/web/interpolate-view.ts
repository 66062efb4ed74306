/**
 * The Interpolation view: the decoder's means along a path between the codes
 * of two test images, shown between the two originals. Either end is any
 * test image the explorer holds, chosen by index, by clicking a thumbnail in
 * a gallery of all of them (48 a page, filtered by class), or from the
 * explorer's "interpolate" link; the path is the straight line or the great
 * circle (slerp), with a chosen number of steps. The URL keeps a, b, the path
 * and the steps.
 */
import { drawImage, errorBox, h, imageCanvas } from './dom.js';
import { decodeMeans, linearPath, slerpPath } from './latent.js';
import { currentRuns } from './live.js';
import { hashFor, replaceParams, runPicker, type ViewScope } from './nav.js';
import { loadCurrentRun, type LoadedRun } from './session.js';

const PAGE = 48;
const DEFAULT_STEPS = 10;
const MAX_STEPS = 40;

type PathKind = 'linear' | 'slerp';

function strip(run: LoadedRun, a: number, b: number, steps: number, kind: PathKind): HTMLElement {
  const { model, images, codes } = run;
  const d = model.latentDim;
  const ends = [codes.subarray(a * d, (a + 1) * d), codes.subarray(b * d, (b + 1) * d)] as const;
  const path = kind === 'slerp' ? slerpPath(ends[0], ends[1], steps) : linearPath(ends[0], ends[1], steps);
  // A decoder given the label renders the path as the first image's class.
  const decoded = decodeMeans(model, path, images.labels?.[a] ?? 0);
  // Long paths get smaller cells, so the strip stays on one row on a laptop's screen.
  const scale = steps > 10 ? 2 : 3;
  const cell = (values: Float32Array, offset: number, caption: string, cls: string) => {
    const c = imageCanvas(images.shape, scale, `digit ${cls}`);
    drawImage(c, values, images.shape, offset);
    return h('figure', {}, c, h('figcaption', {}, caption));
  };
  return h('div', { class: 'path', 'data-a': String(a), 'data-b': String(b), 'data-steps': String(steps), 'data-kind': kind },
    cell(images.x, a * images.dim, `#${a}`, 'original'),
    ...Array.from({ length: steps }, (_, s) => cell(decoded, s * images.dim, `t=${(steps === 1 ? 0 : s / (steps - 1)).toFixed(2)}`, 'step')),
    cell(images.x, b * images.dim, `#${b}`, 'original'));
}

function intParam(params: URLSearchParams, key: string, lo: number, hi: number, fallback: number): number {
  const v = Number(params.get(key));
  return params.get(key) !== null && Number.isInteger(v) && v >= lo && v <= hi ? v : fallback;
}

export async function interpolateView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const name = params.get('run');
  const view = h('div', { class: 'view interpolate-view' }, h('div', { class: 'toolbar' },
    runPicker(await currentRuns(), scope, { selected: name, onPick: (n) => (location.hash = hashFor({ view: 'interpolate', run: n })), filter: (r) => !r.error && (r.epochs ?? 0) > 0 }),
    h('span', { class: 'muted' }, 'Choose two test images by index, or click two thumbnails in the gallery below: the path between their codes is decoded.')));
  if (!name) return view;
  const run = await loadCurrentRun(name).catch((e: Error) => e);
  if (run instanceof Error) {
    view.append(errorBox(run.message));
    return view;
  }
  const last = run.images.count - 1;
  const state = {
    a: intParam(params, 'a', 0, last, 0),
    b: intParam(params, 'b', 0, last, Math.min(1, last)),
    steps: intParam(params, 'steps', 2, MAX_STEPS, DEFAULT_STEPS),
    kind: (params.get('path') === 'slerp' ? 'slerp' : 'linear') as PathKind,
  };
  const result = h('div', { class: 'result' });
  const index = (key: 'a' | 'b') => {
    const input = h('input', { type: 'number', min: '0', max: String(last), step: '1', value: String(state[key]), name: key, 'aria-label': `test image ${key === 'a' ? 'at the start' : 'at the end'} (0–${last})` });
    input.addEventListener('change', () => {
      const v = Number(input.value);
      if (Number.isInteger(v) && v >= 0 && v <= last) {
        state[key] = v;
        update();
      } else input.value = String(state[key]);
    });
    return input;
  };
  const inputs = { a: index('a'), b: index('b') };
  const steps = h('input', { type: 'number', min: '2', max: String(MAX_STEPS), value: String(state.steps), name: 'steps', 'aria-label': 'steps along the path' });
  steps.addEventListener('change', () => {
    const v = Number(steps.value);
    if (Number.isInteger(v) && v >= 2 && v <= MAX_STEPS) {
      state.steps = v;
      update();
    } else steps.value = String(state.steps);
  });
  const kind = h('select', { name: 'path', 'aria-label': 'path' }, h('option', { value: 'linear' }, 'straight line'), h('option', { value: 'slerp' }, 'great circle (slerp)'));
  kind.value = state.kind;
  kind.addEventListener('change', () => {
    state.kind = kind.value as PathKind;
    update();
  });
  const swap = h('button', { type: 'button' }, 'swap');
  swap.addEventListener('click', () => {
    [state.a, state.b] = [state.b, state.a];
    update();
  });
  let next: 'a' | 'b' = 'a';
  // The gallery: every test image, a page at a time, optionally one class.
  const { labels } = run.images;
  const classNames = run.detail.manifest.data.classNames;
  const className = (k: number) => classNames?.[k] ?? String(k);
  const gallery = { label: -1, page: 0 };
  /** The indices of the class shown, or null for all images. */
  let members: number[] | null = null;
  const total = () => (members ? members.length : run.images.count);
  const thumbs = h('div', { class: 'thumbs' });
  const caption = h('span', { class: 'gallery-range', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', 'aria-label': 'previous page of test images' }, '‹ previous');
  const nextPage = h('button', { type: 'button', 'aria-label': 'next page of test images' }, 'next ›');
  const classPick = h('select', { name: 'gallery-class', 'aria-label': 'show test images of class' }, h('option', { value: '-1' }, 'all classes'));
  if (labels) {
    const present = [...new Set(labels)].sort((p, q) => p - q);
    for (const k of present) classPick.append(h('option', { value: String(k) }, className(k)));
  } else classPick.hidden = true;
  const thumb = (i: number) => {
    const c = imageCanvas(run.images.shape, 2, 'digit thumb');
    drawImage(c, run.images.x, run.images.shape, i * run.images.dim);
    c.title = `test image ${i}${labels ? `, label ${className(labels[i])}` : ''}`;
    c.dataset.index = String(i);
    c.tabIndex = 0;
    c.setAttribute('role', 'button');
    c.setAttribute('aria-label', c.title);
    const choose = () => {
      state[next] = i;
      next = next === 'a' ? 'b' : 'a';
      update();
    };
    c.addEventListener('click', choose);
    c.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose();
      }
    });
    return c;
  };
  function drawGallery(): void {
    const n = total();
    const pages = Math.max(1, Math.ceil(n / PAGE));
    gallery.page = Math.min(Math.max(0, gallery.page), pages - 1);
    const from = gallery.page * PAGE;
    const to = Math.min(n, from + PAGE);
    thumbs.replaceChildren(...Array.from({ length: to - from }, (_, j) => thumb(members ? members[from + j] : from + j)));
    caption.textContent = n === 0 ? 'no test images' : `test images ${from + 1}–${to} of ${n.toLocaleString('en')}${gallery.label >= 0 ? ` labelled ${className(gallery.label)}` : ''}`;
    (prev as HTMLButtonElement).disabled = gallery.page === 0;
    (nextPage as HTMLButtonElement).disabled = gallery.page >= pages - 1;
    markPicked();
  }
  function markPicked(): void {
    for (const c of thumbs.children) (c as HTMLElement).classList.toggle('picked', Number((c as HTMLElement).dataset.index) === state.a || Number((c as HTMLElement).dataset.index) === state.b);
  }
  prev.addEventListener('click', () => {
    gallery.page--;
    drawGallery();
  });
  nextPage.addEventListener('click', () => {
    gallery.page++;
    drawGallery();
  });
  classPick.addEventListener('change', () => {
    gallery.label = Number((classPick as HTMLSelectElement).value);
    members = gallery.label >= 0 && labels ? [...labels.keys()].filter((i) => labels[i] === gallery.label) : null;
    gallery.page = 0;
    drawGallery();
  });
  function update(): void {
    inputs.a.value = String(state.a);
    inputs.b.value = String(state.b);
    steps.value = String(state.steps);
    kind.value = state.kind;
    markPicked();
    result.replaceChildren(strip(run as LoadedRun, state.a, state.b, state.steps, state.kind));
    replaceParams({ a: String(state.a), b: String(state.b), steps: state.steps === DEFAULT_STEPS ? null : String(state.steps), path: state.kind === 'linear' ? null : state.kind });
  }
  const form = h('div', { class: 'interpolate-form' },
    h('label', {}, 'from test image ', inputs.a), h('label', {}, ' to ', inputs.b), swap,
    h('label', {}, ' steps ', steps), h('label', {}, ' path ', kind),
    h('span', { class: 'muted' }, ` (${run.images.count.toLocaleString('en')} test images; `, h('a', { href: hashFor({ view: 'explore', run: name }) }, 'pick them in the explorer'), ')'));
  drawGallery();
  update();
  view.append(form, result, h('h3', {}, 'Test images'), h('div', { class: 'gallery-bar' }, h('label', {}, 'show ', classPick), prev, nextPage, caption), thumbs);
  return view;
}
