import { Cluster } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peerIdOf, recordsOf, RECORD_LEN } from '../../../src/store/peer-record.js';
import { hashSlot } from '../../../src/store/redis/hash-slot.js';
import { RedisKeys } from '../../../src/store/redis/keys.js';
import { RedisClusterStore } from '../../../src/store/redis/redis-cluster-store.js';
import { SWARM_LAYOUT } from '../../../src/store/redis/swarm-layout.js';
import { useRedisCluster } from '../../helpers/redis-cluster.js';
import { input, pid, torrent, user, v4 } from './fixtures.js';
import { OLD_USER, T0, writeOldSwarm } from './old-layout.js';

// On a cluster every swarm with peers is in the reap set of its own hash slot: the migration at
// open looks through all of them.

const cluster = useRedisCluster();
const keys = new RedisKeys('mika:', true);
let raw: Cluster;
let store: RedisClusterStore | undefined;
beforeEach(async () => {
  raw = new Cluster(cluster().seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  raw.disconnect();
});

const t = torrent(10);
const swarm = keys.swarm(t.infoHash);
const label = (rec: Buffer): string => peerIdOf(rec).toString('latin1').replace(/\.+$/, '');

describe('when a cluster store opens on swarms written by the previous version', () => {
  it("finds them in their slots' reap sets and moves them to slots before its first announce", async () => {
    const slot = keys.slot(hashSlot(t.infoHash));
    await writeOldSwarm(raw, swarm, slot.reap, slot.totals, t.infoHash);
    store = new RedisClusterStore({ url: 'redis://', mode: 'cluster', nodes: cluster().seeds, keyPrefix: 'mika:' });
    await store.open();
    await store.putUser(user(1));
    await store.putUser(user(OLD_USER));
    await store.putTorrent(t);
    expect(await raw.get(keys.layout)).toBe(SWARM_LAYOUT);
    expect(await raw.zrange(swarm.leechers, 0, -1, 'WITHSCORES')).toEqual(['12:l0' + '.'.repeat(18), '0', '12:l1' + '.'.repeat(18), '1']);
    expect(await raw.strlen(swarm.seederRecords)).toBe(5 * RECORD_LEN);
    const r = await store.announce(input(user(1), t, pid('asker'), { left: 1, numwant: 4, endpoint: v4(999), now: T0 + 10 }));
    expect(recordsOf(r.peers).map(label)).toEqual(['s3', 's4', 's0', 's1']);
  });
});
