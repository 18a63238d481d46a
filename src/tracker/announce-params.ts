import { ANNOUNCE_EVENTS, type AnnounceEvent } from '../accounting/events.js';
import { malformed } from './failure.js';
import { bytes20, flag, MAX_COUNTER, optionalInteger, optionalText, required, requiredInteger } from './params.js';
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
const SLOT = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<Name, number>;
/** Slots by name length: a name is compared with the two or three of its length at most. */
const BY_LENGTH: number[][] = [];
NAMES.forEach((n, i) => (BY_LENGTH[n.length] ??= []).push(i));

/** Raw values by slot of NAMES, for the announce being read (the read is synchronous: one set serves every announce). */
const found: Array<string | undefined> = NAMES.map(() => undefined);
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
 * value at the first '=', names decoded), keeping only the raw values of the names an announce reads.
 */
function scan(url: string): void {
  found.fill(undefined);
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
        if (found[slot] !== undefined) repeated[slot] = 1;
        else found[slot] = eq === amp ? '' : url.slice(eq + 1, amp);
      }
    }
    start = amp + 1;
  }
}

/** The raw value of a parameter that may be given once. */
function single(name: Name): string | undefined {
  const slot = SLOT[name];
  if (repeated[slot] === 1) throw malformed(name, 'given more than once');
  return found[slot];
}

/** Reads and checks every announce parameter of a raw URL's query (BEP 3, 7, 21, 23). */
export function readAnnounceParams(url: string): AnnounceParams {
  scan(url);
  const infoHash = bytes20(required(single('info_hash'), 'info_hash'), 'info_hash');
  const peerId = bytes20(required(single('peer_id'), 'peer_id'), 'peer_id');
  const event = optionalText(single('event'), 'event') ?? '';
  if (!ANNOUNCE_EVENTS.has(event)) throw malformed('event', 'must be started, stopped, completed, paused or empty');
  // Port 0 is what some clients send with `stopped`; a peer reachable at port 0 would be useless.
  const port = requiredInteger(single('port'), 'port', event === 'stopped' ? 0 : 1, 65535);
  return {
    infoHash,
    peerId,
    port,
    uploaded: requiredInteger(single('uploaded'), 'uploaded', 0, MAX_COUNTER),
    downloaded: requiredInteger(single('downloaded'), 'downloaded', 0, MAX_COUNTER),
    // Some clients send 2^63-1 or 2^64-1 while they lack metadata; only left > 0 matters then.
    left: Math.min(requiredInteger(single('left'), 'left', 0, 2 ** 64 - 1), MAX_COUNTER),
    event: event as AnnounceEvent,
    compact: flag(single('compact'), 'compact', true),
    noPeerId: flag(single('no_peer_id'), 'no_peer_id', false),
    numwant: optionalInteger(single('numwant'), 'numwant', 0, MAX_COUNTER),
    ip: optionalText(single('ip'), 'ip'),
    ipv4: optionalText(single('ipv4'), 'ipv4'),
    ipv6: optionalText(single('ipv6'), 'ipv6'),
  };
}
