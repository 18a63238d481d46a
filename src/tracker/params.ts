import { malformed } from './failure.js';
import { decodeText, percentDecodeInto } from './query.js';

// Typed reads of single query parameters, from their raw (still percent-encoded) values; undefined
// is a parameter not given. Each names the parameter and the rule in its failure.

/** The largest counter accepted: Lua and JavaScript numbers are exact below 2^53 (9 PiB). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

export function required(v: string | undefined, name: string): string {
  if (v === undefined) throw malformed(name, 'missing');
  return v;
}

/** Exactly 20 bytes after percent-decoding (info_hash, peer_id). */
export function bytes20(raw: string, name: string): Buffer {
  // Decoded straight into its 20 bytes: no buffer of the encoded length to cut down.
  const v = Buffer.allocUnsafe(20);
  const n = percentDecodeInto(raw, v, name);
  if (n !== 20) throw malformed(name, `must be 20 bytes, got ${n}`);
  return v;
}

/** A decimal integer in [min, max]; digits only (no sign, no exponent, no spaces). */
export function integer(raw: string, name: string, min: number, max: number): number {
  const value = decodeText(raw, name);
  if (value.length === 0 || value.length > 20) throw malformed(name, 'must be a whole number');
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw malformed(name, 'must be a whole number');
    n = n * 10 + d;
  }
  if (n < min || n > max) throw malformed(name, `must be between ${min} and ${max}`);
  return n;
}

export function requiredInteger(v: string | undefined, name: string, min: number, max: number): number {
  return integer(required(v, name), name, min, max);
}

export function optionalInteger(v: string | undefined, name: string, min: number, max: number): number | undefined {
  return v === undefined || v.length === 0 ? undefined : integer(v, name, min, max);
}

/** "1"/"0" flags; anything else given is malformed. Absent gives `fallback`. */
export function flag(v: string | undefined, name: string, fallback: boolean): boolean {
  if (v === undefined || v.length === 0) return fallback;
  const t = decodeText(v, name);
  if (t === '1') return true;
  if (t === '0') return false;
  throw malformed(name, 'must be 0 or 1');
}

/** A text parameter (latin1), if given. */
export function optionalText(v: string | undefined, name: string): string | undefined {
  return v === undefined ? undefined : decodeText(v, name);
}
