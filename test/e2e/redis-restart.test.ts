import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';
import { announceQuery } from '../helpers/tracker-harness.js';

let redis: RedisServer;
let daemon: Daemon;
let admin: RedisStore;

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
  // A lone seeder whose every acknowledged delta must be credited: about restarts, not about who it uploads to.
  const config = parseConfig({ tracker: { listen: '127.0.0.1:0' }, accounting: { credit_without_leechers: true }, store: { type: 'redis', redis: { url: redis.url } }, log: { level: 'silent' } });
  daemon = await startDaemon({ config, logger: createLogger('silent') });
  // The site's side: another store on the same Redis; the daemon hears its writes over pub/sub.
  admin = new RedisStore({ url: redis.url, keyPrefix: 'mika:' });
  await admin.open();
  await seedSite(admin);
  await eventually(() => daemon.store.userByPasskey(PK.alice) !== undefined && daemon.store.torrentByInfoHash(IH.plain.toString('hex')) !== undefined, 5000);
});

afterAll(async () => {
  await daemon?.close();
  await admin?.close();
  await redis?.destroy();
});

async function announce(uploaded: number): Promise<{ status: number; body: string }> {
  const url = `http://127.0.0.1:${daemon.trackerAddress.port}/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb('restart'), left: 0, uploaded })}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

describe('when redis-server restarts under a running daemon', () => {
  it('announces fail with a bencoded reason meanwhile, service resumes by itself, and no acknowledged delta is lost', async () => {
    let counter = 0;
    let baseline: number | undefined;
    let acked = 0;
    const step = async () => {
      counter += 1000;
      const r = await announce(counter);
      expect(r.status).toBe(200);
      if (!r.body.includes('failure reason')) {
        baseline ??= counter;
        acked = counter;
      }
      return r;
    };

    for (let i = 0; i < 25; i++) expect((await step()).body).not.toContain('failure reason');

    await redis.stop('SIGKILL');
    for (let i = 0; i < 10; i++) {
      const r = await step();
      expect(r.body).toBe('d14:failure reason27:tracker storage unavailablee');
    }

    await redis.start();
    // No restart of mika: it reconnects with backoff and serves again.
    await eventually(async () => !(await step()).body.includes('failure reason'), 15_000);
    for (let i = 0; i < 25; i++) expect((await step()).body).not.toContain('failure reason');

    const stats = await admin.userStats(1);
    expect(stats.uploadedRaw).toBe(acked - baseline!);
    expect(stats.uploaded).toBe(acked - baseline!);
  });
});
