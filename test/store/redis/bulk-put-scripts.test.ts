import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Torrent, User } from '../../../src/store/records.js';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import { useRedisServer } from '../../helpers/redis-server.js';
import { redisStore, torrent, user } from './fixtures.js';

// put-users-var.lua and put-torrents-var.lua read the passkeys / torrent-ids hash once per batch
// and write it once at the end: what Redis holds afterwards must be what one put per item, in
// order, would have left, which a second instance loading the registry from scratch shows.

const redis = useRedisServer();
let writer: RedisStore;
beforeEach(async () => {
  writer = redisStore(redis().url);
  await writer.open();
});
afterEach(async () => {
  await writer.close();
});

/** A store that loads the registry from Redis now: what Redis holds, not what the writer's cache says. */
async function reloaded<T>(read: (s: RedisStore) => T): Promise<T> {
  const s = redisStore(redis().url);
  await s.open();
  try {
    return read(s);
  } finally {
    await s.close();
  }
}

/** The passkeys hash as Redis holds it, passkey → user id. */
async function passkeysHash(): Promise<Record<string, string>> {
  const reply = await redis().command('HGETALL', 'mika:passkeys');
  const lines = reply.split('\r\n').filter((l) => l !== '' && !/^[*$]/.test(l));
  return Object.fromEntries(Array.from({ length: lines.length / 2 }, (_, i) => [lines[2 * i]!, lines[2 * i + 1]!]));
}

const pk = (c: string) => c.repeat(32);
const u = (id: number, passkey: string, over: Partial<User> = {}): User => ({ ...user(id), passkey, ...over });

describe('a bulk put of users', () => {
  it('leaves Redis as one put per user in order would: refusals, rotations, and a passkey given up and taken in the same batch', async () => {
    await writer.putUsers([u(1, pk('a')), u(2, pk('b'))]);
    const conflicts = await writer.putUsers([
      u(3, pk('b')), // held by user 2: refused
      u(1, pk('c')), // rotates: a is free from here on
      u(4, pk('a')), // takes the passkey user 1 gave up
      u(5, pk('d')),
      u(6, pk('d')), // taken earlier in the batch: refused
      u(5, pk('e')), // the same user again, rotated within the batch
      u(7, pk('d')), // d was given up by user 5 just before
    ]);
    expect(conflicts).toEqual([
      { userId: 3, holder: 2 },
      { userId: 6, holder: 5 },
    ]);
    expect(await passkeysHash()).toEqual({ [pk('b')]: '2', [pk('c')]: '1', [pk('a')]: '4', [pk('e')]: '5', [pk('d')]: '7' });
    const ids = [1, 2, 3, 4, 5, 6, 7];
    expect(await reloaded((s) => ids.map((id) => s.userById(id)))).toEqual(ids.map((id) => writer.userById(id)));
  });

  it('keeps a passkey mapped to its new holder when its old owner rotates away from it later', async () => {
    await writer.putUsers([u(1, pk('a'))]);
    // User 1 gives a up; user 2 takes it; a later item of user 1 must not take it from user 2.
    expect(await writer.putUsers([u(1, pk('b')), u(2, pk('a')), u(1, pk('c'))])).toEqual([]);
    expect(await passkeysHash()).toEqual({ [pk('a')]: '2', [pk('c')]: '1' });
  });

  it('writes names byte for byte, whatever characters they hold; a lone surrogate becomes U+FFFD as before', async () => {
    const names = ['quote " backslash \\ slash /', 'tab\tnew line\ncontrol \u0001', 'Ünïcödé 名前 🌱', '', '\ud800 alone'];
    const users = names.map((name, i) => u(10 + i, pk(String.fromCharCode(102 + i)), { name }));
    expect(await writer.putUsers(users)).toEqual([]);
    const read = await reloaded((s) => users.map((x) => s.userById(x.id)?.name));
    expect(read).toEqual([...names.slice(0, 4), '\ufffd alone']);
  });

  it('carries the extras (hit-and-run immunity, freeleech, multipliers, tokens) as before', async () => {
    const rich = u(1, pk('a'), { hnrImmune: true, freeleechUntil: 2_000_000_000, multiUp: 1.5, multiDown: 0.5, tokens: [{ torrentId: 9, until: 2_000_000_001 }], leechSlots: 3, canLeech: false, enabled: false });
    await writer.putUsers([rich]);
    expect(await reloaded((s) => s.userById(1))).toEqual(rich);
  });
});

describe('a bulk put of torrents', () => {
  const t = (id: number, hexId: number, over: Partial<Torrent> = {}): Torrent => torrent(id, { infoHash: hexId.toString(16).padStart(40, '0'), ...over });

  it('leaves Redis as one put per torrent in order would: ids held by registered torrents refused, in the batch too', async () => {
    await writer.putTorrents([t(1, 0xa1), t(2, 0xa2)]);
    await writer.deleteTorrents([t(2, 0xa2).infoHash]);
    const conflicts = await writer.putTorrents([
      t(1, 0xb1), // id 1 is held by registered a1: refused
      t(2, 0xb2), // id 2's holder a2 is gone: taken
      t(3, 0xb3, { name: 'say "hi"\\', reason: 'gone \u00e9', size: 123_456_789_012, multiUp: 2.5, multiDown: 0, enabled: false }),
      t(3, 0xb4), // held by b3, written earlier in the batch: refused
      t(4, 0xa1), // a1 moves to id 4 (the hash keeps id 1 → a1, as one put would)
    ]);
    expect(conflicts).toEqual([
      { infoHash: t(1, 0xb1).infoHash, torrentId: 1, holder: t(1, 0xa1).infoHash },
      { infoHash: t(3, 0xb4).infoHash, torrentId: 3, holder: t(3, 0xb3).infoHash },
    ]);
    const hashes = [0xa1, 0xb1, 0xb2, 0xb3, 0xb4].map((h) => h.toString(16).padStart(40, '0'));
    expect(await reloaded((s) => hashes.map((ih) => s.torrentByInfoHash(ih)))).toEqual(hashes.map((ih) => writer.torrentByInfoHash(ih)));
    expect(await reloaded((s) => [1, 2, 3, 4].map((id) => s.torrentById(id)?.infoHash))).toEqual([1, 2, 3, 4].map((id) => writer.torrentById(id)?.infoHash));
  });
});
