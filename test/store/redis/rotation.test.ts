import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { peerIdOf, recordsOf, RECORD_LEN, v4Of } from '../../../src/store/peer-record.js';
import { RedisKeys, type SwarmKeys } from '../../../src/store/redis/keys.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import type { AnnounceInput, Store } from '../../../src/store/store.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { input, pid, redisStore, torrent, user, v4 } from './fixtures.js';

// The Redis store's rotations (announce-19.lua, reap-swarm-11.lua) keep each peer in a slot: its
// zset score, and its 44-byte record at slot × 44 of the side's records string. These tests hold
// the slots to rotation.ts's rules and the hand-out order to the memory store's.

const redis = useRedisServer();
const keys = new RedisKeys('mika:');
let store: RedisStore;
let memory: MemoryStore;
let raw: Redis;
beforeEach(async () => {
  store = redisStore(redis().url);
  await store.open();
  memory = new MemoryStore({});
  raw = new Redis(redis().url, { lazyConnect: true });
  await raw.connect();
});
afterEach(async () => {
  await store.close();
  raw.disconnect();
});

const alice = user(1);
const bob = user(12);
const t = torrent(10);
const swarm: SwarmKeys = keys.swarm(t.infoHash);

const label = (rec: Buffer): string => peerIdOf(rec).toString('latin1').replace(/\.+$/, '');

/** The same announce to both stores; the Redis store's peers, as labels, after checking they are the memory store's, byte for byte. */
async function both(inp: AnnounceInput): Promise<string[]> {
  const [a, b] = await Promise.all([memory.announce(inp), store.announce(inp)]);
  expect(b.peers.equals(a.peers), `redis ${recordsOf(b.peers).map(label)} memory ${recordsOf(a.peers).map(label)}`).toBe(true);
  return recordsOf(b.peers).map(label);
}

const join = (name: string, o: Partial<AnnounceInput> = {}) => both(input(bob, t, pid(name), { numwant: 0, endpoint: v4(name.charCodeAt(1) + 1), ...o }));
const ask = (numwant: number, o: Partial<AnnounceInput> = {}) => both(input(alice, t, pid('asker'), { left: 1, numwant, endpoint: v4(999), ...o }));

/** Every member of the side's zset has a slot 0..n-1 of its own, and the records string holds its record there. */
async function expectDenseSlots(side: 'seeders' | 'leechers'): Promise<Map<string, number>> {
  const zkey = swarm[side];
  const recordsKey = side === 'seeders' ? swarm.seederRecords : swarm.leecherRecords;
  const flat = await raw.zrangeBuffer(zkey, 0, -1, 'WITHSCORES');
  const slots = new Map<string, number>();
  const records = await raw.getBuffer(recordsKey);
  for (let i = 0; i < flat.length; i += 2) {
    const member = flat[i]!;
    const slot = Number(flat[i + 1]!.toString());
    expect(slot).toBe(i / 2);
    const stored = (await raw.hgetBuffer(swarm.peers, member))!;
    expect(records!.subarray(slot * RECORD_LEN, (slot + 1) * RECORD_LEN).equals(stored.subarray(0, RECORD_LEN))).toBe(true);
    slots.set(label(member.subarray(member.length - 20)), slot);
  }
  if (flat.length === 0) expect(records).toBeNull();
  return slots;
}

describe('when a peer leaves its rotation', () => {
  it("the peer in the last slot takes its slot and is handed out from there, its record with it", async () => {
    for (const s of ['s0', 's1', 's2', 's3', 's4']) await join(s);
    await join('s1', { event: 'stopped' });
    expect(await expectDenseSlots('seeders')).toEqual(new Map([['s0', 0], ['s4', 1], ['s2', 2], ['s3', 3]]));
    expect(await ask(4)).toEqual(['s0', 's4', 's2', 's3']);
  });

  it('a peer changing side leaves a hole filled the same way, and joins the back of the other side', async () => {
    for (const s of ['s0', 's1', 's2']) await join(s);
    for (const l of ['l0', 'l1']) await join(l, { left: 5 });
    await join('s0', { left: 7 });
    expect(await expectDenseSlots('seeders')).toEqual(new Map([['s2', 0], ['s1', 1]]));
    expect(await expectDenseSlots('leechers')).toEqual(new Map([['l0', 0], ['l1', 1], ['s0', 2]]));
    expect(await ask(10)).toEqual(['s2', 's1', 'l0', 'l1', 's0']);
  });

  it('the last peer leaving takes the records string with it', async () => {
    await join('s0');
    await join('s0', { event: 'stopped' });
    expect(await raw.exists(swarm.seederRecords, swarm.seeders)).toBe(0);
  });
});

