import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SqlConfig } from '../../src/config/schema.js';
import { applyBatch } from '../../src/flush/apply-batch.js';
import { Flusher, type FlushLogger, type PassResult } from '../../src/flush/flusher.js';
import { sqlPool } from '../../src/sql/connect.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { IH, PK, qb, seedSite, tr, users } from '../contract/fixtures.js';
import { parseConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';
import { announceQuery, START, trackerHarness, type AnnounceArgs, type Harness } from '../helpers/tracker-harness.js';
import { siteMapping } from './site-docs.js';
import { siteDb, useServers, type SiteDb } from './site-db.js';

// The site rows (history, peers, snatches) on every store that flushes: a seeder and a leecher
// swap data, the leecher completes and later stops, a third peer is reaped; the tables must hold
// exactly what the tracker counted, through a MariaDB restart, in mika's default tables and in
// Gazelle's and UNIT3D's, all created from docs/operations.md's own statements.

const servers = useServers();
const quiet: FlushLogger = { debug() {}, info() {}, warn() {} };

const stores: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => new MemoryStore({ flush: true, flushSite: true })],
  ['embedded', async () => new EmbeddedStore({ path: join(tempDir('site-rows'), 'data'), flush: true, flushSite: true })],
  [
    'redis',
    async () => {
      await servers.redis().flush();
      return new RedisStore({ url: servers.redis().url, keyPrefix: 'mika:', flush: true, flushSite: true });
    },
  ],
];

const T = 10; // torrent id of IH.plain
const ih = IH.plain.toString('hex');
const peer = { alice: qb('alice'), bob: tr('bob'), carol: qb('carol') };
const UA = { alice: 'qBittorrent/4.6.3', bob: 'Transmission/3.00' };
const SIZE = 1000;

interface Steps {
  /** Runs after the swap, before the completion: the test may take MariaDB away here. */
  midway?: (flushNow: () => Promise<PassResult>) => Promise<void>;
  /** Before the reap, MariaDB is back here. */
  back?: () => Promise<void>;
}

/** Passes until nothing is left to prepare (a pass stops after a batch that is not full). */
async function drain(flusher: Flusher): Promise<PassResult> {
  let result: PassResult = 'done';
  for (let pass = 0; pass < 10 && result === 'done'; pass++) result = await flusher.flushNow();
  return result;
}

const announce = (h: Harness, pk: string, a: AnnounceArgs, ip: string, ua?: string) => h.get(`/${pk}/announce?${announceQuery(a)}`, ip, ua ? { 'user-agent': ua } : {});

/**
 * The story: alice seeds, bob leeches, carol (IPv6) seeds and goes silent; they swap data, bob
 * completes, carol is reaped; bob's peer then stops while alice keeps seeding. Returns the time of
 * bob's completion.
 */
async function story(h: Harness, flusher: Flusher, steps: Steps = {}): Promise<number> {
  const flushNow = () => drain(flusher);
  await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, port: 6881, event: 'started' }, '10.0.0.1', UA.alice);
  await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: SIZE, port: 51413, event: 'started' }, '10.0.0.2', UA.bob);
  await announce(h, PK.carol, { infoHash: IH.plain, peerId: peer.carol, left: 0, port: 6882, event: 'started' }, '2001:db8::3');
  expect(await flushNow()).toBe('drained');
  h.advance(60);
  await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, port: 6881, uploaded: 600 }, '10.0.0.1', UA.alice);
  await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: 400, port: 51413, downloaded: 600 }, '10.0.0.2', UA.bob);
  expect(await flushNow()).toBe('drained');
  await steps.midway?.(flushNow);
  h.advance(60);
  await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, port: 6881, uploaded: 1000 }, '10.0.0.1', UA.alice);
  const completedAt = h.now;
  await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: 0, port: 51413, downloaded: 1000, event: 'completed' }, '10.0.0.2', 'Transmission/3.00 (after completion)');
  await flushNow();
  h.advance(60);
  // carol last announced 180 s ago, the others 60 s ago.
  expect(await h.store.reap(h.now, 100)).toBe(1);
  await flushNow();
  await steps.back?.();
  h.advance(30);
  await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: 0, port: 51413, downloaded: 1000, event: 'stopped' }, '10.0.0.2', UA.bob);
  h.advance(30);
  await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, port: 6881, uploaded: 1000 }, '10.0.0.1', UA.alice);
  expect(await flushNow()).toBe('drained');
  expect(await h.store.pendingFlushes()).toEqual([]);
  return completedAt;
}

