/**
 * The live dashboard: the run's metrics.jsonl and progress.jsonl streamed by
 * the server as server-sent events. A finished run shows its whole history;
 * a running one keeps updating.
 */
import type { EpochRecord } from '../core/training/fit.js';
import { listRuns } from './api.js';
import { Curves, type ProgressPoint } from './curves.js';
import { h } from './dom.js';
import { hashFor, runPicker, type ViewScope } from './nav.js';

export async function dashboardView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const name = params.get('run');
  const runNames = async () => (await listRuns()).filter((r) => !r.error).map((r) => r.name);
  const view = h('div', { class: 'view dashboard-view' }, h('div', { class: 'toolbar' },
    runPicker(await runNames(), name, (n) => (location.hash = hashFor({ view: 'dashboard', run: n })), 'run', runNames),
    h('span', { class: 'muted' }, 'Curves follow latentlab train as it writes the run folder.')));
  if (!name) return view;
  const curves = new Curves();
  view.append(curves.element);
  const source = new EventSource(`api/runs/${encodeURIComponent(name)}/events`);
  const stamp = (what: string) => curves.setStatus(`${name}: ${what} · ${curves.epochs.length} epochs, ${curves.progress.length} progress points · ${new Date().toLocaleTimeString()}`);
  source.addEventListener('progress', (e) => {
    curves.addProgress(JSON.parse((e as MessageEvent).data) as ProgressPoint);
    stamp('streaming');
  });
  source.addEventListener('epoch', (e) => {
    curves.addEpoch(JSON.parse((e as MessageEvent).data) as EpochRecord);
    stamp('streaming');
  });
  // Every (re)connection replays the files from the start.
  source.addEventListener('open', () => curves.clear());
  source.addEventListener('reset', () => curves.clear());
  source.addEventListener('caught-up', () => stamp('history loaded, following'));
  source.addEventListener('error', () => stamp('connection lost, retrying'));
  scope.onLeave(() => source.close());
  return view;
}
