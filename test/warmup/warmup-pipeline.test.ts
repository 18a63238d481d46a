import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/api/client.js';
import type { BulkReply, BulkTorrentColumns, BulkUserColumns, CountsReply, HealthReply } from '../../src/api/schemas.js';
import { parseConfig } from '../../src/config/load.js';
import type { Progress } from '../../src/warmup/progress.js';
import { warmup } from '../../src/warmup/warmup.js';
import { startMariaDb, type MariaDbServer } from '../helpers/mariadb-server.js';
import { seedSite } from '../helpers/site-schema.js';

// How warmup() cuts the site's tables into requests and in which order it goes through them, with
// a MariaDB of the file's own and an API that records what it is sent (no daemon).

let mariadb: MariaDbServer;
let seedUrl: string;

beforeAll(async () => {
  mariadb = await startMariaDb();
  seedUrl = mariadb.url(await seedSite(mariadb, 'pipeline', { whitelist: 3, users: 20_000, torrents: 700 }));
}, 90_000);

afterAll(async () => {
  await mariadb?.destroy();
});

/** An API that answers every bulk request as written and logs what came, in order; its daemon runs on `store`. */
function recordingApi(log: string[], store = 'embedded'): ApiClient {
  const written = (kind: string, n: number): Promise<BulkReply> => {
    log.push(`${kind} ${n}`);
    return Promise.resolve({ written: n, unchanged: 0, conflicts: [] });
  };
  const api: Partial<ApiClient> = {
    // warmup only asks whether the daemon answers.
    counts: () => Promise.resolve({} as CountsReply),
    health: () => Promise.resolve({ store } as HealthReply),
    bulkWhitelist: (items) => written('whitelist', items.length),
    bulkUserColumns: (c: BulkUserColumns) => written('users', c.user_id.length),
    bulkTorrentColumns: (c: BulkTorrentColumns) => written('torrents', c.torrent_id.length),
  };
  return api as ApiClient;
}

/** A Progress that logs when each table starts and finishes, in the same log as the requests. */
function recordingProgress(log: string[]): Progress {
  return {
    start: (label) => log.push(`start ${label}`),
    update() {},
    finish: (report) => log.push(`finish ${report.label}`),
    end() {},
    abort: () => log.push('abort'),
  };
}

describe('warmup, batching and table order', () => {
  it("sends a table's first 500 rows at once, each later request twice the one before up to the batch size", { timeout: 60_000 }, async () => {
    const log: string[] = [];
    const { sql } = parseConfig({ sql: { url: seedUrl } });
    await warmup({ sql, api: recordingApi(log), batchSize: 5000, prune: false, progress: recordingProgress(log) });
    expect(log.filter((l) => l.startsWith('users '))).toEqual(['users 500', 'users 1000', 'users 2000', 'users 4000', 'users 5000', 'users 5000', 'users 2500']);
    expect(log.filter((l) => l.startsWith('torrents '))).toEqual(['torrents 500', 'torrents 200']);
    // A batch size below 500 is every request's size.
    const small: string[] = [];
    await warmup({ sql, api: recordingApi(small), batchSize: 300, prune: false, progress: recordingProgress(small) });
    expect(small.filter((l) => l.startsWith('torrents '))).toEqual(['torrents 300', 'torrents 300', 'torrents 100']);
  });

  it('sends up to 10,000 rows a request into the embedded store and 5,000 into Redis unless told a batch size', { timeout: 60_000 }, async () => {
    const { sql } = parseConfig({ sql: { url: seedUrl } });
    const sizes = async (store: string) => {
      const log: string[] = [];
      await warmup({ sql, api: recordingApi(log, store), prune: false, progress: recordingProgress(log) });
      return log.filter((l) => l.startsWith('users '));
    };
    expect(await sizes('embedded')).toEqual(['users 500', 'users 1000', 'users 2000', 'users 4000', 'users 8000', 'users 4500']);
    expect(await sizes('redis')).toEqual(['users 500', 'users 1000', 'users 2000', 'users 4000', 'users 5000', 'users 5000', 'users 2500']);
  });

  it('goes through the tables in order, and a table it cannot open fails the run only once the table before it is done', { timeout: 60_000 }, async () => {
    const log: string[] = [];
    const { sql } = parseConfig({ sql: { url: seedUrl, queries: { torrents: { name: 'no_such_column' } } } });
    const run = warmup({ sql, api: recordingApi(log), batchSize: 5000, prune: false, progress: recordingProgress(log) });
    await expect(run).rejects.toThrow(/table torrents has no column no_such_column \(sql\.queries\.torrents\.name\)/);
    expect(log.filter((l) => !/^(whitelist|users) \d/.test(l))).toEqual(['start whitelist', 'finish whitelist', 'start passkeys', 'finish passkeys', 'abort']);
    expect(log.filter((l) => l.startsWith('users ')).length).toBe(7);
  });
});
