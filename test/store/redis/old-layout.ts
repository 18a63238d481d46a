import type { Cluster, Redis } from 'ioredis';
import { RECORD_LEN } from '../../../src/store/peer-record.js';
import type { SwarmKeys } from '../../../src/store/redis/keys.js';
import { pid, v4 } from './fixtures.js';

// A swarm as the Redis store wrote it before rotations had slots, for the migration tests: seeders
// and leechers scored by join sequence (the torrent's `seq`), the seeders' cursor holding the
// sequence of the last one handed out, no record strings.

/** Every peer's last announce. */
export const T0 = 1_000_000;
/** The user of every peer. */
export const OLD_USER = 12;

/** The old layout's peers hash value: the record, then struct '<dddd' (uploaded, downloaded, left, lastSeen). */
function storedPeer(name: string, endpoint: number, left: number): { key: Buffer; value: Buffer } {
  const record = Buffer.alloc(RECORD_LEN);
  pid(name).copy(record, 0);
  v4(endpoint).copy(record, 20);
  const state = Buffer.alloc(32);
  state.writeDoubleLE(left, 16);
  state.writeDoubleLE(T0, 24);
  return { key: Buffer.concat([Buffer.from(`${OLD_USER}:`), pid(name)]), value: Buffer.concat([record, state]) };
}

/**
 * Writes one swarm the old way, one command at a time (a cluster's reap and totals are in other
 * slots): seeders s0..s4 at sequences 1 2 4 7 9, leechers l0 l1 at 3 5, `cur_s` 4; each peer's
 * endpoint is v4(its sequence).
 */
export async function writeOldSwarm(raw: Redis | Cluster, swarm: SwarmKeys, reap: string, totals: string, infoHash: string): Promise<void> {
  const peers: Array<[string, number]> = [['s0', 1], ['s1', 2], ['s2', 4], ['s3', 7], ['s4', 9], ['l0', 3], ['l1', 5]];
  for (const [name, seq] of peers) {
    const left = name.startsWith('l') ? 5 : 0;
    const p = storedPeer(name, seq, left);
    await raw.hset(swarm.peers, p.key, p.value);
    await raw.zadd(left === 0 ? swarm.seeders : swarm.leechers, seq, p.key);
    await raw.zadd(swarm.expiry, T0, p.key);
    await raw.hincrby(swarm.owners, String(OLD_USER), 1);
    await raw.hincrby(swarm.owners, Buffer.concat([Buffer.from('i'), v4(seq).subarray(0, 4)]), 1);
  }
  await raw.hset(swarm.torrent, 'seq', 9, 'cur_s', 4);
  await raw.zadd(reap, T0, infoHash);
  await raw.hset(totals, 'seeders', 5, 'leechers', 2);
}
