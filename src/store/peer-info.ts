import type { PeerState } from '../accounting/settle.js';
import { endpointPort, endpointText } from '../net/ip-address.js';
import { peerIdOf, PEER_ID_LEN, v4Of, v6Of } from './peer-record.js';
import type { PeerInfo } from './records.js';

// A swarm's peer as the API shows it, decoded the same way by both stores from what they keep: the
// peer's key, its 44-byte record and its last reported state.

/** A peer's key: `<uid>:` followed by the 20 peer_id bytes as latin1 text (the journal's and Redis's field name for it). */
export const peerKey = (userId: number, peerId: Buffer): string => `${userId}:${peerId.toString('latin1')}`;

/** The user id of a peer key: `<uid>:` followed by the 20 peer_id bytes (as latin1 text). */
export const userIdOfPeerKey = (key: string): number => Number(key.slice(0, key.length - PEER_ID_LEN - 1));

/** One peer from its record (peer-record.ts) and state; an endpoint family it never announced is left out. */
export function peerInfo(userId: number, record: Buffer, state: PeerState): PeerInfo {
  const v4 = v4Of(record);
  const v6 = v6Of(record);
  return {
    userId,
    peerId: peerIdOf(record).toString('hex'),
    ...(v4 && { ipv4: endpointText(v4), ipv4Port: endpointPort(v4) }),
    ...(v6 && { ipv6: endpointText(v6), ipv6Port: endpointPort(v6) }),
    uploaded: state.uploaded,
    downloaded: state.downloaded,
    left: state.left,
    seeder: state.left === 0,
    lastSeen: state.lastSeen,
  };
}

/** Sorts a swarm's peers as `Store.peers` promises: seeders first, then by user id and peer_id (the same order from every store). */
export function seedersFirst(peers: PeerInfo[]): PeerInfo[] {
  return peers.sort((a, b) => Number(b.seeder) - Number(a.seeder) || a.userId - b.userId || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
}
