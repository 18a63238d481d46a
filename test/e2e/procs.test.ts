import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { announceQuery } from '../helpers/tracker-harness.js';
import { eventually } from '../helpers/eventually.js';

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
    // A connection the primary took while no worker was up may never be answered: give up on it.
    req.setTimeout(3000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

// Every announce here is alice's, from many peer_ids: the per-user peer limit is off.
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
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${port}`, max_peers_per_user_torrent: 0, interval: 900, reap_interval: 1200 }, store: { type: 'redis', redis: { url: redis.url } } }));
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

/** A config for -procs 2 on the test Redis in `dir`, with the API on when `api` is given. */
function procsConfig(dir: string, port: number, api?: { port: number; key: string }): string {
  const path = join(dir, 'config.json');
  const config: Record<string, unknown> = { tracker: { listen: `127.0.0.1:${port}`, max_peers_per_user_torrent: 0 }, store: { type: 'redis', redis: { url: redis.url } }, pidfile: join(dir, 'mika.pid') };
  if (api) config.api = { listen: `127.0.0.1:${api.port}`, keys: [api.key], tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') };
  else config.api = { enabled: false };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** The pids of the workers that said they listen, from the primary's stdout. */
const workerPids = (stdout: string) => [...new Set([...stdout.matchAll(/"pid":(\d+),"address"/g)].map((x) => Number(x[1])))];

const announceOk = async (port: number, label: string) => {
  const body = await get(port, `/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb(label), left: 0 })}`).catch((e: Error) => `error ${e.message}`);
  return !body.startsWith('error') && !body.includes('failure reason');
};

describe('the -procs primary supervises its workers', () => {
  it('when every worker is killed, starts new ones: the tracker answers again within 15 s and the primary stays up', { timeout: 90_000 }, async () => {
    const dir = tempDir('procs-kill');
    const port = await freePort();
    const m = runMika(['serve', '-config', procsConfig(dir, port), '-procs', '2']);
    try {
      await m.waitFor(/worker processes started/);
      await eventually(() => workerPids(m.stdout()).length === 2, 10_000, 50);
      const first = workerPids(m.stdout());
      expect(await announceOk(port, 'k0')).toBe(true);
      for (const pid of first) process.kill(pid, 'SIGKILL');
      const killedAt = Date.now();
      await m.waitFor(/worker died \(killed by SIGKILL\)/);
      await eventually(() => announceOk(port, 'k1'), 15_000, 200);
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      expect(m.child.exitCode).toBeNull();
      // Both replaced, by new processes.
      await eventually(() => workerPids(m.stdout()).length === 4, 15_000, 100);
      expect(m.stdout()).toMatch(/"level":"error".*"reason":"killed by SIGKILL".*worker died/);
    } finally {
      expect(await m.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('when no worker can start, gives up after a bounded number of tries and exits 1 saying why', { timeout: 120_000 }, async () => {
    const dir = tempDir('procs-fail');
    const dead = await freePort();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: '127.0.0.1:0' }, api: { enabled: false }, store: { type: 'redis', redis: { url: `redis://127.0.0.1:${dead}` } }, pidfile: '' }));
    const m = runMika(['serve', '-config', join(dir, 'config.json'), '-procs', '2']);
    const { code } = await m.exited;
    expect(code).toBe(1);
    expect(m.stdout()).toMatch(/worker failed to start \(cannot open the redis store: .*\): starting another in/);
    expect(m.stdout()).toMatch(/"level":"fatal".*cannot serve: 5 worker starts failed in a row, the last: cannot open the redis store: .*store\.redis\.url/);
  });
});

describe('figures of the whole process group', () => {
  it('mika top --once --json under -procs 2 counts every announce sent, whichever worker took it, and says 2 workers', { timeout: 90_000 }, async () => {
    const dir = tempDir('procs-top');
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    const [port, apiPort] = [await freePort(), await freePort()];
    const key = 'procs-top-key-of-some-length';
    const config = procsConfig(dir, port, { port: apiPort, key });
    const m = runMika(['serve', '-config', config, '-procs', '2']);
    try {
      await m.waitFor(/worker processes started/);
      const sent = 60;
      for (let i = 0; i < sent; i++) expect(await announceOk(port, `t${i}`)).toBe(true);
      const top = runMika(['top', '-config', config, '-once', '-json', '-interval', '0.2']);
      expect((await top.exited).code, top.stderr()).toBe(0);
      const snap = JSON.parse(top.stdout());
      expect(snap).toMatchObject({ announces: sent, workers: 2 });

      // /metrics: one series per worker, summing to the same.
      const agent = new Agent({ connect: { ca: readFileSync(join(dir, 'mika-api.crt')) } });
      const text = await (await fetch(`https://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: `Bearer ${key}` }, dispatcher: agent })).text();
      await agent.close();
      const series = [...text.matchAll(/^mika_announces_total\{result="ok",worker="(\d+)"\} (\d+)$/gm)];
      expect(new Set(series.map((x) => x[1])).size).toBe(2);
      expect(series.reduce((n, x) => n + Number(x[2]), 0)).toBe(sent);
      // Both workers took some: the sum is no single worker's share.
      expect(series.every((x) => Number(x[2]) > 0)).toBe(true);
    } finally {
      expect((await m.stop()).code).toBe(0);
    }
  });
});