/** A harness and flusher on a fresh store of `make`, the site rows going to `sql`. */
async function rig(make: () => Promise<Store>, sql: () => SqlConfig): Promise<{ h: Harness; flusher: Flusher }> {
  const h = await trackerHarness(await make());
  await seedSite(h.store);
  return { h, flusher: new Flusher({ store: h.store, sql, logger: quiet }) };
}

const withTables = (db: SiteDb, flush: Record<string, unknown>) => () =>
  db.sql((s) => {
    for (const kind of ['history', 'peers', 'snatches'] as const) Object.assign(s.flush[kind], flush[kind] ?? {});
  });

interface Site {
  db: SiteDb;
  sql: () => SqlConfig;
  h: Harness;
  flusher: Flusher;
}

/** `body` on a fresh store of `make` whose site rows go to the tables of `heading`'s mapping, made from the docs. */
async function onSite(make: () => Promise<Store>, database: string, heading: '' | 'Gazelle' | 'UNIT3D', body: (site: Site) => Promise<void>): Promise<void> {
  const db = await siteDb(servers.mariadb(), database);
  const mapping = siteMapping(heading);
  await db.query(mapping.schema);
  const sql = withTables(db, mapping.flush);
  const { h, flusher } = await rig(make, sql);
  try {
    await body({ db, sql, h, flusher });
  } finally {
    await flusher.close();
    await h.close();
  }
}

/** What the store's ledger says of each (user, torrent), as mika_history should hold it. */
async function ledgerRows(store: Store, announces: Record<number, number>, completedAt: number, live: Set<number>) {
  const rows = [];
  for (const userId of [1, 2, 3]) {
    for (const e of await store.userTorrents(userId)) {
      const s = e.stats;
      rows.push({
        user_id: userId,
        torrent_id: e.torrentId,
        uploaded: s.uploaded,
        downloaded: s.downloaded,
        uploaded_raw: s.uploadedRaw,
        downloaded_raw: s.downloadedRaw,
        seed_time: s.seedTime,
        leech_time: s.leechTime,
        announces: announces[userId],
        first_announce: s.firstSeen,
        last_announce: s.lastSeen,
        completed_at: s.snatched ? completedAt : 0,
        active: live.has(userId) ? 1 : 0,
        seeder: live.has(userId) && s.left === 0 ? 1 : 0,
        left: s.left,
        hnr_state: 'none',
        immune: 0,
      });
    }
  }
  return rows;
}

