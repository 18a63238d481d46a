import type { RawOptions } from '../helpers/raw-http.js';
import type { Random } from './random.js';

/** Bytes for a raw socket: abuse an HTTP client library would not send. */
export interface RawCase {
  data: Buffer;
  opts: RawOptions;
  /** Whether the server must answer (false: the request is cut short on purpose, any outcome but a crash is fine). */
  answered: boolean;
}

const CRLF = '\r\n';

/** Ways to break the request line, the headers or the framing of an otherwise fine `GET target`. */
const BREAKERS: Array<(r: Random, target: string, host: string) => string> = [
  (r) => r.bytes(r.length(200)).toString('latin1') + CRLF + CRLF,
  (_r, t) => `GET ${t}${CRLF}${CRLF}`,
  (_r, t) => `GET ${t} HTTP/9.9${CRLF}Host: x${CRLF}${CRLF}`,
  (_r, t) => `get ${t} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  (_r, t) => `GET ${t} HTTP/1.1\nHost: x\n\n`,
  (_r, t) => `GET ${t.replace('?', '? ')} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  (r, t) => `GET ${t}${r.pick(['\u0000', '\u007f', '\t', '\u0001'])}x HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  (_r, t) => `GET ${t} HTTP/1.1${CRLF}Host x${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Bad Name: v${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}X-A: v\rw${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}X-A: v${CRLF} folded${CRLF}${CRLF}`,
  (r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}X-A: ${r.pick(['\u0000', '\u007f', '\u0001'])}${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Content-Length: 3${CRLF}Content-Length: 4${CRLF}${CRLF}abcd`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Content-Length: -1${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Content-Length: 1x${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Content-Length: 3${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Transfer-Encoding: gzip, chunked, identity${CRLF}${CRLF}`,
  (r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}X-Big: ${'b'.repeat(r.pick([16_400, 40_000]))}${CRLF}${CRLF}`,
  (r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}${Array.from({ length: r.pick([900, 3000]) }, (_, i) => `X-${i}: ${'v'.repeat(8)}${CRLF}`).join('')}${CRLF}`,
  (r, t) => `${r.pick(['FOO', 'G E T', 'GET/', 'BREW', 'PRI'])} ${t} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  (_r, t) => `GET ${t} HTTP/1.0${CRLF}${CRLF}`,
  (_r, t) => `GET http://127.0.0.1${t} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  (r) => `GET ${r.pick(['*', 'x', '', '%'])} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  // node:http hands CONNECT to a 'connect' listener with the bare socket (none: destroyed unanswered).
  (r, _t, h) => `CONNECT ${r.pick(['example.org:443', '127.0.0.1:22', '[::1]:80', '*', ''])} HTTP/1.1${CRLF}${h}${CRLF}`,
];

/** Fine requests with an odd body or framing the server must still answer properly. */
const ODD_BUT_VALID: Array<(r: Random, target: string, host: string) => string> = [
  (r, t, h) => {
    const body = r.bytes(r.length(3000)).toString('latin1');
    return `GET ${t} HTTP/1.1${CRLF}${h}Content-Length: ${body.length}${CRLF}${CRLF}${body}`;
  },
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Connection: close${CRLF}${CRLF}`,
  (_r, t, h) => `GET ${t} HTTP/1.1${CRLF}${h}Expect: 100-continue${CRLF}Content-Length: 2${CRLF}${CRLF}ab`,
];

/**
 * A raw case against `target` (a request target the HTTP-level cases use: a valid or a broken
 * announce, an API route). `host` is the headers every request carries (credentials on the API).
 */
export function rawCase(r: Random, target: string, host: string): RawCase {
  const roll = r.next();
  if (roll < 0.55) return { data: Buffer.from(r.pick(BREAKERS)(r, target, host), 'latin1'), opts: {}, answered: true };
  if (roll < 0.8) return { data: Buffer.from(r.pick(ODD_BUT_VALID)(r, target, host), 'latin1'), opts: {}, answered: true };
  const whole = Buffer.from(`GET ${target} HTTP/1.1${CRLF}${host}${CRLF}`, 'latin1');
  const cut = 1 + r.int(whole.length - 1);
  if (roll < 0.9) {
    // Split in two writes, the second a moment later: the server must put them back together.
    return { data: whole.subarray(0, cut), opts: { then: { data: whole.subarray(cut), delayMs: 1 + r.int(30) } }, answered: true };
  }
  // Half a request, then the client goes away.
  return { data: whole.subarray(0, cut), opts: { waitMs: 50 }, answered: false };
}
