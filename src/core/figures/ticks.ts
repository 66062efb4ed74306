/**
 * Pure axis arithmetic: data extents, "nice" tick values (1, 2, 5 × 10^k) and
 * their labels. No drawing here.
 */

/** A closed numeric interval `[lo, hi]` with `lo < hi`. */
export interface Domain {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Extent of the finite values in `values` (NaN / ±Infinity ignored), widened by
 * `padFraction` of its span on each side. Degenerate inputs still give a usable
 * interval: no finite value → [0, 1]; all equal to v → v ± max(|v|·0.1, 1)/2.
 */
export function finiteDomain(values: Iterable<number>, padFraction = 0): Domain {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return { lo: 0, hi: 1 };
  if (lo === hi) {
    const half = Math.max(Math.abs(lo) * 0.1, 1) / 2;
    return { lo: lo - half, hi: hi + half };
  }
  const pad = (hi - lo) * padFraction;
  return { lo: lo - pad, hi: hi + pad };
}

/** Step of the form {1, 2, 2.5, 5} × 10^k closest to `span / target` from above. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const mult = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return mult * mag;
}

/** Nice tick values inside `domain`, about `target` of them, plus the step used. */
export function niceTicks(domain: Domain, target = 5): { values: number[]; step: number } {
  const step = niceStep(domain.hi - domain.lo, target);
  const first = Math.ceil(domain.lo / step - 1e-9);
  const last = Math.floor(domain.hi / step + 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(cleanZero(k * step));
  return { values, step };
}

/**
 * Label for a tick value at the given step: enough decimals to tell ticks
 * apart, exponent notation for very large or very small magnitudes, and a
 * typographic minus sign.
 */
export function formatTick(value: number, step: number): string {
  const mag = Math.max(Math.abs(value), step);
  let text: string;
  if (mag >= 1e6 || (step < 1e-4 && value !== 0)) {
    text = value.toExponential(1);
  } else {
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
    const fixed = step * 10 ** decimals;
    const extra = Math.abs(fixed - Math.round(fixed)) > 1e-6 ? 1 : 0; // 2.5 × 10^k
    text = value.toFixed(decimals + extra);
  }
  return text.replace('-', '\u2212');
}

/** Formats a standalone number (no tick step known) compactly: 3 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const text = abs >= 1e5 || abs < 1e-3 ? value.toExponential(1) : String(Number(value.toPrecision(3)));
  return text.replace('-', '\u2212');
}

/** Removes float noise from k·step (0.6000000000000001 → 0.6, −1e-17 → 0). */
function cleanZero(v: number): number {
  return Math.abs(v) < 1e-12 ? 0 : Number(v.toPrecision(12));
}
