/**
 * Lets the host's event loop run (signals such as Ctrl-C in Node, rendering
 * and input in a browser). Training calls it every few steps: awaiting a
 * resolved promise alone is a microtask and lets none of that through.
 * Loops over data read from disk call it after every batch: the native
 * memory of the images decoded for a batch is released by finalizers that
 * only run there (without it, encoding 100,000 streamed 64×64 images grew to
 * 3.9 GB).
 */
declare const setImmediate: ((callback: () => void) => unknown) | undefined;
declare const setTimeout: (callback: () => void, ms: number) => unknown;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
