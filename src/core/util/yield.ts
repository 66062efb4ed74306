/**
 * Lets the host's event loop run (signals such as Ctrl-C in Node, rendering
 * and input in a browser). Training calls it every few steps: awaiting a
 * resolved promise alone is a microtask and lets none of that through.
 */
declare const setImmediate: ((callback: () => void) => unknown) | undefined;
declare const setTimeout: (callback: () => void, ms: number) => unknown;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
