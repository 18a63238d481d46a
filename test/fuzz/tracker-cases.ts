import { encodeBytes } from '../helpers/tracker-harness.js';
import type { Random } from './random.js';

/** One HTTP request as an HTTP client library can send it (undici Pool). */
export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** The registered user, torrent and whitelisted peer_ids the cases start from, so they get deep. */
export interface TrackerTargets {
  passkey: string;
  infoHash: Buffer;
  peerIds: Buffer[];
  /** Registered users the rules refuse (disabled, may not leech): used now and then instead of `passkey`. */
  otherPasskeys: string[];
  /** Registered torrents the rules refuse (disabled): used now and then instead of `infoHash`. */
  otherInfoHashes: Buffer[];
}

/** Printable ASCII (0x21–0x7E): node:http takes every one of them in a URL, so the tracker's own parser meets them. */
const URL_BYTES = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
/** Every byte undici lets into a request path (0x21–0xFF); node:http refuses 0x7F and up with a 400 before the tracker sees them. */
const PATH_BYTES = `${URL_BYTES}${Array.from({ length: 0x100 - 0x7f }, (_, i) => String.fromCharCode(0x7f + i)).join('')}`;

/** Raw text for a URL: mostly bytes that reach the tracker, now and then ones node:http refuses. */
const urlText = (r: Random, max: number): string => r.text(r.length(max), r.chance(0.1) ? PATH_BYTES : URL_BYTES);
/** Header value bytes undici lets through (no CR, LF, NUL). */
const HEADER_BYTES = `\t${Array.from({ length: 0xff - 0x1f }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => c !== '\x7f').join('')}`;
const TOKEN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

const HUGE = ['18446744073709551615', '18446744073709551616', '9007199254740991', '9007199254740992', '99999999999999999999999', '1e400', '0x10', '1.5', '1e3', '+1', '%2B1', '%201', 'Infinity', 'NaN', '00000000000000000000001'];
const NEGATIVE = ['-1', '-0', '-9223372036854775808', '%2D1', '-65536'];
const TRUNCATED = ['%', '%A', '%a', '%G0', '%%', '%0', '%-1', '%\u00ff', '%%41'];
const BAD_UTF8 = ['%C3%28', '%FF%FE%FD', '%ED%A0%80', '%C0%AF', '%F4%90%80%80', '%E2%82', '\u00c3', '\u00ff\u00fe', '%00'];
const EVENTS = ['started', 'stopped', 'completed', 'paused', '', 'STARTED', 'start', 'stopped%00', 'empty', 'update'];
const METHODS = ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'LINK'];
const OVERLONG = [300, 1000, 8000, 8200, 9000, 17_000, 70_000];

/** A parameter value that breaks one rule or another; `base` is a valid value it may start from. */
export function badValue(r: Random, base: string): string {
  switch (r.int(11)) {
    case 0:
      return encodeBytes(r.bytes(r.length(64)));
    case 1:
      return urlText(r, 64);
    case 2:
      return r.chance(0.3) ? '9'.repeat(1 + r.length(400)) : r.pick(HUGE);
    case 3:
      return r.pick(NEGATIVE);
    case 4: {
      const at = r.int(base.length + 1);
      return base.slice(0, at) + r.pick(TRUNCATED) + (r.chance(0.5) ? base.slice(at) : '');
    }
    case 5:
      return base + r.pick(BAD_UTF8) + (r.chance(0.5) ? r.pick(BAD_UTF8) : '');
    case 6:
      return 'A'.repeat(r.pick(OVERLONG));
    case 7:
      return encodeBytes(r.bytes(r.pick([0, 1, 19, 21, 40])));
    case 8:
      return String(r.int(1 << 30));
    case 9:
      return '';
    default:
      return base.slice(0, r.int(base.length + 1));
  }
}

type Param = [name: string, value: string];

function announceParams(r: Random, t: TrackerTargets): Param[] {
  const roll = r.next();
  const infoHash = roll < 0.05 ? r.pick(t.otherInfoHashes) : roll < 0.1 ? r.bytes(20) : t.infoHash;
  const p: Param[] = [
    ['info_hash', encodeBytes(infoHash)],
    ['peer_id', encodeBytes(r.chance(0.05) ? r.bytes(20) : r.pick(t.peerIds))],
    ['port', String(1 + r.int(65_535))],
    ['uploaded', String(r.int(1 << 30))],
    ['downloaded', String(r.int(1 << 30))],
    ['left', String(r.chance(0.5) ? 0 : r.int(1 << 30))],
  ];
  if (r.chance(0.5)) p.push(['event', r.pick(EVENTS)]);
  if (r.chance(0.5)) p.push(['compact', r.pick(['1', '0', '2', ''])]);
  if (r.chance(0.3)) p.push(['numwant', String(r.int(2000))]);
  if (r.chance(0.2)) p.push(['no_peer_id', r.pick(['1', '0'])]);
  if (r.chance(0.2)) p.push(['key', r.text(8, TOKEN)]);
  if (r.chance(0.1)) p.push([r.pick(['ip', 'ipv4', 'ipv6']), r.pick(['127.0.0.1', '::1', '999.1.1.1', '1.2.3.4%00', 'fe80::1%25eth0', '::ffff:1.2.3.4'])]);
  return p;
}

