import { peerCount, peerIdOf, RECORD_LEN, recordAt, V4_AT, V4_LEN, V6_AT, V6_LEN, v4Of, v6Of } from '../store/peer-record.js';
import type { AnnounceResult } from '../store/store.js';
import { BencodeWriter } from './bencode-writer.js';
import { endpointPort, endpointText, type Address } from '../net/ip-address.js';
import { decimalLength, putAscii, putBytes, putDecimal } from '../net/ascii-out.js';

export interface ReplyOptions {
  interval: number;
  minInterval: number;
  compact: boolean;
  noPeerId: boolean;
  ipv4: boolean;
  ipv6: boolean;
  client: Address;
  warning: string | undefined;
}

function dictPeer(w: BencodeWriter, peerId: Buffer, endpoint: Buffer, noPeerId: boolean): void {
  w.raw('d').str('ip', endpointText(endpoint));
  if (!noPeerId) w.bytes('peer id', peerId);
  w.int('port', endpointPort(endpoint)).raw('e');
}

const isZero = (b: Buffer, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
};

/** A figure of the reply as bencode writes it: a whole number (negative ones never occur; 0 then). */
const whole = (n: number): number => Math.max(0, Math.trunc(n));

/**
 * The compact reply (BEP 23, BEP 7's peers6), nearly every announce's: the peers' endpoints are
 * counted first, then the whole reply is written into one buffer of its exact size, the endpoints
 * copied straight from the store's records (no scratch buffer, no Buffer#copy per peer).
 */
function compactReply(result: AnnounceResult, o: ReplyOptions): Buffer {
  const peers = result.peers;
  let n4 = 0;
  let n6 = 0;
  for (let rec = 0; rec < peers.length; rec += RECORD_LEN) {
    if (o.ipv4 && !isZero(peers, rec + V4_AT, rec + V6_AT)) n4 += V4_LEN;
    if (o.ipv6 && !isZero(peers, rec + V6_AT, rec + RECORD_LEN)) n6 += V6_LEN;
  }
  const ip = o.client.bytes;
  const seeders = whole(result.seeders);
  const snatches = whole(result.snatches);
  const leechers = whole(result.leechers);
  const interval = whole(o.interval);
  const minInterval = whole(o.minInterval);
  const warningLength = o.warning === undefined ? -1 : Buffer.byteLength(o.warning);
  // Keys in sorted order, as bencode requires; the lengths of the texts below, then the figures'.
  const size =
    HEAD.length + decimalLength(seeders) + DOWNLOADED.length + decimalLength(snatches) + EXTERNAL_IP.length + decimalLength(ip.length) + 1 + ip.length +
    INCOMPLETE.length + decimalLength(leechers) + INTERVAL.length + decimalLength(interval) + MIN_INTERVAL.length + decimalLength(minInterval) + PEERS.length + decimalLength(n4) + 1 + n4 +
    (o.ipv6 ? PEERS6.length + decimalLength(n6) + 1 + n6 : 0) +
    (warningLength < 0 ? 0 : WARNING.length + decimalLength(warningLength) + 1 + warningLength) +
    1;
  const out = Buffer.allocUnsafe(size);
  let at = putDecimal(out, putAscii(out, 0, HEAD), seeders);
  at = putDecimal(out, putAscii(out, at, DOWNLOADED), snatches);
  at = putDecimal(out, putAscii(out, at, EXTERNAL_IP), ip.length);
  out[at++] = COLON;
  at = putBytes(out, at, ip, 0, ip.length);
  at = putDecimal(out, putAscii(out, at, INCOMPLETE), leechers);
  at = putDecimal(out, putAscii(out, at, INTERVAL), interval);
  at = putDecimal(out, putAscii(out, at, MIN_INTERVAL), minInterval);
  at = putDecimal(out, putAscii(out, at, PEERS), n4);
  out[at++] = COLON;
  if (n4 > 0) for (let rec = 0; rec < peers.length; rec += RECORD_LEN) if (!isZero(peers, rec + V4_AT, rec + V6_AT)) at = putBytes(out, at, peers, rec + V4_AT, rec + V6_AT);
  if (o.ipv6) {
    at = putDecimal(out, putAscii(out, at, PEERS6), n6);
    out[at++] = COLON;
    if (n6 > 0) for (let rec = 0; rec < peers.length; rec += RECORD_LEN) if (!isZero(peers, rec + V6_AT, rec + RECORD_LEN)) at = putBytes(out, at, peers, rec + V6_AT, rec + RECORD_LEN);
  }
  if (o.warning !== undefined) {
    at = putDecimal(out, putAscii(out, at, WARNING), warningLength);
    out[at++] = COLON;
    at += out.write(o.warning, at, 'utf8');
  }
  out[at] = 0x65; // e
  return out;
}

const COLON = 0x3a;
const HEAD = 'd8:completei';
const DOWNLOADED = 'e10:downloadedi';
const EXTERNAL_IP = 'e11:external ip';
const INCOMPLETE = '10:incompletei';
const INTERVAL = 'e8:intervali';
const MIN_INTERVAL = 'e12:min intervali';
const PEERS = 'e5:peers';
const PEERS6 = '6:peers6';
const WARNING = '15:warning message';

/** The bencoded success reply; keys in sorted order as bencode requires. The dictionary form (compact=0) is rare: a writer of parts. */
export function announceReply(result: AnnounceResult, o: ReplyOptions): Buffer {
  if (o.compact) return compactReply(result, o);
  const w = new BencodeWriter()
    .raw('d')
    .int('complete', result.seeders)
    .int('downloaded', result.snatches)
    .bytes('external ip', o.client.bytes)
    .int('incomplete', result.leechers)
    .int('interval', o.interval)
    .int('min interval', o.minInterval);

  // The asker's own address family first: those are the endpoints it can surely reach.
  const own = o.client.family === 4 ? v4Of : v6Of;
  const other = o.client.family === 4 ? v6Of : v4Of;
  const otherOn = o.client.family === 4 ? o.ipv6 : o.ipv4;
  const ownOn = o.client.family === 4 ? o.ipv4 : o.ipv6;
  w.raw('5:peersl');
  const count = peerCount(result.peers);
  if (ownOn) for (let i = 0; i < count; i++) {
    const rec = recordAt(result.peers, i);
    const e = own(rec);
    if (e) dictPeer(w, peerIdOf(rec), e, o.noPeerId);
  }
  if (otherOn) for (let i = 0; i < count; i++) {
    const rec = recordAt(result.peers, i);
    const e = other(rec);
    if (e) dictPeer(w, peerIdOf(rec), e, o.noPeerId);
  }
  w.raw('e');
  if (o.warning !== undefined) w.str('warning message', o.warning);
  return w.raw('e').done();
}
