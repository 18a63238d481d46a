import { peerCount, peerIdOf, RECORD_LEN, recordAt, V4_AT, V4_LEN, V6_AT, V6_LEN, v4Of, v6Of } from '../store/peer-record.js';
import type { AnnounceResult } from '../store/store.js';
import { BencodeWriter } from './bencode-writer.js';
import { endpointPort, endpointText, type Address } from '../net/ip-address.js';

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

/** Endpoints of the peers being written, gathered before the reply's size is known; grown as needed, never shrunk. */
let scratch4 = Buffer.allocUnsafe(50 * V4_LEN);
let scratch6 = Buffer.allocUnsafe(50 * V6_LEN);

const isZero = (b: Buffer, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
};

/**
 * The compact reply (BEP 23, BEP 7's peers6), nearly every announce's: the peers' endpoints are
 * gathered first, then the whole reply is written into one buffer of its exact size.
 */
function compactReply(result: AnnounceResult, o: ReplyOptions): Buffer {
  const peers = result.peers;
  const count = peerCount(peers);
  if (scratch4.length < count * V4_LEN) scratch4 = Buffer.allocUnsafe(count * V4_LEN);
  if (scratch6.length < count * V6_LEN) scratch6 = Buffer.allocUnsafe(count * V6_LEN);
  let n4 = 0;
  let n6 = 0;
  for (let rec = 0; rec < peers.length; rec += RECORD_LEN) {
    if (o.ipv4 && !isZero(peers, rec + V4_AT, rec + V6_AT)) n4 += peers.copy(scratch4, n4, rec + V4_AT, rec + V6_AT);
    if (o.ipv6 && !isZero(peers, rec + V6_AT, rec + RECORD_LEN)) n6 += peers.copy(scratch6, n6, rec + V6_AT, rec + RECORD_LEN);
  }
  const ip = o.client.bytes;
  // Keys in sorted order, as bencode requires.
  const head = `d8:completei${Math.trunc(result.seeders)}e10:downloadedi${Math.trunc(result.snatches)}e11:external ip${ip.length}:`;
  const middle = `10:incompletei${Math.trunc(result.leechers)}e8:intervali${Math.trunc(o.interval)}e12:min intervali${Math.trunc(o.minInterval)}e5:peers${n4}:`;
  const six = o.ipv6 ? `6:peers6${n6}:` : '';
  const warning = o.warning === undefined ? 'e' : `15:warning message${Buffer.byteLength(o.warning)}:${o.warning}e`;
  const out = Buffer.allocUnsafe(head.length + ip.length + middle.length + n4 + six.length + n6 + Buffer.byteLength(warning));
  let at = out.write(head, 0, 'latin1');
  at += ip.copy(out, at);
  at += out.write(middle, at, 'latin1');
  at += scratch4.copy(out, at, 0, n4);
  at += out.write(six, at, 'latin1');
  at += scratch6.copy(out, at, 0, n6);
  out.write(warning, at, 'utf8');
  return out;
}

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
