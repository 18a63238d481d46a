import { malformed } from './failure.js';
import type { RawQuery } from './query.js';

// Typed reads of single query parameters. Each names the parameter and the rule in its failure.

/** The largest counter accepted: Lua and JavaScript numbers are exact below 2^53 (9 PiB). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

export function single(q: RawQuery, name: string): Buffer | undefined {
  const values = q.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw malformed(name, 'given more than once');
  return values[0];
}

export function required(q: RawQuery, name: string): Buffer {
  const v = single(q, name);
  if (v === undefined) throw malformed(name, 'missing');
  return v;
}

export function bytes20(q: RawQuery, name: string): Buffer {
  const v = required(q, name);
  if (v.length !== 20) throw malformed(name, `must be 20 bytes, got ${v.length}`);
  return v;
}

/** A decimal integer in [min, max]; digits only (no sign, no exponent, no spaces). */
export function integer(value: Buffer, name: string, min: number, max: number): number {
  if (value.length === 0 || value.length > 20) throw malformed(name, 'must be a whole number');
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value[i]! - 48;
    if (d < 0 || d > 9) throw malformed(name, 'must be a whole number');
    n = n * 10 + d;
  }
  if (n < min || n > max) throw malformed(name, `must be between ${min} and ${max}`);
  return n;
}

export function requiredInteger(q: RawQuery, name: string, min: number, max: number): number {
  return integer(required(q, name), name, min, max);
}

export function optionalInteger(q: RawQuery, name: string, min: number, max: number): number | undefined {
  const v = single(q, name);
  return v === undefined || v.length === 0 ? undefined : integer(v, name, min, max);
}

/** "1"/"0" flags; anything else given is malformed. Absent gives `fallback`. */
export function flag(q: RawQuery, name: string, fallback: boolean): boolean {
  const v = single(q, name);
  if (v === undefined || v.length === 0) return fallback;
  if (v.length === 1 && v[0] === 0x31) return true;
  if (v.length === 1 && v[0] === 0x30) return false;
  throw malformed(name, 'must be 0 or 1');
}
