import { API_KEY } from '../helpers/api-daemon.js';
import type { Random } from './random.js';
import { badValue, type HttpCase } from './tracker-cases.js';

/** A registered user and torrent the API cases may change or delete (never the tracker cases' own). */
export interface ApiTargets {
  userId: number;
  infoHash: string;
  prefix: string;
}

const ROUTES = [
  '/api/health', '/api/version', '/api/uptime', '/api/stats', '/api/counts', '/api/torrents/active', '/api/torrents/hashes',
  '/api/users/ids', '/api/whitelist', '/api/whitelist/:prefix', '/api/reload', '/api/torrent', '/api/torrent/:info_hash',
  '/api/torrent/:info_hash/peers', '/api/user', '/api/user/:user_id', '/api/user/:user_id/torrents', '/api/bulk/users',
  '/api/bulk/users/delete', '/api/bulk/torrents', '/api/bulk/torrents/delete', '/api/bulk/whitelist', '/api/openapi.json', '/metrics',
  '/api/user/:user_id/hnr', '/api/user/:user_id/adjust', '/api/user/:user_id/adjustments', '/api/user/:user_id/tokens',
  '/api/user/:user_id/tokens/:torrent_id', '/api/torrent/:torrent_id', '/api/events', '/api/events/:torrent_id',
] as const;
const METHODS = ['GET', 'GET', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'];
const FIELDS = [
  'torrent_id', 'info_hash', 'name', 'multi_up', 'multi_dn', 'enabled', 'reason', 'user_id', 'passkey', 'can_leech', 'prefix', 'client', 'ids', 'info_hashes',
  'size', 'hnr_immune', 'freeleech_until', 'tokens', 'until', 'uploaded', 'downloaded', 'kind', 'start', 'end',
];
const HEX = '0123456789abcdefABCDEF';
const TEXT = 'abcdefghijklmnopqrstuvwxyz0123456789_.~-';
const ODD_STRINGS = ['', ' ', '\u0000', '\ud800', '\udfff\ud800', '\u202e', '💥', '\\', '"', '<script>', '%00', 'a'.repeat(2000)];
const ODD_NUMBERS = [0, -1, 1.5, -0.0001, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 9_999_999_999_999_999];

/** A JSON value of any type, nested a little; numbers and strings at their edges. */
function jsonValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 2 ? 4 : 6)) {
    case 0:
      return r.chance(0.5) ? r.pick(ODD_NUMBERS) : r.int(1_000_000);
    case 1:
      return r.chance(0.5) ? r.pick(ODD_STRINGS) : r.text(r.length(64), TEXT);
    case 2:
      return r.chance(0.5);
    case 3:
      return null;
    case 4:
      return Array.from({ length: r.length(8) }, () => jsonValue(r, depth + 1));
    default:
      return record(r, depth + 1);
  }
}

/** An object with the API's own field names, each with a plausible or an odd value. */
function record(r: Random, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = r.length(8);
  for (let i = 0; i < n; i++) {
    const field = r.chance(0.9) ? r.pick(FIELDS) : r.text(r.length(12), TEXT);
    out[field] = r.chance(0.5) ? plausible(r, field) : jsonValue(r, depth);
  }
  return out;
}

function plausible(r: Random, field: string): unknown {
  switch (field) {
    case 'info_hash':
      return r.text(40, HEX);
    case 'passkey':
      return r.text(32 + r.int(8), TEXT);
    case 'torrent_id':
    case 'user_id':
    case 'size':
    case 'freeleech_until':
    case 'until':
    case 'start':
    case 'end':
      return r.int(1000);
    case 'uploaded':
    case 'downloaded':
      return r.int(2000) - 1000;
    case 'hnr_immune':
      return r.chance(0.5);
    case 'kind':
      return r.pick(['freeleech', 'double_upload', 'x']);
    case 'tokens':
      return Array.from({ length: r.length(3) }, () => ({ torrent_id: r.int(1000), until: r.int(1000) }));
    case 'multi_up':
    case 'multi_dn':
      return r.pick([0, 0.5, 1, 2, 10]);
    case 'enabled':
    case 'can_leech':
      return r.chance(0.5);
    case 'ids':
      return Array.from({ length: r.length(5) }, () => r.int(1000));
    case 'info_hashes':
      return Array.from({ length: r.length(5) }, () => r.text(40, HEX));
    default:
      return r.text(r.length(20), TEXT);
  }
}

function body(r: Random): { body: Buffer; contentType: string } | undefined {
  if (r.chance(0.2)) return undefined;
  let text: string;
  switch (r.int(6)) {
    case 0:
      return { body: r.bytes(r.length(2000)), contentType: r.pick(['application/json', 'application/octet-stream']) };
    case 1:
      text = JSON.stringify(record(r)).slice(0, r.int(200));
      break;
    case 2:
      text = JSON.stringify(Array.from({ length: r.length(20) }, () => record(r)));
      break;
    default:
      text = JSON.stringify(r.chance(0.8) ? record(r) : jsonValue(r));
  }
  const contentType = r.chance(0.9) ? 'application/json' : r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data', 'x/y']);
  return { body: Buffer.from(text, 'utf8'), contentType };
}

function fill(r: Random, route: string, t: ApiTargets): string {
  return route
    .replace(':info_hash', r.chance(0.6) ? (r.chance(0.2) ? t.infoHash : r.text(40, HEX)) : badValue(r, t.infoHash))
    .replace(':user_id', r.chance(0.6) ? String(r.chance(0.2) ? t.userId : r.int(1000)) : badValue(r, '1'))
    .replace(':prefix', r.chance(0.6) ? (r.chance(0.2) ? t.prefix : r.text(1 + r.int(20), TEXT)) : badValue(r, t.prefix))
    .replace(':torrent_id', r.chance(0.6) ? String(r.int(1000)) : badValue(r, '1'));
}

function authorization(r: Random): string | undefined {
  const roll = r.next();
  if (roll < 0.7) return `Bearer ${API_KEY}`;
  if (roll < 0.8) return `Basic ${Buffer.from('site:secret-pass-of-16+chars').toString('base64')}`;
  return r.pick([undefined, 'Bearer', 'Bearer ', `Bearer ${API_KEY}x`, 'Basic !!!', 'Basic Og==', `Basic ${Buffer.from('site:').toString('base64')}`, 'Digest x', `bearer ${API_KEY}`, 'x'.repeat(3000)]);
}

/** A request to the API: any route or none, any method, odd path and query parameters, bodies and credentials. */
export function apiCase(r: Random, t: ApiTargets): HttpCase {
  let path = r.chance(0.95) ? fill(r, r.pick(ROUTES), t) : `/${r.text(r.length(60), TEXT + '/%')}`;
  if (r.chance(0.3)) path += `?${r.pick(['limit', 'purge', 'x', ''])}=${r.chance(0.5) ? String(r.int(200)) : badValue(r, 'true')}`;
  const method = r.pick(METHODS);
  const headers: Record<string, string> = {};
  const auth = authorization(r);
  if (auth !== undefined) headers.authorization = auth;
  const b = method === 'HEAD' || (method === 'GET' && r.chance(0.9)) ? undefined : body(r);
  if (b) headers['content-type'] = b.contentType;
  return { method, path, headers, body: b?.body };
}
