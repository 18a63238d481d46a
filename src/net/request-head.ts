// A strict reader of HTTP/1.x request heads for the tracker port's hot case: `GET <target>
// HTTP/1.1` (or 1.0), headers without a body, each byte of a kind every client sends. It does not
// try to understand anything else: whatever it cannot read with certainty is left to node:http (the
// caller hands the connection over), so a request it reads is one node:http would read the same way.

/** What a head said that the tracker needs; one per connection, filled again for each request. */
export interface RequestHead {
  /** The request target, path and query, as latin1 text (still percent-encoded). */
  target: string;
  /** What the caller's `route` made of the path. */
  route: string;
  keepAlive: boolean;
  /** The headers the tracker reads, as node:http gives them (a repeated one joined with ", "; user-agent: the first). */
  headers: { 'user-agent': string | undefined; 'x-forwarded-for': string | undefined; 'x-real-ip': string | undefined };
}

export const newRequestHead = (): RequestHead => ({ target: '', route: '', keepAlive: true, headers: { 'user-agent': undefined, 'x-forwarded-for': undefined, 'x-real-ip': undefined } });

/** The head is not complete yet: wait for more bytes. */
export const INCOMPLETE = 0;
/** Not a request this reader serves (or not one it can read with certainty): node:http's to answer. */
export const HAND_OVER = -1;

/** More header lines than real clients send (a dozen at most) go to node:http, which has its own limit. */
const MAX_HEADERS = 64;

const table = (ok: (c: number) => boolean): Uint8Array => Uint8Array.from({ length: 256 }, (_, c) => (ok(c) ? 1 : 0));
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** RFC 3986 unreserved, sub-delims, ':', '@', '/', '?' and '%': what clients put in an announce URL. */
const TARGET = table((c) => isAlnum(c) || "-._~!$&'()*+,;=:@/?%".includes(String.fromCharCode(c)));
/** RFC 9110 tchar. */
const TOKEN = table((c) => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));
/** Visible ASCII, space and tab; obs-text and control bytes go to node:http. */
const VALUE = table((c) => c === 9 || (c >= 32 && c <= 126));

const GET = [71, 69, 84, 32]; // "GET "
const VERSION = [72, 84, 84, 80, 47, 49, 46]; // "HTTP/1."

/** Whether buf[at..at+len) is `name` (lowercase letters and '-'), whatever the letters' case. */
function nameIs(buf: Buffer, at: number, len: number, name: string): boolean {
  if (len !== name.length) return false;
  for (let k = 0; k < len; k++) if ((buf[at + k]! | 0x20) !== name.charCodeAt(k)) return false;
  return true;
}

/** Whether buf[from..to) is the start of `expected`. */
function prefixOf(buf: Buffer, from: number, to: number, expected: number[]): boolean {
  for (let k = from; k < to; k++) if (buf[k] !== expected[k - from]) return false;
  return true;
}

const join = (was: string | undefined, value: string): string => (was === undefined ? value : `${was}, ${value}`);

/** What a path is to the caller (the passkey of an announce path); undefined for a path it does not serve. */
export type Route = (path: string) => string | undefined;

/**
 * Reads the request head at the start of `buf` into `out`: its length in bytes (the blank line
 * included) when it is a complete GET this reader serves, INCOMPLETE when more bytes may make it
 * one, HAND_OVER otherwise: another method, a path `route` does not serve (known as soon as the
 * path's end has arrived, before the rest of a long URL), a target of other bytes or longer than `maxUrl`, a head
 * longer than `maxHead`, a body (Content-Length, Transfer-Encoding), Expect, Upgrade, a Connection
 * other than close or keep-alive, an HTTP/1.1 request without exactly one Host, bare LF, obs-fold,
 * control bytes.
 */
