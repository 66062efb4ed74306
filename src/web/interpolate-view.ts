/**
 * The Interpolation view: pick two test images (click one, then another);
 * the decoder's means along the straight line between their codes are shown
 * between the two originals.
 */
import { listRuns } from './api.js';
import { drawImage, errorBox, h, imageCanvas } from './dom.js';
import { decodeMeans, linearPath } from './latent.js';
import { hashFor, runPicker } from './nav.js';
import { loadCurrentRun, type LoadedRun } from './session.js';

const CHOICES = 48;
const STEPS = 10;

function strip(run: LoadedRun, a: number, b: number): HTMLElement {
  const { model, images, codes } = run;
  const d = model.latentDim;
  const path = linearPath(codes.subarray(a * d, (a + 1) * d), codes.subarray(b * d, (b + 1) * d), STEPS);
  // A decoder given the label renders the path as the first image's class.
  const decoded = decodeMeans(model, path, images.labels?.[a] ?? 0);
  const cell = (values: Float32Array, offset: number, caption: string, cls: string) => {
    const c = imageCanvas(images.shape, 3, `digit ${cls}`);
    drawImage(c, values, images.shape, offset);
    return h('figure', {}, c, h('figcaption', {}, caption));
  };
  return h('div', { class: 'path', 'data-a': String(a), 'data-b': String(b) },
    cell(images.x, a * images.dim, `#${a}`, 'original'),
    ...Array.from({ length: STEPS }, (_, s) => cell(decoded, s * images.dim, `t=${(s / (STEPS - 1)).toFixed(2)}`, 'step')),
    cell(images.x, b * images.dim, `#${b}`, 'original'));
}

export async function interpolateView(params: URLSearchParams): Promise<HTMLElement> {
  const name = params.get('run');
  const names = (await listRuns()).filter((r) => !r.error && (r.epochs ?? 0) > 0).map((r) => r.name);
  const view = h('div', { class: 'view interpolate-view' }, h('div', { class: 'toolbar' },
    runPicker(names, name, (n) => (location.hash = hashFor({ view: 'interpolate', run: n }))),
    h('span', { class: 'muted' }, 'Click two test images: the path between their codes is decoded.')));
  if (!name) return view;
  const run = await loadCurrentRun(name).catch((e: Error) => e);
  if (run instanceof Error) {
    view.append(errorBox(run.message));
    return view;
  }
  let picked = [0, 1];
  let next = 0;
  const result = h('div', { class: 'result' }, strip(run, 0, 1));
  const thumbs = Array.from({ length: Math.min(CHOICES, run.images.count) }, (_, i) => {
    const c = imageCanvas(run.images.shape, 2, 'digit thumb');
    drawImage(c, run.images.x, run.images.shape, i * run.images.dim);
    c.title = `test image ${i}${run.images.labels ? `, label ${run.images.labels[i]}` : ''}`;
    c.addEventListener('click', () => {
      picked = next === 0 ? [i, picked[1]] : [picked[0], i];
      next = 1 - next;
      thumbs.forEach((t, j) => t.classList.toggle('picked', picked.includes(j)));
      result.replaceChildren(strip(run, picked[0], picked[1]));
    });
    return c;
  });
  thumbs.forEach((t, j) => t.classList.toggle('picked', picked.includes(j)));
  view.append(h('div', { class: 'thumbs' }, ...thumbs), result);
  return view;
}
