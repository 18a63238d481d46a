import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { announceQuery } from '../helpers/tracker-harness.js';

let redis: RedisServer;
let admin: RedisStore;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new RedisStore({ url: redis.url, keyPrefix: 'mika:' });
  await admin.open();
  await seedSite(admin);
});
afterAll(async () => {
  await admin?.close();
  await redis?.destroy();
});

/** One GET on a fresh connection, so the kernel may hand it to any worker. */
function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mika serve --procs 2 on the Redis store', () => {
  it('runs two workers sharing the port over one swarm, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dir = tempDir('procs');
    // One user plays all 40 peers: no per-user peer limit.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${port}`, max_peers_per_user_torrent: 0 }, store: { type: 'redis', redis: { url: redis.url } } }));
    const m = runMika(['serve', '-config', join(dir, 'config.json'), '-procs', '2']);
    try {
      await m.waitFor(/worker processes started/);
      const deadline = Date.now() + 15_000;
      while ((m.stdout().match(/tracker listening/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const pids = new Set([...m.stdout().matchAll(/"pid":(\d+),"address"/g)].map((x) => x[1]));
      expect(pids.size).toBe(2);

      for (let i = 0; i < 40; i++) {
        const body = await get(port, `/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb(`p${i}`), left: i % 2 })}`);
        expect(body).not.toContain('failure reason');
      }
      const [entry] = await admin.scrape([IH.plain.toString('hex')]);
      expect(entry).toMatchObject({ complete: 20, incomplete: 20 });

      // SIGUSR2 to the primary reaches every worker: the next announces carry the new interval.
      const announceInterval = async () => /8:intervali(\d+)e/.exec(await get(port, `/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb('p0'), left: 0 })}`))?.[1];
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${port}`, interval: 900, reap_interval: 1200 }, store: { type: 'redis', redis: { url: redis.url } } }));
      m.child.kill('SIGUSR2');
      await m.waitFor(/config reloaded/);
      while ((m.stdout().match(/config reloaded/g) ?? []).length < 2 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 10; i++) expect(await announceInterval()).toBe('900');

      // A config that fails validation is refused and the running one kept.
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { interval: -1 } }));
      m.child.kill('SIGUSR2');
      await m.waitFor(/config reload refused/);
      expect(await announceInterval()).toBe('900');
    } finally {
      expect(await m.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
