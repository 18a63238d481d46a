import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnnounceEvent } from '../../../src/accounting/events.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { peerIdOf, recordsOf } from '../../../src/store/peer-record.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import type { Store } from '../../../src/store/store.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { input, pid, redisStore, rules, torrent, user, v4 } from './fixtures.js';

const redis = useRedisServer();
let store: RedisStore;
beforeEach(async () => {
  store = redisStore(redis().url);
  await store.open();
});
afterEach(async () => {
  await store.close();
});

const alice = user(1);
const bob = user(12);
const t = torrent(10);

describe('when peer_ids hold arbitrary bytes', () => {
  const odd = [0x00, 0xff, 0x2b, 0x20, 0x3a].map((b) => Buffer.alloc(20, b));

  it('each is its own peer and comes back byte for byte', async () => {
    for (const [i, id] of odd.entries()) await store.announce(input(alice, t, id, { endpoint: v4(i + 1) }));
    const r = await store.announce(input(bob, t, pid('-qB4-leech'), { left: 5 }));
    expect(r.seeders).toBe(odd.length);
    expect(recordsOf(r.peers).map((p) => peerIdOf(p).toString('hex')).sort()).toEqual(odd.map((b) => b.toString('hex')).sort());
    expect(recordsOf(r.peers).every((p) => p.length === 44)).toBe(true);
  });

  it('every byte value of a peer_id and an endpoint survives the text the script is sent (latin1 in UTF-8)', async () => {
    // 0x80-0xBF and 0xC0-0xFF arrive as two bytes each, decoded differently; 0xC2 / 0xC3 are also bytes of their own.
    const ids = Array.from({ length: 13 }, (_, i) => Buffer.from(Array.from({ length: 20 }, (_, j) => (i * 20 + j) % 256)));
    const endpoints = [Buffer.from([0xc2, 0xc3, 0x80, 0xbf, 0x1a, 0xe1]), Buffer.from([0xff, 0xc0, 0x00, 0x7f, 0xc3, 0x80])];
    for (const [i, id] of ids.entries()) await store.announce(input(alice, t, id, { endpoint: endpoints[i % 2]! }));
    const r = await store.announce(input(bob, t, pid('-qB4-leech'), { left: 5, numwant: 50 }));
    expect(recordsOf(r.peers).map((p) => p.toString('hex')).sort()).toEqual(ids.map((id, i) => Buffer.concat([id, endpoints[i % 2]!, Buffer.alloc(18)]).toString('hex')).sort());
    // The peer keys hold the raw bytes too: "<uid>:" + 20 bytes, the user id read back from them.
    const listed = await store.peers(t.infoHash);
    expect(listed.filter((p) => p.userId === alice.id).map((p) => p.peerId).sort()).toEqual(ids.map((id) => id.toString('hex')).sort());
  });

  it('the same peer_id under two users is two peers (the key is "<uid>:" + raw bytes)', async () => {
    // "1:" + "2:…" and "12:" + ":…" must not collide
    await store.announce(input(alice, t, Buffer.concat([Buffer.from('2:'), Buffer.alloc(18, 0x3a)])));
    await store.announce(input(bob, t, Buffer.alloc(20, 0x3a)));
    const r = await store.announce(input(bob, t, odd[1]!, { left: 1 }));
    expect(r.seeders).toBe(2);
  });

  it('a cheat event names the peer_id in hex, NUL and 0xFF included', async () => {
    const strict = { ...rules, maxUploadRate: 10 };
    await store.announce(input(bob, t, pid('leecher'), { left: 5 }));
    await store.announce(input(alice, t, odd[0]!, { rules: strict }));
    await store.announce(input(alice, t, odd[0]!, { rules: strict, uploaded: 1_000_000, now: 1_000_010 }));
    const [event] = await store.cheatEvents(5);
    expect(event).toEqual({ kind: 'upload_rate', at: 1_000_010, userId: 1, torrentId: 10, peerId: '00'.repeat(20), rate: 100_000, reported: 1_000_000, allowed: 100 });
  });
});