describe.each(stores)('site rows on the %s store', (label, make) => {
  it('mika_history, mika_peers and mika_snatches hold exactly what the tracker counted, MariaDB restarted in the middle', { timeout: 120_000 }, async () => {
    const mariadb = servers.mariadb();
    await onSite(make, `site_${label}`, '', async ({ db, h, flusher }) => {
      const completedAt = await story(h, flusher, {
        midway: async (flushNow) => {
          // Before the outage: carol's IPv6-only peer is in the table (light-my-request's own User-Agent), and bob is leeching.
          expect(await db.query('SELECT ipv4, ipv4_port, ipv6, ipv6_port, user_agent FROM mika_peers WHERE user_id = 3')).toEqual([{ ipv4: '', ipv4_port: 0, ipv6: '2001:db8::3', ipv6_port: 6882, user_agent: 'lightMyRequest' }]);
          expect(await db.query('SELECT downloaded, `left`, seeder, active, completed_at FROM mika_history WHERE user_id = 2')).toEqual([{ downloaded: 600, left: 400, seeder: 0, active: 1, completed_at: 0 }]);
          await mariadb.stop('SIGKILL');
          expect(await flushNow()).toBe('failed');
        },
        back: () => mariadb.start(),
      });
      expect(flusher.status().state).toBe('ok');

      // The swarm: alice alone (bob stopped, carol reaped).
      const swarm = await h.store.peers(ih);
      expect(swarm.map((p) => p.userId)).toEqual([1]);
      const peers = await db.query('SELECT torrent_id, user_id, HEX(peer_id) AS peer_id, ipv4, ipv4_port, ipv6, ipv6_port, user_agent, seeder, uploaded, downloaded, `left`, connectable, last_announce FROM mika_peers');
      expect(peers).toEqual(
        swarm.map((p) => ({
          torrent_id: T,
          user_id: p.userId,
          peer_id: p.peerId.toUpperCase(),
          ipv4: p.ipv4 ?? '',
          ipv4_port: p.ipv4Port ?? 0,
          ipv6: p.ipv6 ?? '',
          ipv6_port: p.ipv6Port ?? 0,
          user_agent: UA.alice,
          seeder: 1,
          uploaded: 1000,
          downloaded: 0,
          left: 0,
          connectable: null,
          last_announce: p.lastSeen,
        })),
      );
      expect(swarm[0]).toMatchObject({ ipv4: '10.0.0.1', ipv4Port: 6881, uploaded: 1000, lastSeen: START + 240 });

      const history = await db.query('SELECT * FROM mika_history ORDER BY user_id, torrent_id');
      expect(history).toEqual(await ledgerRows(h.store, { 1: 4, 2: 4, 3: 1 }, completedAt, new Set([1])));
      // Credited as the tracker counted: alice uploaded 1000, bob downloaded 1000 and snatched.
      expect(history.map((r) => [r.user_id, r.uploaded, r.downloaded, r.completed_at])).toEqual([
        [1, 1000, 0, 0],
        [2, 0, 1000, completedAt],
        [3, 0, 0, 0],
      ]);

      expect(await db.query('SELECT user_id, torrent_id, completed_at, ip FROM mika_snatches')).toEqual([{ user_id: 2, torrent_id: T, completed_at: completedAt, ip: '10.0.0.2' }]);
    });
  });

  it("Gazelle's xbt_files_users and xbt_snatched, made and mapped as docs/operations.md says, hold the swarm and the snatch", { timeout: 60_000 }, async () => {
    await onSite(make, `gazelle_${label}`, 'Gazelle', async ({ db, h, flusher }) => {
      const completedAt = await story(h, flusher);
      expect(await db.query('SELECT uid, fid, HEX(peer_id) AS peer_id, ip, useragent, uploaded, downloaded, remaining, active, mtime FROM xbt_files_users')).toEqual([
        { uid: 1, fid: T, peer_id: peer.alice.toString('hex').toUpperCase(), ip: '10.0.0.1', useragent: UA.alice, uploaded: 1000, downloaded: 0, remaining: 0, active: 1, mtime: START + 240 },
      ]);
      expect(await db.query('SELECT uid, fid, tstamp, IP FROM xbt_snatched')).toEqual([{ uid: 2, fid: T, tstamp: completedAt, IP: '10.0.0.2' }]);
    });
  });

  it("UNIT3D's history and peers, made and mapped as docs/operations.md says, hold the ledgers and the swarm", { timeout: 60_000 }, async () => {
    await onSite(make, `unit3d_${label}`, 'UNIT3D', async ({ db, h, flusher }) => {
      const completedAt = await story(h, flusher);
      const at = (s: number) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
      // Read back as text, in the session's time zone as written: what mika wrote, unconverted.
      const history = await db.query(
        'SELECT user_id, torrent_id, agent, uploaded, actual_uploaded, client_uploaded, downloaded, actual_downloaded, client_downloaded, seeder, active, seedtime, immune, hitrun, CAST(completed_at AS CHAR) AS completed_at, CAST(created_at AS CHAR) AS created_at, CAST(updated_at AS CHAR) AS updated_at FROM history ORDER BY user_id',
      );
      const want = [];
      for (const userId of [1, 2, 3]) {
        const [e] = await h.store.userTorrents(userId);
        const s = e!.stats;
        want.push({
          user_id: userId,
          torrent_id: T,
          agent: '',
          uploaded: s.uploaded,
          actual_uploaded: s.uploadedRaw,
          client_uploaded: s.uploadedRaw,
          downloaded: s.downloaded,
          actual_downloaded: s.downloadedRaw,
          client_downloaded: s.downloadedRaw,
          seeder: userId === 1 ? 1 : 0,
          active: userId === 1 ? 1 : 0,
          seedtime: s.seedTime,
          immune: 0,
          hitrun: 0,
          completed_at: userId === 2 ? at(completedAt) : null,
          created_at: at(s.firstSeen),
          updated_at: at(s.lastSeen),
        });
      }
      expect(history).toEqual(want);
      expect(await db.query('SELECT user_id, torrent_id, HEX(peer_id) AS peer_id, INET6_NTOA(ip) AS ip, port, agent, uploaded, downloaded, `left`, seeder, active, CAST(updated_at AS CHAR) AS updated_at FROM peers')).toEqual([
        { user_id: 1, torrent_id: T, peer_id: peer.alice.toString('hex').toUpperCase(), ip: '10.0.0.1', port: 6881, agent: UA.alice, uploaded: 1000, downloaded: 0, left: 0, seeder: 1, active: 1, updated_at: at(START + 240) },
      ]);
    });
  });
});

