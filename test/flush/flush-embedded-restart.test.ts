import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Flusher, type FlushLogger } from '../../src/flush/flusher.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { trackerHarness, type Harness } from '../helpers/tracker-harness.js';
import { announceMix } from './announce-mix.js';
import { expectTablesMatch, siteDb, useServers } from './site-db.js';

const servers = useServers();

const quiet: FlushLogger = { debug: () => {}, info: () => {}, warn: () => {} };

describe('when the tracker on the embedded store stops with changes unflushed and MariaDB down, and starts again', () => {
  it('the batch prepared before the stop and the changes not yet prepared reach the site tables exactly once', { timeout: 180_000 }, async () => {
    const mariadb = servers.mariadb();
    const db = await siteDb(mariadb, 'embedded');
    const path = join(tempDir('flush-embedded'), 'data');
    const mix = announceMix(5, { users: 150, torrents: 30, peers: 600 });
    let h: Harness = await trackerHarness(new EmbeddedStore({ path, flush: true }));
    await mix.seed(h.store);
    let flusher = new Flusher({ store: h.store, sql: () => db.sql(), logger: quiet });
    try {
      for (let i = 1; i <= 4000; i++) {
        await mix.step(h);
        if (i % 500 === 0) await h.store.reap(h.now, 1800);
        if (i % 250 === 0) await flusher.flushNow();
        if (i === 2100) {
          // A batch pending (prepared, never sent), more changes after it, and nowhere to send them.
          const prepared = await h.store.prepareFlush(50);
          expect(prepared).toBeDefined();
          for (let j = 0; j < 50; j++) await mix.step(h);
          await mariadb.stop('SIGKILL');
          await flusher.close();
          const now = h.now;
          await h.close();

          await mariadb.start();
          h = await trackerHarness(new EmbeddedStore({ path, flush: true }));
          h.now = now;
          expect((await h.store.pendingFlushes()).map((b) => b.id)).toContain(prepared!.id);
          flusher = new Flusher({ store: h.store, sql: () => db.sql(), logger: quiet });
        }
      }
      for (let pass = 0; pass < 100 && (await flusher.flushNow()) !== 'drained'; pass++);
      expect(await h.store.pendingFlushes()).toEqual([]);
      await expectTablesMatch(db, h.store, mix.users.map((u) => u.id), mix.torrents);
    } finally {
      await flusher.close();
      await h.close();
    }
  });
});
