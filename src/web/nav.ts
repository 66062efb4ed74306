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

/** A run picker that navigates to `view` with the chosen run in `key`. */
export function runPicker(names: readonly string[], selected: string | null, onPick: (name: string) => void, label = 'run'): HTMLElement {
  const select = h('select', { 'aria-label': label });
  select.append(h('option', { value: '' }, `choose a ${label}…`), ...names.map((n) => h('option', { value: n }, n)));
  select.value = selected ?? '';
  select.addEventListener('change', () => select.value && onPick(select.value));
  return h('label', { class: 'picker' }, `${label}: `, select);
}

const leaving: (() => void)[] = [];

/** Registers work to undo when the page navigates away from the current view (close streams, stop timers). */
export function onLeave(fn: () => void): void {
  leaving.push(fn);
}

/** Runs and clears the registered leave handlers. */
export function leaveView(): void {
  for (const fn of leaving.splice(0)) fn();
}
