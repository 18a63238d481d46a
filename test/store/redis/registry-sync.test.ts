import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryConflictError } from '../../../src/store/store.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { eventually, input, pid, redisStore, torrent, user } from './fixtures.js';

const redis = useRedisServer();
let a: RedisStore;
let b: RedisStore;
beforeEach(async () => {
  a = redisStore(redis().url);
  b = redisStore(redis().url);
  await Promise.all([a.open(), b.open()]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

const alice = user(1);
const t = torrent(10);

describe('when one instance changes the registry', () => {
  it('the writer sees a new user as soon as putUser resolves, the other instance shortly after', async () => {
    await a.putUser(alice);
    expect(a.userByPasskey(alice.passkey)).toEqual(alice);
    await eventually(() => b.userByPasskey(alice.passkey)?.name === 'u1');
    expect(b.userById(1)).toEqual(alice);
  });

  it('a rotated passkey replaces the old one everywhere', async () => {
    await a.putUser(alice);
    const rotated = { ...alice, passkey: 'r'.repeat(32) };
    await a.putUser(rotated);
    expect(a.userByPasskey(alice.passkey)).toBeUndefined();
    await eventually(() => b.userByPasskey(rotated.passkey) !== undefined);
    expect(b.userByPasskey(alice.passkey)).toBeUndefined();
    // the old passkey is free again
    await b.putUser({ ...user(2), passkey: alice.passkey });
  });

  it('a passkey held by another user is refused with RegistryConflictError, whichever instance asks', async () => {
    await a.putUser(alice);
    await expect(b.putUser({ ...user(2), passkey: alice.passkey })).rejects.toBeInstanceOf(RegistryConflictError);
    expect(b.userById(2)).toBeUndefined();
  });

  it('a deleted user disappears everywhere but keeps its counters', async () => {
    await a.putUser(alice);
    await b.announce(input(alice, t, pid('x')));
    await eventually(() => b.userById(1) !== undefined);
    await b.deleteUser(1);
    expect(b.userById(1)).toBeUndefined();
    await eventually(() => a.userByPasskey(alice.passkey) === undefined);
    expect((await a.userStats(1)).announces).toBe(1);
    await a.putUser({ ...user(3), passkey: alice.passkey });
  });

  it('torrents come and go everywhere, with their multipliers', async () => {
    await a.putTorrent({ ...t, multiUp: 2.5, multiDown: 0 });
    await eventually(() => b.torrentByInfoHash(t.infoHash)?.multiUp === 2.5);
    expect(b.torrentByInfoHash(t.infoHash)).toEqual({ ...t, multiUp: 2.5, multiDown: 0 });
    await b.deleteTorrent(t.infoHash);
    await eventually(() => a.torrentByInfoHash(t.infoHash) === undefined);
  });

  it('a user\'s HnR and freeleech fields, a torrent\'s size and the API\'s timed events reach the other instance and a new one', async () => {
    const rich = { ...alice, hnrImmune: true, freeleechUntil: 1_900_000_000, multiUp: 1.5, multiDown: 0.5, tokens: [{ torrentId: 10, until: 1_800_000_100 }] };
    await a.putUser(rich);
    await a.putTorrent({ ...t, size: 123_456_789 });
    await a.putCreditEvents([{ id: 1, kind: 'double_upload', start: 1, end: 2, name: 'x' }]);
    await eventually(() => b.creditEvents().length === 1 && b.userById(1)?.tokens !== undefined && b.torrentByInfoHash(t.infoHash)?.size !== undefined);
    expect(b.userById(1)).toEqual(rich);
    expect(b.torrentByInfoHash(t.infoHash)?.size).toBe(123_456_789);
    expect(b.creditEvents()).toEqual([{ id: 1, kind: 'double_upload', start: 1, end: 2, name: 'x' }]);
    const c = redisStore(redis().url);
    await c.open();
    try {
      expect(c.userById(1)).toEqual(rich);
      expect(c.creditEvents()).toHaveLength(1);
    } finally {
      await c.close();
    }
    await b.putCreditEvents([]);
    await eventually(() => a.creditEvents().length === 0);
  });

  it('whitelist entries come and go everywhere', async () => {
    await a.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' });
    await a.putWhitelist({ prefix: '-TR 3', client: 'odd prefix with a space' });
    await eventually(() => b.whitelist().length === 2);
    expect(b.whitelistMatch(pid('-TR 3000-x'))?.client).toBe('odd prefix with a space');
    await a.deleteWhitelist('-qB4');
    await eventually(() => b.whitelist().length === 1);
    expect(b.whitelistMatch(pid('-qB4-x'))).toBeUndefined();
  });

  it('a bulk put of thousands reaches the other instance, the last value of each record winning', async () => {
    const users = Array.from({ length: 3000 }, (_, i) => user(i + 1));
    await a.putUsers(users);
    await a.putUsers([{ ...user(7), name: 'renamed' }]);
    await a.deleteUsers([8]);
    await a.putTorrents(Array.from({ length: 1200 }, (_, i) => torrent(i + 1)));
    await eventually(() => b.counts().users === 2999 && b.counts().torrents === 1200 && b.userById(7)?.name === 'renamed');
    expect(b.userById(3000)).toEqual(user(3000));
    expect(b.userById(8)).toBeUndefined();
    expect(b.torrentByInfoHash(torrent(1200).infoHash)).toEqual(torrent(1200));
  });

  it('a new instance loads everything there is at open()', async () => {
    for (let i = 1; i <= 2500; i++) await a.putUser(user(i));
    await a.putTorrent(t);
    await a.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' });
    const c = redisStore(redis().url);
    await c.open();
    try {
      expect(c.userById(2500)).toEqual(user(2500));
      expect(c.torrentByInfoHash(t.infoHash)).toEqual(t);
      expect(c.whitelist()).toEqual([{ prefix: '-qB4', client: 'qBittorrent' }]);
    } finally {
      await c.close();
    }
  });
});

describe('when an instance puts in bulk', () => {
  /** `calls` of one command in INFO commandstats (0 before its first call). */
  const calls = async (command: string): Promise<number> => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redis().command('INFO', 'commandstats'))?.[1] ?? 0);

  it('each script call publishes one notice, and the writer re-reads none of what it put', async () => {
    // a alone, so that every read script counted is its own
    await b.close();
    b = redisStore(redis().url);
    await redis().command('CONFIG', 'RESETSTAT');
    await a.putUsers(Array.from({ length: 1200 }, (_, i) => user(i + 1)));
    await a.putTorrents(Array.from({ length: 600 }, (_, i) => torrent(i + 1)));
    // Each put script reads its batch's passkeys or torrent ids with one HMGET of its own.
    const own = await calls('hmget');
    expect(own).toBe(5);
    // A whitelist notice is re-read, after the bulk notices published before it: once its HMGET
    // ran, a re-read of the bulk puts would have run too.
    await a.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' });
    await eventually(async () => (await calls('hmget')) === own + 1);
    // 3 + 2 put scripts of up to 500 records, a notice each, and the whitelist's
    expect(await calls('publish')).toBe(6);
    // (ioredis sends a script's first call as EVAL, the later ones as EVALSHA)
    expect((await calls('eval')) + (await calls('evalsha'))).toBe(5);
    expect(a.counts()).toMatchObject({ users: 1200, torrents: 600 });
  });

  it('a put whose reply never came is re-read by the writer, which holds what Redis holds', async () => {
    const c = redisStore(redis().url, 'mika:', 200);
    await c.open();
    try {
      redis().freeze();
      await expect(c.putUsers([alice])).rejects.toThrow();
      redis().thaw();
      await eventually(() => c.userById(1) !== undefined);
      expect(c.userById(1)).toEqual(alice);
    } finally {
      redis().thaw();
      await c.close();
    }
  });
});

describe('when the subscription drops', () => {
  it('changes published while it was gone are picked up by a full reload', async () => {
    await redis().command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // both subscribers are reconnecting now: this notice reaches no one
    expect(await redis().command('PUBSUB', 'NUMSUB', 'mika:events')).toMatch(/:0\r\n$/);
    await a.putUser(alice);
    await eventually(() => b.userById(1) !== undefined);
  });
});

describe('when instances use different key prefixes', () => {
  it('they share nothing', async () => {
    const other = redisStore(redis().url, 'other:');
    await other.open();
    try {
      await a.putUser(alice);
      await new Promise((r) => setTimeout(r, 100));
      expect(other.userById(1)).toBeUndefined();
      await other.putUser({ ...user(2), passkey: alice.passkey });
    } finally {
      await other.close();
    }
  });
});
