import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { applyBatch } from '../../src/flush/apply-batch.js';
import { Flusher, type FlushLogger } from '../../src/flush/flusher.js';
import { sqlPool } from '../../src/sql/connect.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { API_KEY, startApiDaemon } from '../helpers/api-daemon.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { tempDir } from '../helpers/temp-dir.js';
import { announceQuery, trackerHarness, type AnnounceArgs, type Harness } from '../helpers/tracker-harness.js';
import { announceMix, type AnnounceMix } from './announce-mix.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { expectTablesMatch, siteDb as siteDbOn, useServers } from './site-db.js';

const servers = useServers();
const siteDb = (label: string) => siteDbOn(servers.mariadb(), label);

const quiet: FlushLogger = { debug() {}, info() {}, warn() {} };

/** A Redis store on an emptied server, the flush on. */
async function redisStore(): Promise<RedisStore> {
  await servers.redis().flush();
  return new RedisStore({ url: servers.redis().url, keyPrefix: 'mika:', flush: true });
}

/** A harness on `store` with a small announce mix registered, after `n` announces. */
async function announced(store: Store, n: number, seed = 3): Promise<{ h: Harness; mix: AnnounceMix }> {
  const h = await trackerHarness(store);
  const mix = announceMix(seed, { users: 30, torrents: 8, peers: 120 });
  await mix.seed(store);
  for (let i = 0; i < n; i++) await mix.step(h);
  return { h, mix };
}

const userIds = (mix: AnnounceMix) => mix.users.map((u) => u.id);

describe('when a batch is sent again', () => {
  it('a batch committed whose acknowledgement was lost is not added twice', async () => {
    const db = await siteDb('retry');
    const { h, mix } = await announced(await redisStore(), 600);
    // The crash: COMMIT went through, the acknowledgement to Redis never happened.
    const batch = (await h.store.prepareFlush(1000))!;
    const pool = sqlPool(db.sql(), 1);
    const conn = await pool.getConnection();
    expect(await applyBatch(conn, db.sql().flush, batch)).toBe(true);
    conn.release();
    await pool.end();
    expect((await h.store.pendingFlushes()).map((b) => b.id)).toEqual([batch.id]);

    const infos: string[] = [];
    const flusher = new Flusher({ store: h.store, sql: () => db.sql(), logger: { ...quiet, info: (_o, m) => infos.push(m) } });
    expect(await flusher.flushNow()).toBe('drained');
    await flusher.close();
    expect(infos).toContain('flush: batch already applied (its acknowledgement was lost), not added again');
    expect(await h.store.pendingFlushes()).toEqual([]);
    await expectTablesMatch(db, h.store, userIds(mix), mix.torrents);
    const log = await db.query<{ flush_id: string }>('SELECT flush_id FROM mika_flush_log');
    expect(log.map((r) => r.flush_id)).toContain(batch.id);
    await h.close();
  });

  it('after a crash of mika between prepare and send, the next process sends the pending batch and the rest', async () => {
    const db = await siteDb('crash');
    const { h, mix } = await announced(await redisStore(), 400);
    await h.store.prepareFlush(1000);
    for (let i = 0; i < 200; i++) await mix.step(h);
    // The "crashed" process's store is simply dropped; a new one on the same Redis takes over.
    const next = new RedisStore({ url: servers.redis().url, keyPrefix: 'mika:', flush: true });
    await next.open();
    expect((await next.pendingFlushes()).length).toBe(1);
    const flusher = new Flusher({ store: next, sql: () => db.sql(), logger: quiet });
    await flusher.close();
    await expectTablesMatch(db, next, userIds(mix), mix.torrents);
    await next.close();
    await h.close();
  });
});

describe('with the memory store', () => {
  it('the tables hold the same totals as the store, the last changes sent by close()', async () => {
    const db = await siteDb('memory');
    const { h, mix } = await announced(new MemoryStore({ flush: true }), 0);
    const flusher = new Flusher({ store: h.store, sql: () => db.sql(), logger: quiet });
    for (let i = 1; i <= 1500; i++) {
      await mix.step(h);
      if (i % 300 === 0) expect(await flusher.flushNow()).not.toBe('failed');
    }
    await flusher.close();
    await expectTablesMatch(db, h.store, userIds(mix), mix.torrents);
    expect(await h.store.pendingFlushes()).toEqual([]);
    await h.close();
  });
});