describe.each(stores)('site rows on the %s store, beyond the story', (label, make) => {
  it('a batch committed whose acknowledgement was lost adds no second snatch; a deleted torrent takes its peers out of mika_peers', { timeout: 60_000 }, async () => {
    await onSite(make, `site_again_${label}`, '', async ({ db, sql, h, flusher }) => {
      // The first pass (the memory store empties the peers table there, as after a restart).
      expect(await drain(flusher)).toBe('drained');
      await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, event: 'started' }, '10.0.0.1', UA.alice);
      await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: SIZE, event: 'started' }, '10.0.0.2', UA.bob);
      h.advance(30);
      await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: 0, downloaded: SIZE, event: 'completed' }, '10.0.0.2', UA.bob);
      // The crash: COMMIT went through, the acknowledgement to the store never happened.
      const batch = (await h.store.prepareFlush(1000))!;
      expect(batch.snatches).toEqual([{ userId: 2, torrentId: T, at: h.now, ip: '10.0.0.2' }]);
      const pool = sqlPool(sql(), 1);
      const conn = await pool.getConnection();
      expect(await applyBatch(conn, sql().flush, batch)).toBe(true);
      conn.release();
      await pool.end();
      expect(await drain(flusher)).toBe('drained');
      expect(await db.query('SELECT user_id, torrent_id FROM mika_snatches')).toEqual([{ user_id: 2, torrent_id: T }]);
      expect((await db.query('SELECT user_id FROM mika_peers ORDER BY user_id')).map((r) => r.user_id)).toEqual([1, 2]);

      await h.store.deleteTorrent(ih);
      expect(await drain(flusher)).toBe('drained');
      expect(await db.query('SELECT * FROM mika_peers')).toEqual([]);
      // The history stays: it is the site's record of what was done on the torrent.
      expect((await db.query('SELECT user_id, active FROM mika_history ORDER BY user_id')).map((r) => [r.user_id, r.active])).toEqual([
        [1, 0],
        [2, 0],
      ]);
      expect(await db.query('SELECT COUNT(*) AS n FROM mika_snatches')).toEqual([{ n: 1 }]);
    });
  });
});

