/**
 * Navigation state lives in the URL's hash (#view=explore&run=NAME&b=OTHER),
 * so every view can be linked to, reloaded and opened by tests directly.
 */
import type { RunSummary } from './api.js';
import { h } from './dom.js';
import { watchRuns } from './live.js';

export type View = 'runs' | 'explore' | 'interpolate' | 'compare' | 'dashboard' | 'train';

export function hashFor(params: Record<string, string>): string {
  return readable(new URLSearchParams(params));
}

/** A hash from parameters, with the commas of number lists and the slashes of nested run names left readable (both are allowed in a fragment). */
function readable(params: URLSearchParams): string {
  return `#${params.toString().replace(/%2C/gi, ',').replace(/%2F/gi, '/')}`;
}

export function link(params: Record<string, string>, text: string): HTMLAnchorElement {
  return h('a', { href: hashFor(params) }, text);
}

export function currentParams(): URLSearchParams {
  return new URLSearchParams(location.hash.slice(1));
}

/** Replaces the hash's parameters with `params` without a new history entry or a re-render (state as it changes). */
export function replaceParams(params: Record<string, string | null | undefined>): void {
  const next = currentParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') next.delete(k);
    else next.set(k, v);
  }
  const hash = readable(next);
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

/** Numbers as a short comma list for a URL (4 significant digits). */
export function numberList(values: readonly number[]): string {
  return values.map((v) => String(Number(v.toPrecision(4)))).join(',');
}

/** A comma list of numbers from a URL, or null when absent or malformed (`length` when given must match). */
export function parseNumbers(text: string | null, length?: number): number[] | null {
  if (!text) return null;
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v)) || (length !== undefined && values.length !== length)) return null;
  return values;
}

export interface PickerOptions {
  readonly selected: string | null;
  readonly onPick: (name: string) => void;
  readonly label?: string;
  /** Which runs it lists (default: every readable run). */
  readonly filter?: (run: RunSummary) => boolean;
}

/**
 * A run picker that stays current: the runs are grouped by folder (nested
 * run folders show their path), marked while training, and the list
 * follows the runs folder live until `scope` closes.
 */
export function runPicker(runs: readonly RunSummary[], scope: ViewScope, { selected, onPick, label = 'run', filter = (r) => !r.error }: PickerOptions): HTMLElement {
  const select = h('select', { 'aria-label': label });
  const option = (r: RunSummary) => {
    const mark = r.status === 'training' ? ' (training)' : r.status === 'interrupted' ? ' (interrupted)' : '';
    const o = h('option', { value: r.name }, `${r.group ? r.name.slice(r.group.length + 1) : r.name}${mark}`);
    o.title = r.name;
    return o;
  };
  const fill = (list: readonly RunSummary[]) => {
    const shown = list.filter(filter);
    const groups = new Map<string, RunSummary[]>();
    for (const r of shown) groups.set(r.group ?? '', [...(groups.get(r.group ?? '') ?? []), r]);
    const keep = select.value || selected || '';
    select.replaceChildren(h('option', { value: '' }, `choose a ${label}…`),
      ...(groups.get('') ?? []).map(option),
      ...[...groups].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b)).map(([g, rs]) => {
        const og = h('optgroup', {});
        og.label = `${g}/`;
        og.append(...rs.map(option));
        return og;
      }));
    if (keep && !shown.some((r) => r.name === keep)) select.append(h('option', { value: keep }, `${keep} (not listed)`));
    select.value = keep;
    select.dataset.runs = String(shown.length);
  };
  fill(runs);
  select.addEventListener('change', () => select.value && onPick(select.value));
  watchRuns(scope, fill);
  return h('label', { class: 'picker' }, `${label}: `, select);
}

/**
 * The lifetime of one rendered view: work to undo when the page moves on
 * (close streams, stop training). A view that finishes loading after the
 * page has already moved on finds its scope closed, and its clean-up runs at once.
 */
export class ViewScope {
  private readonly undo: (() => void)[] = [];
  private closed = false;

  onLeave(fn: () => void): void {
    if (this.closed) fn();
    else this.undo.push(fn);
  }

  close(): void {
    this.closed = true;
    for (const fn of this.undo.splice(0)) fn();
  }
}
