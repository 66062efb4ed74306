/** Monotonic milliseconds, available in Node and in browsers alike. */
declare const performance: { now(): number };

export function nowMs(): number {
  return performance.now();
}