describe('site rows on the memory store, after a restart', () => {
  it('the peers of the previous process leave the site table before the first batch', { timeout: 60_000 }, async () => {
    await onSite(async () => new MemoryStore({ flush: true, flushSite: true }), 'site_memory_restart', '', async ({ db, h, flusher }) => {
      // A row the previous process flushed; the new process's store has never heard of its peer.
      await db.query("INSERT INTO mika_peers (torrent_id, user_id, peer_id) VALUES (10, 2, UNHEX('00112233445566778899aabbccddeeff00112233'))");
      await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, event: 'started' }, '10.0.0.1', UA.alice);
      expect(await drain(flusher)).toBe('drained');
      expect((await db.query('SELECT user_id FROM mika_peers')).map((r) => r.user_id)).toEqual([1]);
    });
  });
});

describe('site rows on the embedded store, across a restart', () => {
  it('peers marked before the stop reach the site after the start', { timeout: 60_000 }, async () => {
    const db = await siteDb(servers.mariadb(), 'site_embedded_restart');
    const mapping = siteMapping('');
    await db.query(mapping.schema);
    const sql = withTables(db, mapping.flush);
    const path = join(tempDir('site-rows-restart'), 'data');
    let h = await trackerHarness(new EmbeddedStore({ path, flush: true, flushSite: true }));
    await seedSite(h.store);
    await announce(h, PK.alice, { infoHash: IH.plain, peerId: peer.alice, left: 0, event: 'started' }, '10.0.0.1', UA.alice);
    await announce(h, PK.bob, { infoHash: IH.plain, peerId: peer.bob, left: SIZE, event: 'started' }, '10.0.0.2', UA.bob);
    const now = h.now;
    await h.close();
    h = await trackerHarness(new EmbeddedStore({ path, flush: true, flushSite: true }));
    h.now = now;
    const flusher = new Flusher({ store: h.store, sql, logger: quiet });
    try {
      expect(await drain(flusher)).toBe('drained');
      expect(await db.query('SELECT user_id, user_agent FROM mika_peers ORDER BY user_id')).toEqual([
        { user_id: 1, user_agent: UA.alice },
        { user_id: 2, user_agent: UA.bob },
      ]);
      expect((await db.query('SELECT user_id, announces FROM mika_history ORDER BY user_id')).map((r) => [r.user_id, r.announces])).toEqual([
        [1, 1],
        [2, 1],
      ]);
    } finally {
      await flusher.close();
      await h.close();
    }
  });
});

describe('the history rows’ hit-and-run columns', () => {
  it('come from the hit-and-run rule at the flush: a snatch not yet seeded is pending, an immune user’s is immune', { timeout: 60_000 }, async () => {
    const db = await siteDb(servers.mariadb(), 'site_hnr');
    const mapping = siteMapping('');
    await db.query(mapping.schema);
    const h = await trackerHarness(new MemoryStore({ flush: true, flushSite: true }));
    await seedSite(h.store);
    await h.store.putUser({ ...users[0]!, hnrImmune: true });
    const flusher = new Flusher({ store: h.store, sql: withTables(db, mapping.flush), hnr: () => parseConfig({}).accounting.hnr, logger: quiet });
    try {
      for (const [pk, id] of [[PK.alice, peer.alice], [PK.bob, peer.bob]] as const) {
        await announce(h, pk, { infoHash: IH.plain, peerId: id, left: SIZE, event: 'started' }, '10.0.0.9');
      }
      h.advance(30);
      for (const [pk, id] of [[PK.alice, peer.alice], [PK.bob, peer.bob]] as const) {
        await announce(h, pk, { infoHash: IH.plain, peerId: id, left: 0, downloaded: SIZE, event: 'completed' }, '10.0.0.9');
      }
      expect(await drain(flusher)).toBe('drained');
      expect(await db.query('SELECT user_id, hnr_state, immune FROM mika_history ORDER BY user_id')).toEqual([
        { user_id: 1, hnr_state: 'immune', immune: 1 },
        { user_id: 2, hnr_state: 'pending', immune: 0 },
      ]);
    } finally {
      await flusher.close();
      await h.close();
    }
  });
});
