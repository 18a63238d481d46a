import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, expect, onTestFinished } from 'vitest';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { announceLoad, loadSite, type AnnounceLoad, type LoadOptions, type LoadSite } from '../helpers/announce-load.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/temp-dir.js';

// What every fault test starts from: a store holding the site's users and torrents — a
// redis-server with AOF (acknowledged writes survive its crash), or an embedded store's data
// folder — and the built mika on a fixed port, so that a restarted mika is found where the
// clients' keep-alive connections expect it.

interface Rig {
  site: LoadSite;
  port: number;
  /** Runs `mika serve` on the rig's store and port; resolves once it listens. */
  startMika(procs?: number): Promise<MikaProcess>;
  /** The load of the rig's peers against its port. */
  load(opts?: LoadOptions): AnnounceLoad;
  /**
   * mika started (with `procs` worker processes, default 1), and the load begun and running until
   * every peer has had `successes` replies.
   */
  underLoad(successes: number, opts?: LoadOptions & { procs?: number }): Promise<{ mika: MikaProcess; load: AnnounceLoad }>;
}

/**
 * SIGKILLs mika while at least half of the peers wait for a reply, stops the load, and checks that
 * the announces on the wire got no reply: applied or lost, nobody can tell yet.
 *
 * mika is frozen (SIGSTOP) first, at a moment of the load's choosing, mid-commit or not, and killed
 * once the peers have read what it wrote before it froze. Killed at once, a group commit's replies
 * could all be in the peers' sockets already, unread by this test process that still counted them
 * in flight: they arrived after the kill as successes and nothing was cut (CI, both stores).
 */
export async function killWithAnnouncesInFlight(mika: MikaProcess, load: AnnounceLoad): Promise<void> {
  const half = Math.ceil(load.peers.length / 2);
  await eventually(() => load.inFlight() >= half, 5_000, 1);
  mika.child.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 100));
  await eventually(() => load.inFlight() >= half, 5_000, 1);
  const killedAt = performance.now();
  mika.child.kill('SIGKILL');
  expect(await mika.exited).toEqual({ code: null, signal: 'SIGKILL' });
  await load.stop();
  const cut = load.exchanges.filter((x) => x.outcome === 'error' && x.startedAt < killedAt);
  expect(cut.length).toBeGreaterThan(0);
  expect(cut.every((x) => /socket hang up|ECONNRESET|EPIPE/.test(x.detail ?? ''))).toBe(true);
}

export interface FaultRig extends Rig {
  redis: RedisServer;
  /** The site's view of the store, for the totals. */
  admin: RedisStore;
}

export interface EmbeddedFaultRig extends Rig {
  /** The data folder mika serves from. */
  path: string;
  /**
   * The site's view of the store, for the totals: closed. Open it only while no mika runs (one
   * process holds a data folder), and close it before the next start.
   */
  admin: EmbeddedStore;
}

const site = () => loadSite({ users: 6, torrents: 4, peers: 12 });

/** The parts of a rig that do not depend on the store: mika on a fixed port with `store` as its config's store section. */
async function rigOn(loadSite: LoadSite, store: object): Promise<Rig> {
  const port = await freePort();
  const rig: Rig = {
    site: loadSite,
    port,
    async startMika(procs = 1) {
      const config = join(tempDir('faults'), 'config.json');
      writeFileSync(config, JSON.stringify({ tracker: { listen: `127.0.0.1:${port}` }, store, pidfile: '' }));
      const m = runMika(['serve', '-config', config, '-procs', String(procs)]);
      // Killed when the test ends, however it ends; after a clean stop this does nothing.
      onTestFinished(() => void m.child.kill('SIGKILL'));
      // Generous: the start of a whole CLI on a busy 2-core CI machine.
      await m.waitFor(/tracker listening/, 30_000);
      await eventually(() => (m.stdout().match(/tracker listening/g) ?? []).length === procs, 30_000);
      return m;
    },
    load: (opts) => announceLoad(port, loadSite.peers, opts),
    async underLoad(successes, opts = {}) {
      const mika = await rig.startMika(opts.procs);
      const load = rig.load(opts);
      // Stopped when the test ends, however it ends (a second stop is harmless).
      onTestFinished(() => load.stop().then(() => load.close()));
      await load.begin();
      load.run();
      await load.successesEach(successes);
      return { mika, load };
    },
  };
  return rig;
}

/** A fresh rig on Redis for each test of the calling file. */
export function useFaultRig(): () => FaultRig {
  let rig: FaultRig | undefined;
  beforeEach(async () => {
    const redis = await startRedisServer({ appendonly: true });
    const admin = new RedisStore({ url: redis.url, keyPrefix: 'mika:' });
    await admin.open();
    const s = site();
    await s.seed(admin);
    rig = { redis, admin, ...(await rigOn(s, { type: 'redis', redis: { url: redis.url } })) };
  });
  afterEach(async () => {
    await rig?.admin.close();
    await rig?.redis.destroy();
    rig = undefined;
  });
  return () => rig!;
}

/** A fresh rig on the embedded store (its own data folder) for each test of the calling file. */
export function useEmbeddedFaultRig(): () => EmbeddedFaultRig {
  let rig: EmbeddedFaultRig | undefined;
  beforeEach(async () => {
    const path = join(tempDir('faults'), 'data');
    const admin = new EmbeddedStore({ path });
    await admin.open();
    const s = site();
    await s.seed(admin);
    await admin.close();
    rig = { path, admin, ...(await rigOn(s, { type: 'embedded', path })) };
  });
  afterEach(async () => {
    await rig?.admin.close();
    rig = undefined;
  });
  return () => rig!;
}
