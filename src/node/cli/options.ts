/**
 * Shared flag parsing: numbers are checked where they are read, so a bad
 * value names its flag ("--epochs: expected a positive integer, got 'ten'").
 */
import { InvalidArgumentError } from 'commander';

export function intArg(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${value}'`);
    if (n < min) throw new InvalidArgumentError(`must be at least ${min}, got ${n}`);
    return n;
  };
}

export function floatArg(min: number, { exclusive = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
    if (exclusive ? n <= min : n < min) throw new InvalidArgumentError(`must be ${exclusive ? 'greater than' : 'at least'} ${min}, got ${n}`);
    return n;
  };
}

export function listArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1)) {
    throw new InvalidArgumentError(`expected comma-separated positive layer widths such as 400 or 512,256, got '${value}'`);
  }
  return sizes;
}

/** An image size HxW, e.g. 32x32 (height first); 'x', 'X' or '×' between. */
export function sizeArg(value: string): [number, number] {
  const m = /^\s*(\d{1,4})\s*[xX×]\s*(\d{1,4})\s*$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`expected a size HxW such as 32x32 or 64x48 (height x width, at most 4096), got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

/** Class numbers, e.g. 3 or 3,5. */
export function classListArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.every((p) => /^\d{1,9}$/.test(p))) throw new InvalidArgumentError(`expected class numbers such as 3 or 3,5, got '${value}'`);
  return [...new Set(parts.map(Number))];
}
