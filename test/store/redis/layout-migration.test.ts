import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peerIdOf, recordsOf, RECORD_LEN, v4Of } from '../../../src/store/peer-record.js';
import { RedisKeys } from '../../../src/store/redis/keys.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import { SWARM_LAYOUT } from '../../../src/store/redis/swarm-layout.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { input, pid, redisStore, torrent, user, v4 } from './fixtures.js';
import { OLD_USER, T0, writeOldSwarm as writeOld } from './old-layout.js';

// A Redis written before rotations had slots: seeders and leechers scored by join sequence (the
// torrent's `seq`), cursors holding the score of the last peer handed out, no record strings. The
// store moves it to the slot layout at open, before its first announce.

const redis = useRedisServer();
const keys = new RedisKeys('mika:');
const stores: RedisStore[] = [];
let raw: Redis;
beforeEach(async () => {
  raw = new Redis(redis().url, { lazyConnect: true });
  await raw.connect();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  raw.disconnect();
});

const open = async (): Promise<RedisStore> => {
  const s = redisStore(redis().url);
  stores.push(s);
  await s.open();
  return s;
};

const alice = user(1);
const bob = user(OLD_USER);
const t = torrent(10);
const swarm = keys.swarm(t.infoHash);
const label = (rec: Buffer): string => peerIdOf(rec).toString('latin1').replace(/\.+$/, '');
const writeOldSwarm = () => writeOld(raw, swarm, keys.reap, keys.totals, t.infoHash);

/** Everything the layout holds of the swarm, to compare two states. */
async function layoutOf(): Promise<unknown> {
  return {
    seeders: (await raw.zrangeBuffer(swarm.seeders, 0, -1, 'WITHSCORES')).map(String),
    leechers: (await raw.zrangeBuffer(swarm.leechers, 0, -1, 'WITHSCORES')).map(String),
    seederRecords: await raw.getBuffer(swarm.seederRecords),
    leecherRecords: await raw.getBuffer(swarm.leecherRecords),
    cursors: await raw.hmget(swarm.torrent, 'seq', 'cur_s', 'cur_l'),
  };
}

describe('when the store opens on swarms written by the previous version', () => {
  it('gives each peer its slot in join order, builds the record strings and goes on from the old cursor', async () => {
    await writeOldSwarm();
    const store = await open();
    expect(await raw.get(keys.layout)).toBe(SWARM_LAYOUT);
    expect(await raw.zrange(swarm.seeders, 0, -1, 'WITHSCORES')).toEqual(['12:s0' + '.'.repeat(18), '0', '12:s1' + '.'.repeat(18), '1', '12:s2' + '.'.repeat(18), '2', '12:s3' + '.'.repeat(18), '3', '12:s4' + '.'.repeat(18), '4']);
    expect(await raw.strlen(swarm.seederRecords)).toBe(5 * RECORD_LEN);
    expect(await raw.strlen(swarm.leecherRecords)).toBe(2 * RECORD_LEN);
    // The old cursor (4) was s2's sequence: the next seeder handed out is s3, now in slot 3.
    expect(await raw.hmget(swarm.torrent, 'seq', 'cur_s', 'cur_l')).toEqual([null, '3', null]);

    const ask = async (numwant: number) => recordsOf((await store.announce(input(alice, t, pid('asker'), { left: 1, numwant, endpoint: v4(999), now: T0 + 10 }))).peers);
    const first = await ask(2);
    expect(first.map(label)).toEqual(['s3', 's4']);
    // Records come from the peers hash: s3 joined at sequence 7, so its endpoint is v4(7).
    expect(v4Of(first[0]!)!.equals(v4(7))).toBe(true);
    expect((await ask(9)).map(label)).toEqual(['s0', 's1', 's2', 's3', 's4', 'l0', 'l1']);
  });

  it('announces, stops and reaps afterwards keep the counts and the totals right', async () => {
    await writeOldSwarm();
    const store = await open();
    await store.announce(input(bob, t, pid('s1'), { event: 'stopped', now: T0 + 5 }));
    await store.announce(input(bob, t, pid('l0'), { left: 0, now: T0 + 5, numwant: 0 }));
    expect(await store.torrentStats(t.infoHash)).toMatchObject({ seeders: 5, leechers: 1 });
    expect(await store.totals()).toEqual({ seeders: 5, leechers: 1 });
    const r = await store.announce(input(alice, t, pid('asker'), { left: 1, numwant: 10, endpoint: v4(999), now: T0 + 10 }));
    // s1's slot went to s4, l0 joined the seeders' back, and the migrated cursor starts at slot 3.
    expect(recordsOf(r.peers).map(label)).toEqual(['s3', 'l0', 's0', 's4', 's2', 'l1']);
    // s0, s2, s3, s4 and l1 are silent since T0; l0 and the asker announced after the cutoff.
    expect(await store.reap(T0 + 305, 300)).toBe(5);
    expect(await store.torrentStats(t.infoHash)).toMatchObject({ seeders: 1, leechers: 1 });
    expect(await store.totals()).toEqual({ seeders: 1, leechers: 1 });
  });

  it('a second migration of the same data changes nothing, and the next open does not run it', async () => {
    await writeOldSwarm();
    await open();
    const migrated = await layoutOf();
    await raw.del(keys.layout);
    await open();
    expect(await layoutOf()).toEqual(migrated);
    expect(await raw.get(keys.layout)).toBe(SWARM_LAYOUT);
  });

  it('an empty Redis is marked as the slot layout at once', async () => {
    await open();
    expect(await raw.get(keys.layout)).toBe(SWARM_LAYOUT);
  });
});
