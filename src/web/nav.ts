/**
 * Navigation state lives in the URL's hash (#view=explore&run=NAME&b=OTHER),
 * so every view can be linked to, reloaded and opened by tests directly.
 */
import { h } from './dom.js';

export type View = 'runs' | 'explore' | 'interpolate' | 'compare' | 'dashboard' | 'train';

export function hashFor(params: Record<string, string>): string {
  return `#${new URLSearchParams(params)}`;
}

export function link(params: Record<string, string>, text: string): HTMLAnchorElement {
  return h('a', { href: hashFor(params) }, text);
}

export function currentParams(): URLSearchParams {
  return new URLSearchParams(location.hash.slice(1));
}

/**
 * A run picker: `onPick` gets the chosen name. With `refresh`, the list is
 * fetched again whenever the picker gets focus (runs started after the page
 * loaded appear).
 */
export function runPicker(names: readonly string[], selected: string | null, onPick: (name: string) => void, label = 'run', refresh?: () => Promise<string[]>): HTMLElement {
  const select = h('select', { 'aria-label': label });
  const fill = (list: readonly string[]) => {
    select.replaceChildren(h('option', { value: '' }, `choose a ${label}…`), ...list.map((n) => h('option', { value: n }, n)));
    select.value = selected ?? '';
  };
  fill(names);
  select.addEventListener('change', () => select.value && onPick(select.value));
  if (refresh) select.addEventListener('focus', () => void refresh().then(fill, () => undefined));
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
