import { afterAll, beforeAll, expect } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { SqlConfig } from '../../src/config/schema.js';
import { millionthsText } from '../../src/flush/apply-batch.js';
import { bonusMillionths } from '../../src/store/flush-batch.js';
import type { Store } from '../../src/store/store.js';
import { startMariaDb, type MariaDbServer } from '../helpers/mariadb-server.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { documentedSchema } from './site-docs.js';

// The site database of a flush test: the schema of docs/operations.md (so the docs stay true),
// and the check that its tables hold exactly what the store counted.

export { documentedSchema } from './site-docs.js';

/** A MariaDB and a Redis server of the calling test file, started before its tests; read them through the getters. */
export function useServers(): { mariadb: () => MariaDbServer; redis: () => RedisServer } {
  let mariadb: MariaDbServer | undefined;
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    [mariadb, redis] = await Promise.all([startMariaDb(), startRedisServer()]);
  });
  afterAll(async () => {
    await Promise.all([mariadb?.destroy(), redis?.destroy()]);
  });
  return { mariadb: () => mariadb!, redis: () => redis! };
}

export interface SiteDb {
  database: string;
  /** Config `sql` for this database, the flush on at a 1 s interval; `patch` changes it. */
  sql(patch?: (s: SqlConfig) => void): SqlConfig;
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
}

/** A fresh database with the documented tables on `server`. */
export async function siteDb(server: MariaDbServer, label: string): Promise<SiteDb> {
  const database = await server.createDatabase(label);
  const c = await server.connect(database);
  await c.query(documentedSchema());
  await c.end();
  return {
    database,
    sql(patch) {
      const { sql } = parseConfig({ sql: { url: server.url(database), flush: { enabled: true, interval: 1 } } });
      patch?.(sql);
      return sql;
    },
    // A connection per call: the server may have been restarted in between.
    async query<T>(sql: string, values?: unknown[]) {
      const conn = await server.connect(database);
      try {
        const [rows] = await conn.query(sql, values);
        return rows as T[];
      } finally {
        await conn.end();
      }
    },
  };
}

interface UserRow {
  user_id: number;
  uploaded: number;
  downloaded: number;
  uploaded_raw: number;
  downloaded_raw: number;
  bonus: string;
  snatches: number;
}
interface TorrentRow {
  torrent_id: number;
  seeders: number;
  leechers: number;
  snatches: number;
}

/**
 * The default tables hold exactly the store's totals: every counter to the byte, bonus to the
 * millionth. `deleted` gives the expected row of torrents deleted from the store.
 */
export async function expectTablesMatch(db: SiteDb, store: Store, userIds: number[], torrents: Array<{ id: number; infoHash: string }>, deleted = new Map<number, TorrentRow>()): Promise<void> {
  const users = new Map((await db.query<UserRow>('SELECT * FROM mika_user_stats')).map((r) => [r.user_id, r]));
  const want: UserRow[] = [];
  const got: UserRow[] = [];
  for (const id of userIds) {
    const s = await store.userStats(id);
    const row = { user_id: id, uploaded: s.uploaded, downloaded: s.downloaded, uploaded_raw: s.uploadedRaw, downloaded_raw: s.downloadedRaw, bonus: millionthsText(bonusMillionths(s.bonus)), snatches: s.snatches };
    // A user with nothing to flush has no row.
    const zero = { user_id: id, uploaded: 0, downloaded: 0, uploaded_raw: 0, downloaded_raw: 0, bonus: '0.000000', snatches: 0 };
    want.push(row);
    got.push(users.get(id) ?? zero);
  }
  expect(got).toEqual(want);
  const rows = new Map((await db.query<TorrentRow>('SELECT * FROM mika_torrent_stats')).map((r) => [r.torrent_id, r]));
  const wantT: TorrentRow[] = [];
  const gotT: TorrentRow[] = [];
  for (const t of torrents) {
    const s = await store.torrentStats(t.infoHash);
    wantT.push(deleted.get(t.id) ?? { torrent_id: t.id, seeders: s.seeders, leechers: s.leechers, snatches: s.snatches });
    gotT.push(rows.get(t.id) ?? { torrent_id: t.id, seeders: 0, leechers: 0, snatches: 0 });
  }
  expect(gotT).toEqual(wantT);
}
