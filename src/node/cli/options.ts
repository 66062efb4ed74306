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
