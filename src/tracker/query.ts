import { malformed } from './failure.js';

// Query strings are bytes: info_hash and peer_id are 20 raw bytes, percent-encoded. Decoding goes
// straight from the URL's characters to bytes, never through UTF-8. A literal '+' is the byte 0x2B
// (RFC 3986); clients percent-encode a space as %20.

/**
 * Parameter name → every value given, in order, still percent-encoded. Values are decoded only when
 * read (params.ts): most announce parameters are digits, and decoding each into a Buffer costs more
 * than the rest of the parse.
 */
export type RawQuery = Map<string, string[]>;

const HEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

function hexValue(code: number): number {
  return code < 128 ? HEX[code]! : -1;
}


/**
 * Percent-decodes `s[start..end)` (the part of a URL between two delimiters) into `out`, as far as
 * it holds: the number of bytes it decodes to, which may be more than were written.
 */
export function percentDecodeInto(s: string, out: Buffer, name: string, start = 0, end = s.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const code = s.charCodeAt(i);
    let c = code & 0xff;
    if (code === 37 /* % */) {
      const hi = i + 1 < end ? hexValue(s.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < end ? hexValue(s.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) throw malformed(name, 'bad percent-escape');
      c = (hi << 4) | lo;
      i += 2;
    }
    if (n < out.length) out[n] = c;
    n++;
  }
  return n;
}

/** Percent-decodes `s` (the part of a URL between two delimiters) into bytes. */
export function percentDecode(s: string, name: string): Buffer {
  if (s.indexOf('%') === -1) return Buffer.from(s, 'latin1');
  const out = Buffer.allocUnsafe(s.length);
  return out.subarray(0, percentDecodeInto(s, out, name));
}

/** A value as latin1 text: each decoded byte one character. */
export const decodeText = (s: string, name: string): string => (s.indexOf('%') === -1 ? s : percentDecode(s, name).toString('latin1'));

/** Splits the query part of a raw URL (everything after the first '?') into raw parameters. */
export function parseQuery(url: string): RawQuery {
  const params: RawQuery = new Map();
  const q = url.indexOf('?');
  if (q === -1) return params;
  let start = q + 1;
  const end = url.length;
  while (start <= end) {
    let amp = url.indexOf('&', start);
    if (amp === -1) amp = end;
    if (amp > start) {
      const eq = url.indexOf('=', start);
      const hasValue = eq !== -1 && eq < amp;
      const name = decodeText(url.slice(start, hasValue ? eq : amp), 'name');
      const value = hasValue ? url.slice(eq + 1, amp) : '';
      const list = params.get(name);
      if (list) list.push(value);
      else params.set(name, [value]);
    }
    start = amp + 1;
  }
  return params;
}
