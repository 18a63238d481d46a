import { describe, expect, it } from 'vitest';
import { Flusher, type FlushLogger } from '../../src/flush/flusher.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { trackerHarness } from '../helpers/tracker-harness.js';
import { announceMix } from './announce-mix.js';
import { expectTablesMatch, siteDb, useServers } from './site-db.js';

const servers = useServers();

/** Log lines by level, to count the outage warnings. */
function logSink(): FlushLogger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return { lines, debug: (_o, m) => lines.push(['debug', m]), info: (_o, m) => lines.push(['info', m]), warn: (_o, m) => lines.push(['warn', m]) };
}

describe('when 10,000 announces are flushed and MariaDB restarts in the middle', () => {
  it('the site tables hold exactly the tracker’s totals, per user and per torrent', { timeout: 180_000 }, async () => {
    const [mariadb, redis] = [servers.mariadb(), servers.redis()];
    const db = await siteDb(mariadb, 'restart');
    const store = new RedisStore({ url: redis.url, keyPrefix: 'mika:', flush: true });
    const h = await trackerHarness(store);
    const mix = announceMix(7, { users: 200, torrents: 40, peers: 800 });
    await mix.seed(store);
    const logger = logSink();
    const flusher = new Flusher({ store, sql: () => db.sql(), logger });
    flusher.start();
    const deleted = new Map<number, { torrent_id: number; seeders: number; leechers: number; snatches: number }>();
    const outcomes: string[] = [];
    try {
      for (let i = 1; i <= 10_000; i++) {
        await mix.step(h);
        if (i % 1000 === 0) await store.reap(h.now, 1800);
        if (i % 250 === 0) outcomes.push(await flusher.flushNow());
        if (i === 4000) {
          // A torrent deleted through the API: its last row has no peers and every snatch it had.
          const t = mix.torrents[0]!;
          deleted.set(t.id, { torrent_id: t.id, seeders: 0, leechers: 0, snatches: (await store.torrentStats(t.infoHash)).snatches });
          mix.deleted.add(t.id);
          await store.deleteTorrent(t.infoHash);
        }
        if (i === 5000) {
          // Killed while a flush may be in its transaction; the tracker goes on counting.
          const inflight = flusher.flushNow();
          await mariadb.stop('SIGKILL');
          outcomes.push(await inflight);
        }
        if (i === 6500) {
          expect(outcomes.at(-1)).toBe('failed');
          expect((await store.pendingFlushes()).length).toBeLessThanOrEqual(1);
          await mariadb.start();
        }
      }
    } finally {
      await flusher.close();
    }
    expect(outcomes.filter((o) => o === 'failed').length).toBeGreaterThan(0);
    // One warning for the whole outage, however many retries.
    expect(logger.lines.filter(([l]) => l === 'warn')).toEqual([['warn', 'flush failed in the site database (MySQL): changes stay pending and are retried with backoff']]);
    expect(await store.pendingFlushes()).toEqual([]);
    await expectTablesMatch(db, store, mix.users.map((u) => u.id), mix.torrents, deleted);
    const [active] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM mika_user_stats WHERE uploaded > 0');
    expect(active?.n).toBeGreaterThan(100);
    await h.close();
  });
});