describe('when peers are handed out', () => {
  const seeders = async (n: number) => {
    for (let i = 0; i < n; i++) await store.announce(input(bob, t, pid(`s${i}`), { endpoint: v4(i + 1) }));
  };
  const ask = async (numwant: number, o = {}) => recordsOf((await store.announce(input(alice, t, pid('asker'), { left: 1, numwant, endpoint: v4(999), ...o }))).peers).map((p) => peerIdOf(p).toString('latin1').replace(/\.+$/, ''));

  it('each call continues after the last one and wraps around, so all are shown in turn', async () => {
    await seeders(10);
    const rounds = [await ask(3), await ask(3), await ask(3), await ask(3)];
    expect(rounds.slice(0, 3).flat()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']);
    expect(rounds[3]).toEqual(['s9', 's0', 's1']);
  });

  it('newcomers and leavers do not stop the rotation from reaching everyone', async () => {
    await seeders(6);
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      for (const p of await ask(2)) seen.add(p);
      await store.announce(input(bob, t, pid(`s${round}`), { event: 'stopped' }));
      await store.announce(input(bob, t, pid(`n${round}`), { endpoint: v4(100 + round) }));
    }
    for (let round = 0; round < 4; round++) for (const p of await ask(2)) seen.add(p);
    for (let i = 0; i < 6; i++) expect(seen).toContain(`n${i}`);
  });

  it('a leecher gets seeders first, then leechers, never itself', async () => {
    await seeders(2);
    await store.announce(input(bob, t, pid('l0'), { left: 9, endpoint: v4(50) }));
    await ask(0);
    expect((await ask(10)).sort()).toEqual(['l0', 's0', 's1']);
    expect(await ask(10)).toEqual(['s0', 's1', 'l0']);
  });

  it('a seeder and a paused peer get leechers only', async () => {
    await seeders(2);
    await store.announce(input(bob, t, pid('l0'), { left: 9, endpoint: v4(50) }));
    expect(await ask(10, { left: 0 })).toEqual(['l0']);
    expect(await ask(10, { left: 4, event: 'paused' })).toEqual(['l0']);
  });

  it('numwant 0 and a too-early announce get none, yet are accounted', async () => {
    await seeders(2);
    expect(await ask(0)).toEqual([]);
    const r = await store.announce(input(alice, t, pid('asker'), { left: 1, numwant: 5, downloaded: 70, minInterval: 10, now: 1_000_003 }));
    expect([r.tooEarly, r.peers.length]).toEqual([true, 0]);
    expect((await store.userStats(1)).downloaded).toBe(70);
  });

  it('a stopped from an unknown peer changes only the announce counters', async () => {
    const r = await store.announce(input(alice, t, pid('ghost'), { event: 'stopped', uploaded: 5 }));
    expect(r).toEqual({ seeders: 0, leechers: 0, snatches: 0, peers: Buffer.alloc(0), tooEarly: false, unknownPeer: true });
    expect((await store.userStats(1)).announces).toBe(1);
    expect((await store.torrentStats(t.infoHash)).announces).toBe(1);
    expect(await store.userTorrentStats(1, 10)).toBeUndefined();
  });
});

