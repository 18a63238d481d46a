import { peerIdOf, v4Of, v6Of } from '../store/peer-record.js';
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

/** The bencoded success reply; keys in sorted order as bencode requires. */
export function announceReply(result: AnnounceResult, o: ReplyOptions): Buffer {
  const w = new BencodeWriter()
    .raw('d')
    .int('complete', result.seeders)
    .int('downloaded', result.snatches)
    .bytes('external ip', o.client.bytes)
    .int('incomplete', result.leechers)
    .int('interval', o.interval)
    .int('min interval', o.minInterval);

  if (o.compact) {
    const v4: Buffer[] = [];
    const v6: Buffer[] = [];
    for (const rec of result.peers) {
      const a = o.ipv4 ? v4Of(rec) : undefined;
      const b = o.ipv6 ? v6Of(rec) : undefined;
      if (a) v4.push(a);
      if (b) v6.push(b);
    }
    w.joined('peers', v4, v4.length * 6);
    if (o.ipv6) w.joined('peers6', v6, v6.length * 18);
  } else {
    // The asker's own address family first: those are the endpoints it can surely reach.
    const own = o.client.family === 4 ? v4Of : v6Of;
    const other = o.client.family === 4 ? v6Of : v4Of;
    const otherOn = o.client.family === 4 ? o.ipv6 : o.ipv4;
    const ownOn = o.client.family === 4 ? o.ipv4 : o.ipv6;
    w.raw('5:peersl');
    if (ownOn) for (const rec of result.peers) {
      const e = own(rec);
      if (e) dictPeer(w, peerIdOf(rec), e, o.noPeerId);
    }
    if (otherOn) for (const rec of result.peers) {
      const e = other(rec);
      if (e) dictPeer(w, peerIdOf(rec), e, o.noPeerId);
    }
    w.raw('e');
  }
  if (o.warning !== undefined) w.str('warning message', o.warning);
  return w.raw('e').done();
}
