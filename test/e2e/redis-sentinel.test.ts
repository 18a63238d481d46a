import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { startRedisSentinelSet, type RedisSentinelSet } from '../helpers/redis-sentinel.js';
import { announceQuery } from '../helpers/tracker-harness.js';

let set: RedisSentinelSet;
let daemon: Daemon;
let admin: RedisStore;

beforeAll(async () => {
  set = await startRedisSentinelSet();
  await set.ready();
  const redis = { mode: 'sentinel', sentinels: set.sentinels, sentinel_name: set.name };
  // The load plays many peers of one user: no per-user peer limit (the contract and cheater suites hold it).
  const config = parseConfig({ tracker: { listen: '127.0.0.1:0', max_peers_per_user_torrent: 0 }, store: { type: 'redis', redis }, log: { level: 'silent' } });
  daemon = await startDaemon({ config, logger: createLogger('silent') });
  admin = new RedisStore({ url: 'redis://', mode: 'sentinel', sentinels: set.sentinels, sentinelName: set.name, keyPrefix: 'mika:' });
  await admin.open();
  await seedSite(admin);
  await eventually(() => daemon.store.userByPasskey(PK.alice) !== undefined && daemon.store.torrentByInfoHash(IH.plain.toString('hex')) !== undefined, 5000);
}, 60_000);

afterAll(async () => {
  await daemon?.close();
  await admin?.close();
  await set?.destroy();
});

async function announce(peer: string, uploaded: number): Promise<{ status: number; body: string }> {
  const url = `http://127.0.0.1:${daemon.trackerAddress.port}/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb(peer), left: 0, uploaded })}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

describe('when the Sentinel master dies under load', () => {
  it('mika follows the promoted replica by itself, answering only bencoded failures during the switch', async () => {
    // Four clients announcing in a loop, bounded in count and time.
    const bodies: string[] = [];
    let stop = false;
    const deadline = Date.now() + 60_000;
    const client = async (peer: string) => {
      for (let i = 1; !stop && i <= 5000 && Date.now() < deadline; i++) {
        const r = await announce(peer, i * 1000);
        expect(r.status).toBe(200);
        bodies.push(r.body);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const load = Promise.all(['s1', 's2', 's3', 's4'].map(client));

    try {
      await eventually(() => bodies.length >= 40, 10_000);
      await set.master.stop('SIGKILL');
      await eventually(async () => (await set.currentMasterPort()) === set.replica.port, 30_000);
      // After the promotion every client gets through again, with no restart of mika.
      const mark = bodies.length;
      await eventually(() => bodies.slice(mark).filter((b) => !b.includes('failure reason')).length >= 40, 30_000);
    } finally {
      stop = true;
      await load;
    }

    const failures = bodies.filter((b) => b.includes('failure reason'));
    expect(new Set(failures)).toEqual(failures.length ? new Set(['d14:failure reason27:tracker storage unavailablee']) : new Set());
    for (const b of bodies) expect(b).toMatch(/^d.*e$/s);
    // The last replies all succeeded: the switch is over.
    for (const b of bodies.slice(-8)) expect(b).not.toContain('failure reason');
    expect(await daemon.store.ping()).toBe(true);
    // Replication is asynchronous: writes acknowledged by the dead master just before it died may
    // not have reached the replica; what the new master holds is counted, and only once.
    const stats = await admin.userStats(1);
    expect(stats.announces).toBeGreaterThan(0);
  }, 120_000);
});
