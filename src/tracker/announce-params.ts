import { ANNOUNCE_EVENTS, type AnnounceEvent } from '../accounting/events.js';
import { malformed } from './failure.js';
import { bytes20, flag, MAX_COUNTER, optionalInteger, optionalText, required, requiredInteger } from './params.js';
import type { RawQuery } from './query.js';

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

/** Reads and checks every announce parameter (BEP 3, 7, 21, 23). */
export function readAnnounceParams(q: RawQuery): AnnounceParams {
  const infoHash = bytes20(required(q, 'info_hash'), 'info_hash');
  const peerId = bytes20(required(q, 'peer_id'), 'peer_id');
  const event = optionalText(q, 'event') ?? '';
  if (!ANNOUNCE_EVENTS.has(event)) throw malformed('event', 'must be started, stopped, completed, paused or empty');
  // Port 0 is what some clients send with `stopped`; a peer reachable at port 0 would be useless.
  const port = requiredInteger(q, 'port', event === 'stopped' ? 0 : 1, 65535);
  return {
    infoHash,
    peerId,
    port,
    uploaded: requiredInteger(q, 'uploaded', 0, MAX_COUNTER),
    downloaded: requiredInteger(q, 'downloaded', 0, MAX_COUNTER),
    // Some clients send 2^63-1 or 2^64-1 while they lack metadata; only left > 0 matters then.
    left: Math.min(requiredInteger(q, 'left', 0, 2 ** 64 - 1), MAX_COUNTER),
    event: event as AnnounceEvent,
    compact: flag(q, 'compact', true),
    noPeerId: flag(q, 'no_peer_id', false),
    numwant: optionalInteger(q, 'numwant', 0, MAX_COUNTER),
    ip: optionalText(q, 'ip'),
    ipv4: optionalText(q, 'ipv4'),
    ipv6: optionalText(q, 'ipv6'),
  };
}
