/**
 * The signals that end a run from outside — Ctrl-C (SIGINT), `kill`
 * (SIGTERM) and a closed terminal (SIGHUP) — handled alike: the handler
 * gets the signal and its conventional exit code (128 + its number).
 */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof SIGNALS;

/**
 * Calls `handler` on the first of SIGINT, SIGTERM or SIGHUP (`prepend`: before
 * handlers registered earlier). Returns a function that removes it.
 */
export function onStopSignal(handler: (signal: StopSignal, exitCode: number) => void, { prepend = false } = {}): () => void {
  const listeners = (Object.keys(SIGNALS) as StopSignal[]).map((signal) => {
    const listener = () => handler(signal, SIGNALS[signal]);
    if (prepend) process.prependListener(signal, listener);
    else process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  };
}
