import { ANNOUNCE_EVENTS, type AnnounceEvent } from '../accounting/events.js';
import { malformed } from './failure.js';
import { flag, MAX_COUNTER, optionalInteger, optionalText, requiredBytes20, requiredInteger } from './params.js';
import { decodeText } from './query.js';

export interface AnnounceParams {
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent;
  compact: boolean;
  noPeerId: boolean;
  /** Undefined when the client did not say. */
  numwant: number | undefined;
  /** BEP 7 addresses the client claims; used only when the operator allows it. */
  ip: string | undefined;
  ipv4: string | undefined;
  ipv6: string | undefined;
}

/** The parameters an announce reads; any other name is skipped. */
const NAMES = ['info_hash', 'peer_id', 'port', 'uploaded', 'downloaded', 'left', 'event', 'compact', 'no_peer_id', 'numwant', 'ip', 'ipv4', 'ipv6'] as const;
type Name = (typeof NAMES)[number];
// Slots as plain numbers: a look-up by name in an object of thirteen keys cost more than the scan.
const [INFO_HASH, PEER_ID, PORT, UPLOADED, DOWNLOADED, LEFT, EVENT, COMPACT, NO_PEER_ID, NUMWANT, IP, IPV4, IPV6] = NAMES.map((_, i) => i) as [number, number, number, number, number, number, number, number, number, number, number, number, number];
/** Slots by name length: a name is compared with the two or three of its length at most. */
const BY_LENGTH: number[][] = [];
NAMES.forEach((n, i) => (BY_LENGTH[n.length] ??= []).push(i));

/**
 * Where each parameter's raw value lies in the URL being read, by slot of NAMES: url[start..end),
 * start -1 when not given. The read is synchronous, so one set serves every announce, and the values
 * are read in place: no string is sliced per parameter.
 */
const starts = new Int32Array(NAMES.length);
const ends = new Int32Array(NAMES.length);
const repeated = new Uint8Array(NAMES.length);

/** The slot of the parameter named by url[start..end), -1 for a name the announce does not read. */
function slotOf(url: string, start: number, end: number): number {
  // A percent-encoded name is decoded first, as parseQuery does (a bad escape fails the same way).
  for (let i = start; i < end; i++) if (url.charCodeAt(i) === 37) return NAMES.indexOf(decodeText(url.slice(start, end), 'name') as Name);
  const slots = BY_LENGTH[end - start];
  if (slots !== undefined) for (const i of slots) if (url.startsWith(NAMES[i]!, start)) return i;
  return -1;
}

/**
 * Scans the query of a raw URL in place, as parseQuery splits it (parameters between '&', name and
 * value at the first '=', names decoded), keeping only where the values of the names an announce reads lie.
 */
function scan(url: string): void {
  starts.fill(-1);
  repeated.fill(0);
  const q = url.indexOf('?');
  if (q === -1) return;
  const end = url.length;
  for (let start = q + 1; start <= end; ) {
    let amp = url.indexOf('&', start);
    if (amp === -1) amp = end;
    if (amp > start) {
      let eq = url.indexOf('=', start);
      if (eq === -1 || eq > amp) eq = amp;
      const slot = slotOf(url, start, eq);
      if (slot !== -1) {
        if (starts[slot] !== -1) repeated[slot] = 1;
        else {
          starts[slot] = eq === amp ? amp : eq + 1;
          ends[slot] = amp;
        }
      }
    }
    start = amp + 1;
  }
}

/** `slot`, of a parameter that may be given once. */
function single(slot: number): number {
  if (repeated[slot] === 1) throw malformed(NAMES[slot]!, 'given more than once');
  return slot;
}

/** Reads and checks every announce parameter of a raw URL's query (BEP 3, 7, 21, 23). */
export function readAnnounceParams(url: string): AnnounceParams {
  scan(url);
  let at = single(INFO_HASH);
  const infoHash = requiredBytes20(url, starts[at]!, ends[at]!, 'info_hash');
  at = single(PEER_ID);
  const peerId = requiredBytes20(url, starts[at]!, ends[at]!, 'peer_id');
  at = single(EVENT);
  const event = optionalText(url, starts[at]!, ends[at]!, 'event') ?? '';
  if (!ANNOUNCE_EVENTS.has(event)) throw malformed('event', 'must be started, stopped, completed, paused or empty');
  // Port 0 is what some clients send with `stopped`; a peer reachable at port 0 would be useless.
  at = single(PORT);
  const port = requiredInteger(url, starts[at]!, ends[at]!, 'port', event === 'stopped' ? 0 : 1, 65535);
  at = single(UPLOADED);
  const uploaded = requiredInteger(url, starts[at]!, ends[at]!, 'uploaded', 0, MAX_COUNTER);
  at = single(DOWNLOADED);
  const downloaded = requiredInteger(url, starts[at]!, ends[at]!, 'downloaded', 0, MAX_COUNTER);
  at = single(LEFT);
  // Some clients send 2^63-1 or 2^64-1 while they lack metadata; only left > 0 matters then.
  const left = Math.min(requiredInteger(url, starts[at]!, ends[at]!, 'left', 0, 2 ** 64 - 1), MAX_COUNTER);
  at = single(COMPACT);
  const compact = flag(url, starts[at]!, ends[at]!, 'compact', true);
  at = single(NO_PEER_ID);
  const noPeerId = flag(url, starts[at]!, ends[at]!, 'no_peer_id', false);
  at = single(NUMWANT);
  const numwant = optionalInteger(url, starts[at]!, ends[at]!, 'numwant', 0, MAX_COUNTER);
  at = single(IP);
  const ip = optionalText(url, starts[at]!, ends[at]!, 'ip');
  at = single(IPV4);
  const ipv4 = optionalText(url, starts[at]!, ends[at]!, 'ipv4');
  at = single(IPV6);
  const ipv6 = optionalText(url, starts[at]!, ends[at]!, 'ipv6');
  return { infoHash, peerId, port, uploaded, downloaded, left, event: event as AnnounceEvent, compact, noPeerId, numwant, ip, ipv4, ipv6 };
}