describe('cheat events (sql.flush.cheats.table)', () => {
  const stores: Array<[string, () => Promise<Store>]> = [
    ['redis', async () => {
      await servers.redis().flush();
      return new RedisStore({ url: servers.redis().url, keyPrefix: 'mika:', flush: true, flushCheats: true });
    }],
    ['memory', async () => new MemoryStore({ flush: true, flushCheats: true })],
  ];
  it.each(stores)('%s store: each event is one row of the documented table, a batch committed twice included', async (label, make) => {
    const db = await siteDb(`cheats_${label}`);
    const sql = () => db.sql((s) => (s.flush.cheats.table = 'mika_cheats'));
    const h = await trackerHarness(await make());
    await seedSite(h.store);
    h.reconfigure((c) => (c.accounting.max_upload_rate = 1000));
    await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
    await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
    const cheat = async (uploaded: number) => {
      h.advance(1);
      await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded });
    };
    await cheat(5000);
    await cheat(10_000);
    // Committed, the acknowledgement lost: the flusher sends it again and the log row stops it.
    const batch = (await h.store.prepareFlush(1000))!;
    expect(batch.cheats).toHaveLength(2);
    const pool = sqlPool(sql(), 1);
    const conn = await pool.getConnection();
    expect(await applyBatch(conn, sql().flush, batch)).toBe(true);
    conn.release();
    await pool.end();
    await cheat(20_000);
    const flusher = new Flusher({ store: h.store, sql, logger: quiet });
    expect(await flusher.flushNow()).not.toBe('failed');
    await flusher.close();
    const rows = await db.query('SELECT at, user_id, torrent_id, peer_id, kind, rate, reported, allowed FROM mika_cheats ORDER BY id');
    const events = (await h.store.cheatEvents(10)).reverse();
    expect(rows.map((r) => ({ ...r }))).toEqual(
      events.map((e) => ({ at: e.at, user_id: e.userId, torrent_id: e.torrentId, peer_id: e.peerId, kind: e.kind, rate: e.rate, reported: e.reported, allowed: e.allowed })),
    );
    expect(rows.map((r) => r['reported'])).toEqual([5000, 5000, 10_000]);
    expect(await h.store.pendingFlushes()).toEqual([]);
    await h.close();
  });
});

