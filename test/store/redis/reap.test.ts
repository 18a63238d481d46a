import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../../src/store/redis/keys.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { input, pid, redisStore, torrent, user } from './fixtures.js';

const redis = useRedisServer();
let store: RedisStore;
const keys = new RedisKeys('mika:');
beforeEach(async () => {
  store = redisStore(redis().url);
  await store.open();
});
afterEach(async () => {
  await store.close();
});

const u = user(1);
const [t1, t2, t3] = [torrent(1), torrent(2), torrent(3)];
const T0 = 1_000_000;
/** The integer reply of a command, e.g. ":3\r\n" → 3. */
const int = async (...cmd: string[]) => Number((await redis().command(...cmd)).slice(1).trim());

describe('when peers go silent', () => {
  it('drops exactly the peers silent since before now - ttl, in every swarm, and the counts follow', async () => {
    await store.announce(input(u, t1, pid('a'), { now: T0 }));
    await store.announce(input(u, t1, pid('b'), { now: T0 + 100, left: 5 }));
    await store.announce(input(u, t2, pid('c'), { now: T0 + 49, left: 5 }));
    await store.announce(input(u, t3, pid('d'), { now: T0 + 300 }));
    expect(await store.reap(T0 + 450, 400)).toBe(2); // a (T0) and c (T0+49); b (T0+100) is after the cutoff (T0+50)
    expect(await store.scrape([t1, t2, t3].map((t) => t.infoHash))).toEqual([]); // not registered
    expect(await store.torrentStats(t1.infoHash)).toMatchObject({ seeders: 0, leechers: 1 });
    expect(await store.torrentStats(t2.infoHash)).toMatchObject({ seeders: 0, leechers: 0 });
    expect(await store.torrentStats(t3.infoHash)).toMatchObject({ seeders: 1, leechers: 0 });
    expect(await store.reap(T0 + 450, 400)).toBe(0);
  });

  it('empties the swarm keys it reaps and keeps each reap time at or before the oldest peer', async () => {
    await store.announce(input(u, t1, pid('a'), { now: T0 }));
    await store.announce(input(u, t1, pid('b'), { now: T0 + 200 }));
    await store.announce(input(u, t2, pid('c'), { now: T0 }));
    await store.reap(T0 + 500, 400);
    const s1 = keys.swarm(t1.infoHash);
    const s2 = keys.swarm(t2.infoHash);
    expect(await int('HLEN', s1.peers)).toBe(1);
    expect(await int('ZCARD', s1.expiry)).toBe(1);
    expect(await redis().command('ZSCORE', keys.reap, t1.infoHash)).toContain(String(T0 + 200));
    for (const k of [s2.peers, s2.seeders, s2.leechers, s2.expiry]) expect(await int('EXISTS', k)).toBe(0);
    expect(await int('ZCARD', keys.reap)).toBe(1);
  });

  it('a swarm left by stopped peers leaves the reap set at once', async () => {
    await store.announce(input(u, t1, pid('a'), { now: T0 }));
    await store.announce(input(u, t1, pid('a'), { now: T0 + 1, event: 'stopped' }));
    expect(await int('ZCARD', keys.reap)).toBe(0);
  });

  it('drops thousands of peers of one swarm in one sweep, and the totals follow', async () => {
    const n = 2500;
    await Promise.all(Array.from({ length: n }, (_, i) => store.announce(input(u, t1, pid(`p${i}`), { now: T0, numwant: 0, left: i % 2 }))));
    await store.announce(input(u, t1, pid('fresh'), { now: T0 + 1000, numwant: 0 }));
    expect(await store.reap(T0 + 1000, 400)).toBe(n);
    expect(await store.torrentStats(t1.infoHash)).toMatchObject({ seeders: 1, leechers: 0 });
    expect(await store.totals()).toEqual({ seeders: 1, leechers: 0 });
  });

  it('a reaped peer that returns starts from a new baseline', async () => {
    await store.announce(input(u, t1, pid('a'), { now: T0, uploaded: 100 }));
    await store.reap(T0 + 500, 400);
    await store.announce(input(u, t1, pid('a'), { now: T0 + 501, uploaded: 900 }));
    expect((await store.userStats(1)).uploaded).toBe(0);
  });
});
