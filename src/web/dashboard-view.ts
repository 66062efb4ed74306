/**
 * The live dashboard: the run's metrics.jsonl and progress.jsonl streamed by
 * the server as server-sent events. A finished run shows its whole history;
 * a running one keeps updating; the status line says whether the training
 * process is still at it, finished, or stopped short (the server's `status`
 * events).
 */
import type { EpochRecord } from '../core/training/fit.js';
import { listRuns, type RunStatus, type RunSummary } from './api.js';
import { Curves, type ProgressPoint } from './curves.js';
import { errorBox, h } from './dom.js';
import { currentRuns } from './live.js';
import { hashFor, runPicker, type ViewScope } from './nav.js';
import { statusText } from './runs-view.js';

export async function dashboardView(params: URLSearchParams, scope: ViewScope): Promise<HTMLElement> {
  const name = params.get('run');
  const view = h('div', { class: 'view dashboard-view' }, h('div', { class: 'toolbar' },
    runPicker(await currentRuns(), scope, { selected: name, onPick: (n) => (location.hash = hashFor({ view: 'dashboard', run: n })) }),
    h('span', { class: 'muted' }, 'Curves follow latentlab train as it writes the run folder.')));
  if (!name) return view;
  // The live list can be a second behind a run just created: ask the server before saying there is none.
  const listed = (runs: readonly RunSummary[]) => runs.some((r) => r.name === name);
  if (!listed(await currentRuns()) && !listed(await listRuns())) {
    view.append(errorBox(`no run named ${name} in the runs folder`));
    return view;
  }
  const curves = new Curves();
  view.append(curves.element);
  const source = new EventSource(`api/runs/${encodeURIComponent(name)}/events`);
  let state: { status?: RunStatus; epochs?: number; plannedEpochs?: number } = {};
  let connection = 'loading history';
  const stamp = () => {
    const what = state.status ? statusText(state) : connection;
    curves.setStatus(`${name}: ${what} · ${curves.epochs.length} epochs, ${curves.progress.length} progress points · ${new Date().toLocaleTimeString()}`);
    if (state.status) curves.element.dataset.status = state.status;
  };
  source.addEventListener('progress', (e) => {
    curves.addProgress(JSON.parse((e as MessageEvent).data) as ProgressPoint);
    stamp();
  });
  source.addEventListener('epoch', (e) => {
    curves.addEpoch(JSON.parse((e as MessageEvent).data) as EpochRecord);
    stamp();
  });
  source.addEventListener('status', (e) => {
    state = JSON.parse((e as MessageEvent).data) as typeof state;
    stamp();
  });
  // Every (re)connection replays the files from the start.
  source.addEventListener('open', () => curves.clear());
  source.addEventListener('reset', () => curves.clear());
  source.addEventListener('caught-up', () => {
    connection = 'history loaded, following';
    stamp();
  });
  source.addEventListener('error', () => {
    connection = 'connection lost, retrying';
    state = {};
    stamp();
  });
  scope.onLeave(() => source.close());
  return view;
}
