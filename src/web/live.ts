/**
 * The runs folder, live: one server-sent event stream (`api/events`) for the
 * whole page, whose `runs` events carry the list of runs whenever anything
 * in it changes (a run appears, gets an epoch, finishes, gets figures).
 * Views subscribe for as long as they are on screen.
 */
import { listRuns, type RunSummary } from './api.js';
import type { ViewScope } from './nav.js';

type Listener = (runs: readonly RunSummary[]) => void;

const listeners = new Set<Listener>();
let latest: readonly RunSummary[] | null = null;
let source: EventSource | null = null;

/** Opens the stream once (EventSource reconnects by itself when the server restarts). */
function connect(): void {
  if (source) return;
  source = new EventSource('api/events');
  source.addEventListener('runs', (e) => {
    latest = JSON.parse((e as MessageEvent).data) as RunSummary[];
    for (const l of listeners) l(latest);
  });
}

/** The runs as last received, or fetched now when the stream has not delivered yet. */
export async function currentRuns(): Promise<readonly RunSummary[]> {
  connect();
  return latest ?? (latest = await listRuns());
}

/** Calls `listener` with every new list until `scope` closes. */
export function watchRuns(scope: ViewScope, listener: Listener): void {
  connect();
  listeners.add(listener);
  scope.onLeave(() => listeners.delete(listener));
}