describe('when MySQL refuses the statement', () => {
  it('the batch stays pending and goes out once the schema is fixed', async () => {
    const db = await siteDb('refused');
    await db.query('RENAME TABLE mika_torrent_stats TO later');
    const { h, mix } = await announced(await redisStore(), 300);
    const warnings: string[] = [];
    const flusher = new Flusher({ store: h.store, sql: () => db.sql(), logger: { ...quiet, warn: (o) => warnings.push((o as { err: string }).err) } });
    expect(await flusher.flushNow()).toBe('failed');
    // The failed pass released its lock on its own connection: the retry takes it at once (no 'busy').
    expect(await flusher.flushNow()).toBe('failed');
    expect(flusher.status()).toMatchObject({ state: 'failing', failures: 2, error: expect.stringMatching(/^site database \(MySQL\): .*mika_torrent_stats.*doesn't exist/) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/mika_torrent_stats.*doesn't exist/);
    expect(await h.store.pendingFlushes()).toHaveLength(1);
    // Nothing of the failed batch was kept: user rows went in the same transaction.
    expect(await db.query('SELECT * FROM mika_user_stats')).toEqual([]);
    await db.query('RENAME TABLE later TO mika_torrent_stats');
    await flusher.close();
    await expectTablesMatch(db, h.store, userIds(mix), mix.torrents);
    await h.close();
  });
});

describe('into the site’s own tables', () => {
  it('the configured columns get the deltas added to what they hold, peer counts set', async () => {
    const db = await siteDb('own');
    await db.query(`CREATE TABLE users (id INT UNSIGNED PRIMARY KEY, username VARCHAR(40) NOT NULL DEFAULT '', up BIGINT NOT NULL DEFAULT 0,
      down BIGINT NOT NULL DEFAULT 0, real_up BIGINT NOT NULL DEFAULT 0, real_down BIGINT NOT NULL DEFAULT 0, seedbonus DOUBLE NOT NULL DEFAULT 0, snatched INT NOT NULL DEFAULT 0)`);
    await db.query(`CREATE TABLE torrents (id INT UNSIGNED PRIMARY KEY, seeders INT NOT NULL DEFAULT 0, leechers INT NOT NULL DEFAULT 0, times_completed INT NOT NULL DEFAULT 0)`);
    await db.query(`INSERT INTO users (id, username, up, seedbonus) VALUES (1, 'alice', 5000, 10.5)`);
    const sql = db.sql((s) => {
      Object.assign(s.flush.users, { table: 'users', id: 'id', uploaded: 'up', downloaded: 'down', uploaded_raw: 'real_up', downloaded_raw: 'real_down', bonus: 'seedbonus', snatches: 'snatched' });
      Object.assign(s.flush.torrents, { table: 'torrents', id: 'id', snatches: 'times_completed' });
    });
    const { h, mix } = await announced(await redisStore(), 500);
    const flusher = new Flusher({ store: h.store, sql: () => sql, logger: quiet });
    await flusher.close();
    const alice = await h.store.userStats(1);
    const [row] = await db.query<Record<string, number | string>>('SELECT * FROM users WHERE id = 1');
    expect(row).toMatchObject({ username: 'alice', up: 5000 + alice.uploaded, down: alice.downloaded, real_up: alice.uploadedRaw, real_down: alice.downloadedRaw, snatched: alice.snatches });
    expect(row!.seedbonus).toBeCloseTo(10.5 + alice.bonus, 5);
    const t = mix.torrents[1]!;
    const stats = await h.store.torrentStats(t.infoHash);
    expect(await db.query('SELECT * FROM torrents WHERE id = ?', [t.id])).toEqual([{ id: t.id, seeders: stats.seeders, leechers: stats.leechers, times_completed: stats.snatches }]);
    await h.close();
  });
});

describe('through the daemon', () => {
  const daemonConfig = (database: string, flush: boolean) =>
    parseConfig({
      tracker: { listen: '127.0.0.1:0' },
      api: { tls_key: '/nonexistent/api.key', tls_cert: '/nonexistent/api.crt' },
      store: { type: 'redis', redis: { url: servers.redis().url, key_prefix: 'mika:' } },
      sql: { url: servers.mariadb().url(database), flush: { enabled: flush, interval: 1 } },
      log: { level: 'silent' },
    });
  const announce = async (d: Daemon, passkey: string, a: AnnounceArgs) => {
    const res = await fetch(`http://127.0.0.1:${d.trackerAddress.port}/${passkey}/announce?${announceQuery(a)}`);
    return bencode.decode(Buffer.from(await res.arrayBuffer())) as Record<string, unknown>;
  };
  const mix = announceMix(11, { users: 3, torrents: 2, peers: 0 });
  const [alice, bob] = mix.users as [(typeof mix.users)[0], (typeof mix.users)[0]];
  const [t] = mix.torrents;
  const ih = Buffer.from(t!.infoHash, 'hex');
  const peer = (label: string) => Buffer.from(`-qB4630-${label}`.padEnd(20, '.'));
  /** A daemon on an emptied Redis and a fresh database, after a seeder and a leecher joined. */
  const started = async (label: string, flush: boolean) => {
    const db = await siteDb(label);
    await servers.redis().flush();
    const d = await startDaemon({ config: daemonConfig(db.database, flush), logger: createLogger('silent') });
    await mix.seed(d.store);
    await announce(d, alice.passkey, { infoHash: ih, peerId: peer('a'), left: 0 });
    await announce(d, bob.passkey, { infoHash: ih, peerId: peer('b'), left: 1000 });
    return { db, d };
  };

  it('flushes every interval and sends the rest on close', async () => {
    const { db, d } = await started('daemon', true);
    await eventually(async () => (await db.query('SELECT * FROM mika_torrent_stats')).length === 1, 5000);
    expect(await db.query('SELECT seeders, leechers FROM mika_torrent_stats')).toEqual([{ seeders: 1, leechers: 1 }]);
    await new Promise((r) => setTimeout(r, 1100));
    await announce(d, alice.passkey, { infoHash: ih, peerId: peer('a'), left: 0, uploaded: 12345 });
    await announce(d, bob.passkey, { infoHash: ih, peerId: peer('b'), left: 0, downloaded: 1000, event: 'completed' });
    await d.close();
    const reader = new RedisStore({ url: servers.redis().url, keyPrefix: 'mika:' });
    await reader.open();
    await expectTablesMatch(db, reader, userIds(mix), mix.torrents);
    expect(await db.query('SELECT user_id, uploaded_raw, snatches FROM mika_user_stats ORDER BY user_id')).toEqual([
      { user_id: alice.id, uploaded_raw: 12345, snatches: 0 },
      { user_id: bob.id, uploaded_raw: 0, snatches: 1 },
    ]);
    await reader.close();
  });

  it('with the flush off writes nothing to MySQL and marks nothing in Redis', async () => {
    const { db, d } = await started('off', false);
    await announce(d, bob.passkey, { infoHash: ih, peerId: peer('b'), left: 0, downloaded: 1000, event: 'completed', uploaded: 10 });
    await d.close();
    for (const table of ['mika_user_stats', 'mika_torrent_stats', 'mika_flush_log']) expect(await db.query(`SELECT * FROM ${table}`)).toEqual([]);
    expect(await servers.redis().command('KEYS', 'mika:flush:*')).toBe('*0\r\n');
  });

  it('while MySQL is down, /api/health is degraded with the flush reason (stats and metrics say so too), and ok again once it is back', { timeout: 90_000 }, async () => {
    const db = await siteDb('health');
    await servers.redis().flush();
    const d = await startApiDaemon(tempDir('flush-health'), {
      config: {
        store: { type: 'redis', redis: { url: servers.redis().url, key_prefix: 'mika:' } },
        sql: { url: servers.mariadb().url(db.database), flush: { enabled: true, interval: 1 } },
      },
    });
    try {
      await mix.seed(d.daemon.store);
      await d.announce(alice.passkey, { infoHash: ih, peerId: peer('a'), left: 0 });
      await eventually(async () => (await d.api('GET', '/api/health')).body.flush?.last_success !== null, 10_000, 100);
      expect((await d.api('GET', '/api/health')).body).toMatchObject({ storage: 'up', flush: { state: 'ok', error: null } });

      await servers.mariadb().stop();
      try {
        await d.announce(bob.passkey, { infoHash: ih, peerId: peer('b'), left: 1000 });
        await eventually(async () => (await d.api('GET', '/api/health')).body.flush?.state === 'failing', 15_000, 100);
        const health = await d.api('GET', '/api/health');
        // The tracker still answers: 200, degraded, and why.
        expect(health.status).toBe(200);
        expect(health.body.status).toBe('degraded');
        expect(health.body.reasons).toContainEqual(expect.stringMatching(/^flush: failing since \d{4}-.*: site database \(MySQL\): /));
        expect(health.body.flush).toMatchObject({ state: 'failing', failing_since: expect.any(String) });
        expect((await d.api('GET', '/api/stats')).body.flush).toMatchObject({ state: 'failing' });
        const agent = new Agent({ connect: { ca: d.ca, servername: 'localhost' } });
        const metrics = await (await undiciFetch(`https://127.0.0.1:${d.daemon.apiAddress!.port}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` }, dispatcher: agent })).text();
        await agent.close();
        expect(metrics).toMatch(/^mika_flush_failing 1$/m);
      } finally {
        await servers.mariadb().start();
      }
      await eventually(async () => (await d.api('GET', '/api/health')).body.flush?.state === 'ok', 40_000, 200);
      expect((await d.api('GET', '/api/health')).body.flush).toMatchObject({ state: 'ok', failing_since: null, pending_batches: 0 });
    } finally {
      await d.close();
    }
  });
});