describe('when a peer announces from a new endpoint', () => {
  it('the next selection hands out the new endpoint, from the same slot', async () => {
    for (const s of ['s0', 's1', 's2']) await join(s);
    await join('s1', { endpoint: v4(4242) });
    const r = await store.announce(input(alice, t, pid('asker'), { left: 1, numwant: 3, endpoint: v4(999) }));
    expect(recordsOf(r.peers).map((rec) => v4Of(rec)!.equals(v4(4242)))).toEqual([false, true, false]);
    expect((await expectDenseSlots('seeders')).get('s1')).toBe(1);
  });

  it('a leecher that moved is handed out with its new endpoint too', async () => {
    await join('l0', { left: 5 });
    await join('l0', { left: 4, endpoint: v4(777) });
    const r = await store.announce(input(alice, t, pid('asker'), { left: 0, numwant: 3, endpoint: v4(999) }));
    expect(v4Of(recordsOf(r.peers)[0]!)!.equals(v4(777))).toBe(true);
  });
});

describe('when a selection wraps around the rotation', () => {
  it('it continues from the cursor, wraps to slot 0 and never hands out the asker', async () => {
    await join('l0', { left: 5 });
    await join('l1', { left: 5 });
    await ask(0); // the asker joins at slot 2
    await join('l3', { left: 5 });
    await join('l4', { left: 5 });
    expect(await ask(3)).toEqual(['l0', 'l1', 'l3']);
    expect(await ask(3)).toEqual(['l4', 'l0', 'l1']);
    expect(await ask(3)).toEqual(['l3', 'l4', 'l0']);
    expect(await ask(10)).toEqual(['l1', 'l3', 'l4', 'l0']);
  });

  it('a leecher alone in its rotation gets none of it', async () => {
    expect(await ask(5)).toEqual([]);
    await join('s0');
    expect(await ask(5)).toEqual(['s0']);
  });

  it('under churn every reply is the memory store\'s, byte for byte', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 400; step++) {
      const who = `p${Math.floor(rand() * 12)}`;
      const roll = rand();
      const o: Partial<AnnounceInput> = { left: roll < 0.5 ? 0 : 5, numwant: Math.floor(rand() * 8), endpoint: v4(Math.floor(rand() * 3) + 1), now: 1_000_000 + step };
      if (roll > 0.9) o.event = 'stopped';
      await both(input(who < 'p6' ? alice : bob, t, pid(who), o));
    }
    await expectDenseSlots('seeders');
    await expectDenseSlots('leechers');
  });
});

describe('when the reaper drops peers', () => {
  it('the survivors of the last slots move into the holes and the slots stay dense', async () => {
    const T0 = 1_000_000;
    for (let i = 0; i < 8; i++) await join(`s${i}`, { now: i % 3 === 0 ? T0 : T0 + 500 });
    for (let i = 0; i < 4; i++) await join(`l${i}`, { left: 5, now: i === 3 ? T0 : T0 + 500 });
    // s0, s3, s6 and l3 are silent since T0.
    expect(await store.reap(T0 + 600, 400)).toBe(4);
    // Slots 0 and 3 were emptied below the new size 5: s5 and s7, the survivors of slots 5..7, fill them in order.
    expect(await expectDenseSlots('seeders')).toEqual(new Map([['s5', 0], ['s1', 1], ['s2', 2], ['s7', 3], ['s4', 4]]));
    expect(await expectDenseSlots('leechers')).toEqual(new Map([['l0', 0], ['l1', 1], ['l2', 2]]));
    const r = await store.announce(input(alice, t, pid('asker'), { left: 1, numwant: 20, endpoint: v4(999), now: T0 + 600 }));
    expect(recordsOf(r.peers).map(label)).toEqual(['s5', 's1', 's2', 's7', 's4', 'l0', 'l1', 'l2']);
  });

  it('a rotation reaped empty leaves no records string, and one reaped to a quarter is rewritten shorter', async () => {
    const T0 = 1_000_000;
    for (let i = 0; i < 300; i++) await store.announce(input(bob, t, pid(`s${i}`), { numwant: 0, now: i < 230 ? T0 : T0 + 500 }));
    await store.announce(input(bob, t, pid('l0'), { numwant: 0, left: 5, now: T0 }));
    expect(await store.reap(T0 + 600, 400)).toBe(231);
    expect(await raw.strlen(swarm.seederRecords)).toBe(70 * RECORD_LEN);
    expect(await raw.exists(swarm.leecherRecords)).toBe(0);
    expect((await expectDenseSlots('seeders')).size).toBe(70);
  });
});