// A seeded generator, so a failure replays.
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('when the same announces reach the memory store and the redis store', () => {
  it('every reply, every total and every flush batch is the same, bit for bit', async () => {
    await store.close();
    store = redisStore(redis().url, 'mika:', undefined, true);
    await store.open();
    const memory = new MemoryStore({ flush: true });
    const stores: Store[] = [memory, store];
    const us = [user(1), user(2), user(3)];
    const ts = [torrent(10, { multiUp: 1.5, multiDown: 0.3 }), torrent(11, { multiUp: 1, multiDown: 0 })];
    for (const s of stores) await s.putTorrents(ts);
    // Batch ids differ (each store has its own epoch): the rows must not.
    const flushRows = async (s: Store) => {
      const b = await s.prepareFlush(1000);
      return b && { users: b.users.sort((x, y) => x.userId - y.userId), torrents: b.torrents.sort((x, y) => x.torrentId - y.torrentId) };
    };
    let batches = 0;
    const events: AnnounceEvent[] = ['', '', '', '', 'started', 'stopped', 'completed', 'paused'];
    const rand = prng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const peers = new Map<string, { up: number; down: number; left: number }>();
    let now = 1_000_000;
    for (let step = 0; step < 600; step++) {
      now += pick([0, 1, 5, 30, 150, 299, 301, 420]);
      const u = pick(us);
      const tt = pick(ts);
      const id = pid(`-qB4-${u.id}-${Math.floor(rand() * 4)}`);
      const k = `${u.id}${tt.id}${id.toString('latin1')}`;
      const p = peers.get(k) ?? { up: 0, down: 0, left: 1 << 30 };
      p.up = rand() < 0.05 ? Math.floor(p.up / 2) : p.up + Math.floor(rand() * 2 ** 33);
      p.down = p.down + Math.floor(rand() * 2 ** 31);
      p.left = rand() < 0.3 ? 0 : Math.floor(rand() * 2 ** 30);
      peers.set(k, p);
      const inp = input(u, tt, id, {
        endpoint: v4(step),
        uploaded: p.up,
        downloaded: p.down,
        left: p.left,
        event: pick(events),
        numwant: pick([0, 1, 3, 50]),
        now,
        nowMs: now * 1000 + pick([0, 1, 499, 999]),
        minInterval: pick([0, 10]),
        rules: { multiUp: tt.multiUp, multiDown: tt.multiDown, bonusRate: pick([1, 0.7]), interval: 300, maxUploadRate: pick([0, 10_000_000]), creditWithoutLeechers: pick([true, false]) },
        limits: { perUserTorrent: pick([0, 2, 3]), perIpTorrent: pick([0, 0, 1, 2]) },
      });
      const [a, b] = await Promise.all(stores.map((s) => s.announce(inp)));
      expect({ ...b!, peers: b!.peers.length }, `step ${step}`).toEqual({ ...a!, peers: a!.peers.length });
      if (step % 97 === 96) expect(await store.reap(now, 400)).toBe(await memory.reap(now, 400));
      if (step % 41 === 40) {
        const [a, b] = [await flushRows(memory), await flushRows(store)];
        expect(b, `flush at step ${step}`).toEqual(a);
        if (a) batches++;
      }
      // A torrent deleted with unflushed snatches and registered again under its id.
      if (step === 300) for (const s of stores) await s.deleteTorrent(ts[1]!.infoHash).then(() => s.putTorrent(ts[1]!));
    }
    for (const u of us) {
      expect(await store.userStats(u.id)).toEqual(await memory.userStats(u.id));
      for (const tt of ts) expect(await store.userTorrentStats(u.id, tt.id)).toEqual(await memory.userTorrentStats(u.id, tt.id));
    }
    for (const tt of ts) expect(await store.torrentStats(tt.infoHash)).toEqual(await memory.torrentStats(tt.infoHash));
    for (const tt of ts) expect(await store.peers(tt.infoHash)).toEqual(await memory.peers(tt.infoHash));
    for (const u of us) expect(await store.userTorrents(u.id)).toEqual(await memory.userTorrents(u.id));
    // The running totals never drift from the swarms' own counts.
    const counted = { seeders: 0, leechers: 0 };
    for (const tt of ts) {
      const { seeders, leechers } = await memory.torrentStats(tt.infoHash);
      counted.seeders += seeders;
      counted.leechers += leechers;
    }
    expect(await memory.totals()).toEqual(counted);
    expect(await store.totals()).toEqual(counted);
    expect(await store.cheatEvents(1000)).toEqual(await memory.cheatEvents(1000));
    expect((await store.userStats(1)).bonus).toBeGreaterThan(0);
    expect((await store.cheatEvents(1000)).length).toBeGreaterThan(0);
    expect(batches).toBeGreaterThan(5);
    expect(await flushRows(store)).toEqual(await flushRows(memory));
  });
});
