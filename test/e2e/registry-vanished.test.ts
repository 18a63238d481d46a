import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSite } from '../contract/fixtures.js';
import { startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { eventually } from '../helpers/eventually.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let d: ApiDaemon;
let dir: string;

beforeAll(async () => {
  // No persistence: a restart comes back empty, as a Redis configured without it does.
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'mika-vanished-'));
  d = await startApiDaemon(dir, { config: { store: { type: 'redis', redis: { url: redis.url } } } });
});

afterAll(async () => {
  await d?.close();
  await redis?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const health = async () => (await d.api('GET', '/api/health', { auth: false })).body;

describe('when a Redis without persistence restarts under a running daemon', () => {
  it('the registry that emptied is reported degraded with the reason, in /api/health and /api/stats, until it is loaded again', { timeout: 60_000 }, async () => {
    // Started empty: degraded from the start.
    expect(await health()).toMatchObject({ status: 'degraded', registry: 'empty' });
    expect((await health()).reasons).toContain('registry: registry empty: no users and no torrents registered in the redis store');
    await seedSite(d.daemon.store);
    await eventually(async () => (await health()).registry === 'ok', 10_000, 200);
    expect((await health()).reasons.filter((r: string) => r.startsWith('registry:'))).toEqual([]);

    await redis.stop('SIGKILL');
    await redis.start();
    const reason = "registry emptied: it held 4 users and 6 torrents and now holds none (was the redis store's storage restarted without its data?)";
    await eventually(async () => (await health()).reasons.includes(`registry: ${reason}`), 30_000, 200);
    expect(await health()).toMatchObject({ status: 'degraded', storage: 'up', store: 'redis', registry: 'empty' });
    expect((await d.api('GET', '/api/stats')).body).toMatchObject({ users: 0, torrents: 0, registry: { ok: false, reason } });

    // Loaded again (mika warmup, the API): ok again.
    await seedSite(d.daemon.store);
    await eventually(async () => (await health()).registry === 'ok', 10_000, 200);
  });
});
