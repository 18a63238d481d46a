import { malformed } from './failure.js';
import { decodeText, percentDecodeInto } from './query.js';

// Typed reads of single query parameters, from their raw (still percent-encoded) values. Each names
// the parameter and the rule in its failure.

/** The largest counter accepted: Lua and JavaScript numbers are exact below 2^53 (9 PiB). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** Exactly 20 bytes after percent-decoding `raw[start..end)` (info_hash, peer_id). */
export function bytes20(raw: string, name: string, start = 0, end = raw.length): Buffer {
  // Decoded straight into its 20 bytes: no buffer of the encoded length to cut down.
  const v = Buffer.allocUnsafe(20);
  const n = percentDecodeInto(raw, v, name, start, end);
  if (n !== 20) throw malformed(name, `must be 20 bytes, got ${n}`);
  return v;
}

/** A decimal integer in [min, max] from `raw[start..end)`; digits only (no sign, no exponent, no spaces). */
export function integer(raw: string, name: string, min: number, max: number, start = 0, end = raw.length): number {
  // Read in place unless escaped (no client escapes digits): no string per number.
  for (let i = start; i < end; i++) {
    if (raw.charCodeAt(i) === 37) {
      const value = decodeText(raw.slice(start, end), name);
      return digits(value, name, min, max, 0, value.length);
    }
  }
  return digits(raw, name, min, max, start, end);
}

/** The decimal number `s[start..end)` spells, already decoded. */
function digits(s: string, name: string, min: number, max: number, start: number, end: number): number {
  if (end === start || end - start > 20) throw malformed(name, 'must be a whole number');
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw malformed(name, 'must be a whole number');
    n = n * 10 + d;
  }
  if (n < min || n > max) throw malformed(name, `must be between ${min} and ${max}`);
  return n;
}

// The announce's reads: a value is the range url[start..end) of the raw URL, start -1 when the
// parameter was not given (announce-params.ts scans the query in place and slices nothing).

/** Fails when the parameter was not given. */
function required(start: number, name: string): void {
  if (start === -1) throw malformed(name, 'missing');
}

export function requiredBytes20(url: string, start: number, end: number, name: string): Buffer {
  required(start, name);
  return bytes20(url, name, start, end);
}

export function requiredInteger(url: string, start: number, end: number, name: string, min: number, max: number): number {
  required(start, name);
  return integer(url, name, min, max, start, end);
}

export function optionalInteger(url: string, start: number, end: number, name: string, min: number, max: number): number | undefined {
  return start === -1 || end === start ? undefined : integer(url, name, min, max, start, end);
}

/** "1"/"0" flags; anything else given is malformed. Absent gives `fallback`. */
export function flag(url: string, start: number, end: number, name: string, fallback: boolean): boolean {
  if (start === -1 || end === start) return fallback;
  const c = end - start === 1 ? url.charCodeAt(start) : -1;
  if (c === 49) return true;
  if (c === 48) return false;
  const t = decodeText(url.slice(start, end), name);
  if (t === '1') return true;
  if (t === '0') return false;
  throw malformed(name, 'must be 0 or 1');
}

/** A text parameter (latin1), if given. */
export function optionalText(url: string, start: number, end: number, name: string): string | undefined {
  return start === -1 ? undefined : decodeText(url.slice(start, end), name);
}