export function readRequestHead(buf: Buffer, maxHead: number, maxUrl: number, route: Route, out: RequestHead): number {
  // Bytes past the limit are never looked at: a head that needs them is node:http's (431).
  const len = Math.min(buf.length, maxHead);
  const more = buf.length >= maxHead ? HAND_OVER : INCOMPLETE;
  if (len < 4) return prefixOf(buf, 0, len, GET) ? more : HAND_OVER;
  if (!prefixOf(buf, 0, 4, GET)) return HAND_OVER;
  if (len > 4 && buf[4] !== 47 /* / */) return HAND_OVER;
  let i = 4;
  while (i < len && TARGET[buf[i]!] === 1 && buf[i] !== 63 /* ? */) i++;
  if (i === len) return i - 4 > maxUrl ? HAND_OVER : more;
  const served = route(buf.toString('latin1', 4, i));
  if (served === undefined) return HAND_OVER;
  while (i < len && TARGET[buf[i]!] === 1) i++;
  if (i - 4 > maxUrl) return HAND_OVER;
  if (i === len) return more;
  if (buf[i] !== 32 || i === 4) return HAND_OVER;
  const targetEnd = i++;
  if (len - i < 10) return prefixOf(buf, i, Math.min(len, i + 7), VERSION) ? more : HAND_OVER;
  if (!prefixOf(buf, i, i + 7, VERSION)) return HAND_OVER;
  const minor = buf[i + 7]! - 48;
  if ((minor !== 0 && minor !== 1) || buf[i + 8] !== 13 || buf[i + 9] !== 10) return HAND_OVER;
  i += 10;

  const h = out.headers;
  h['user-agent'] = h['x-forwarded-for'] = h['x-real-ip'] = undefined;
  let hosts = 0;
  let connection = 0; // 0 none, 1 close, 2 keep-alive
  for (let count = 0; ; count++) {
    if (i + 1 >= len) return more;
    if (buf[i] === 13) {
      if (buf[i + 1] !== 10) return HAND_OVER;
      i += 2;
      break;
    }
    if (count === MAX_HEADERS) return HAND_OVER;
    const name = i;
    while (i < len && TOKEN[buf[i]!] === 1) i++;
    if (i === len) return more;
    if (buf[i] !== 58 /* : */ || i === name) return HAND_OVER;
    const nameLen = i - name;
    i++;
    while (i < len && (buf[i] === 32 || buf[i] === 9)) i++;
    const value = i;
    while (i < len && VALUE[buf[i]!] === 1) i++;
    if (i < len && buf[i] !== 13) return HAND_OVER;
    if (i + 1 >= len) return more;
    if (buf[i + 1] !== 10) return HAND_OVER;
    let valueEnd = i;
    while (valueEnd > value && (buf[valueEnd - 1] === 32 || buf[valueEnd - 1] === 9)) valueEnd--;
    i += 2;
    switch (nameLen) {
      case 4:
        if (nameIs(buf, name, 4, 'host')) hosts++;
        break;
      case 6:
        if (nameIs(buf, name, 6, 'expect')) return HAND_OVER;
        break;
      case 7:
        if (nameIs(buf, name, 7, 'upgrade')) return HAND_OVER;
        break;
      case 9:
        if (nameIs(buf, name, 9, 'x-real-ip')) h['x-real-ip'] = join(h['x-real-ip'], buf.toString('latin1', value, valueEnd));
        break;
      case 10:
        if (nameIs(buf, name, 10, 'connection')) {
          if (connection !== 0) return HAND_OVER;
          if (nameIs(buf, value, valueEnd - value, 'close')) connection = 1;
          else if (nameIs(buf, value, valueEnd - value, 'keep-alive')) connection = 2;
          else return HAND_OVER;
        } else if (nameIs(buf, name, 10, 'user-agent')) {
          h['user-agent'] ??= buf.toString('latin1', value, valueEnd);
        }
        break;
      case 14:
        if (nameIs(buf, name, 14, 'content-length')) return HAND_OVER;
        break;
      case 15:
        if (nameIs(buf, name, 15, 'x-forwarded-for')) h['x-forwarded-for'] = join(h['x-forwarded-for'], buf.toString('latin1', value, valueEnd));
        break;
      case 17:
        if (nameIs(buf, name, 17, 'transfer-encoding')) return HAND_OVER;
        break;
    }
  }
  // node:http answers an HTTP/1.1 request without Host with its own 400.
  if (minor === 1 ? hosts !== 1 : hosts > 1) return HAND_OVER;
  out.target = buf.toString('latin1', 4, targetEnd);
  out.route = served;
  out.keepAlive = minor === 1 ? connection !== 1 : connection === 2;
  return i;
}
