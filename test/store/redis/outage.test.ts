import { afterEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../../../src/store/redis/redis-store.js';
import { StorageUnavailableError, type Store } from '../../../src/store/store.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { eventually, input, pid, redisStore, torrent, user } from './fixtures.js';

let server: RedisServer | undefined;
let store: RedisStore | undefined;
afterEach(async () => {
  await store?.close();
  await server?.destroy();
  store = undefined;
  server = undefined;
});

const alice = user(1);
const t = torrent(10);
const T0 = 1_000_000;

async function setup(opts: { appendonly?: boolean; commandTimeoutMs?: number } = {}): Promise<{ server: RedisServer; store: RedisStore }> {
  server = await startRedisServer({ appendonly: opts.appendonly ?? false });
  store = redisStore(server.url, 'mika:', opts.commandTimeoutMs);
  await store.open();
  await store.putUser(alice);
  await store.putTorrent(t);
  return { server, store };
}

/** Every kind of store call, each expected to fail as "storage unavailable". */
const calls = (s: Store): Array<[string, () => Promise<unknown>]> => [
  ['announce', () => s.announce(input(alice, t, pid('p'), { now: T0 + 60 }))],
  ['scrape', () => s.scrape([t.infoHash])],
  ['reap', () => s.reap(T0, 400)],
  ['userStats', () => s.userStats(1)],
  ['torrentStats', () => s.torrentStats(t.infoHash)],
  ['userTorrentStats', () => s.userTorrentStats(1, 10)],
  ['cheatEvents', () => s.cheatEvents(10)],
  ['putUser', () => s.putUser(user(2))],
  ['deleteUser', () => s.deleteUser(2)],
  ['putTorrent', () => s.putTorrent(torrent(11))],
  ['deleteTorrent', () => s.deleteTorrent(torrent(11).infoHash)],
  ['putWhitelist', () => s.putWhitelist({ prefix: '-qB4', client: 'qB' })],
  ['deleteWhitelist', () => s.deleteWhitelist('-qB4')],
  ['putUsers', () => s.putUsers([user(2), user(3)])],
  ['putTorrents', () => s.putTorrents([torrent(11), torrent(12)])],
  ['putWhitelistEntries', () => s.putWhitelistEntries([{ prefix: '-qB4', client: 'qB' }])],
  ['peers', () => s.peers(t.infoHash)],
  ['userTorrents', () => s.userTorrents(1)],
  ['totals', () => s.totals()],
];

describe('when redis stops', () => {
  it('every call rejects with StorageUnavailableError in well under a second, and ping says false', async () => {
    const { server, store } = await setup();
    await server.stop();
    for (const [name, call] of calls(store)) {
      const started = Date.now();
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toBe('tracker storage unavailable');
      expect(Date.now() - started, name).toBeLessThan(1000);
    }
    expect(await store.ping()).toBe(false);
    // the registry cache still answers
    expect(store.userByPasskey(alice.passkey)).toEqual(alice);
  });

  it('an announce in flight when the connection drops fails and is not resent after the restart', async () => {
    const { server, store } = await setup({ appendonly: true });
    await store.announce(input(alice, t, pid('p'), { now: T0 }));
    // Hold the server so the next announce sits unanswered in the socket, then kill the server.
    void server.command('DEBUG', 'SLEEP', '0.5').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const inFlight = store.announce(input(alice, t, pid('p'), { now: T0 + 60, uploaded: 100 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 50));
    await server.stop('SIGKILL');
    expect(await inFlight).toBeInstanceOf(StorageUnavailableError);
    await server.start();
    await eventually(() => store.ping(), 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await store.userStats(1)).announces).toBe(1);
  });

  it('a server that hangs makes calls fail after the command timeout instead of hanging', async () => {
    const { server, store } = await setup({ commandTimeoutMs: 200 });
    void server.command('DEBUG', 'SLEEP', '1').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await expect(store.announce(input(alice, t, pid('p')))).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('open() on a redis that is not there rejects with StorageUnavailableError', async () => {
    const { server } = await setup();
    await server.stop();
    const s = redisStore(server.url);
    await expect(s.open()).rejects.toBeInstanceOf(StorageUnavailableError);
    await s.close();
  });
});

describe('when redis comes back', () => {
  it('the same store works again without being recreated, scripts included', async () => {
    const { server, store } = await setup();
    await server.stop();
    await expect(store.announce(input(alice, t, pid('p')))).rejects.toBeInstanceOf(StorageUnavailableError);
    await server.start();
    await eventually(() => store.ping(), 5000);
    // an empty server: the scripts are not loaded there, and the announce still runs
    const r = await store.announce(input(alice, t, pid('p'), { now: T0 }));
    expect(r.seeders).toBe(1);
  });

  it('the registry is reloaded from what the restarted server holds', async () => {
    const { server, store } = await setup();
    await server.stop();
    await server.start(); // no persistence: it comes back empty
    await eventually(() => store.userById(1) === undefined, 5000);
    await eventually(() => store.ping(), 5000);
    await store.putUser(alice);
    expect(store.userByPasskey(alice.passkey)).toEqual(alice);
  });

  it('with appendonly the totals and the swarm survive a crash', async () => {
    const { server, store } = await setup({ appendonly: true });
    await store.announce(input(alice, t, pid('p'), { now: T0, left: 0 }));
    await store.announce(input(alice, t, pid('p'), { now: T0 + 300, left: 0, uploaded: 5_000_000_000_000, event: 'completed' }));
    const before = { user: await store.userStats(1), torrent: await store.torrentStats(t.infoHash), ut: await store.userTorrentStats(1, 10) };
    await server.stop('SIGKILL');
    await server.start();
    await eventually(() => store.ping(), 5000);
    expect(await store.userStats(1)).toEqual(before.user);
    expect(await store.torrentStats(t.infoHash)).toEqual(before.torrent);
    expect(await store.userTorrentStats(1, 10)).toEqual(before.ut);
    expect(before.user).toMatchObject({ uploaded: 5_000_000_000_000, snatches: 1, announces: 2 });
    expect(store.userById(1)).toEqual(alice);
  });

  it('scripts flushed from the server are sent again (NOSCRIPT falls back to EVAL)', async () => {
    const { server, store } = await setup();
    await store.announce(input(alice, t, pid('p'), { now: T0 }));
    await server.command('SCRIPT', 'FLUSH');
    const r = await store.announce(input(alice, t, pid('q'), { now: T0 }));
    expect(r.seeders).toBe(2);
  });
});