function scrapeParams(r: Random, t: TrackerTargets): Param[] {
  const n = r.chance(0.1) ? 90 + r.int(30) : r.int(6);
  return Array.from({ length: n }, (): Param => ['info_hash', r.chance(0.7) ? encodeBytes(r.chance(0.5) ? t.infoHash : r.bytes(20)) : badValue(r, encodeBytes(t.infoHash))]);
}

/** Breaks the parameter list: a value, a missing or repeated parameter, junk names, reorderings. */
function mutate(r: Random, p: Param[]): void {
  const i = p.length > 0 ? r.int(p.length) : 0;
  switch (r.int(7)) {
    case 0:
    case 1:
      if (p[i]) p[i]![1] = badValue(r, p[i]![1]);
      break;
    case 2:
      p.splice(i, 1);
      break;
    case 3:
      if (p[i]) p.splice(r.int(p.length + 1), 0, [p[i]![0], r.chance(0.5) ? p[i]![1] : badValue(r, p[i]![1])]);
      break;
    case 4:
      p.splice(r.int(p.length + 1), 0, [r.chance(0.5) ? urlText(r, 30) : encodeBytes(r.bytes(r.length(10))), badValue(r, '1')]);
      break;
    case 5:
      p.sort(() => r.next() - 0.5);
      break;
    default:
      if (p[i]) p[i]![0] = badValue(r, p[i]![0]);
  }
}

function query(r: Random, p: Param[]): string {
  const parts = p.map(([n, v]) => (r.chance(0.02) ? n : `${n}=${v}`));
  if (r.chance(0.05)) parts.splice(r.int(parts.length + 1), 0, r.pick(['', '=', '==', '&', '=x', '%']));
  return parts.join(r.chance(0.02) ? r.pick([';', '&&', '+']) : '&');
}

function path(r: Random, t: TrackerTargets, kind: 'announce' | 'scrape'): string {
  const roll = r.next();
  const pk = roll < 0.8 ? t.passkey : roll < 0.85 ? r.pick(t.otherPasskeys) : r.pick([badValue(r, t.passkey), '', 'x'.repeat(129), `${t.passkey}/..`, '%2e%2e', t.passkey.toUpperCase()]);
  switch (r.int(10)) {
    case 0:
      return `/${kind}/${pk}`;
    case 1:
      return r.pick([`/${kind}`, `/${kind}/`, `//${kind}`, `/${pk}//${kind}`, `/${pk}/${kind}/`, `/a/${pk}/${kind}`, `/${pk}/${kind}.php`, '/', `/${urlText(r, 40)}`]);
    default:
      return `/${pk}/${kind}`;
  }
}

/** A malformed (or now and then valid) announce or scrape, with odd methods, headers and bodies. */
export function trackerCase(r: Random, t: TrackerTargets): HttpCase {
  const kind = r.chance(0.8) ? 'announce' : 'scrape';
  const p = kind === 'announce' ? announceParams(r, t) : scrapeParams(r, t);
  const rounds = r.chance(0.1) ? 0 : 1 + r.int(3);
  for (let i = 0; i < rounds; i++) mutate(r, p);
  let target = path(r, t, kind);
  if (r.chance(0.97)) target += `?${query(r, p)}`;
  if (r.chance(0.02)) target += `#${urlText(r, 20)}`;

  const method = r.chance(0.9) ? 'GET' : r.pick(METHODS);
  const headers: Record<string, string> = {};
  if (r.chance(0.1)) headers['x-forwarded-for'] = r.pick(['127.0.0.1', '1.2.3.4, 5.6.7.8', 'garbage', '::1', '', r.text(r.length(100), HEADER_BYTES)]);
  if (r.chance(0.05)) headers['x-real-ip'] = r.text(r.length(40), HEADER_BYTES);
  if (r.chance(0.05)) headers['accept-encoding'] = r.pick(['gzip', 'deflate, br', '*', 'identity;q=0']);
  if (r.chance(0.1)) headers[`x-${r.text(1 + r.length(20), TOKEN)}`] = r.chance(0.1) ? 'h'.repeat(r.pick([8000, 17_000])) : r.text(r.length(200), HEADER_BYTES);
  let body: Buffer | undefined;
  if (method !== 'HEAD' && r.chance(0.1)) {
    body = r.chance(0.5) ? r.bytes(r.length(4096)) : Buffer.from(`info_hash=${encodeBytes(t.infoHash)}&port=1`, 'latin1');
    headers['content-type'] = r.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', r.text(r.length(30), TOKEN)]);
  }
  return { method, path: target, headers, body };
}
