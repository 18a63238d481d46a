import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, onTestFinished } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { announceLoad, loadSite, type AnnounceLoad, type LoadOptions, type LoadSite } from '../helpers/announce-load.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/temp-dir.js';

// What every fault test starts from: a redis-server with AOF (acknowledged writes survive its
// crash), the site's users and torrents in it, and the built mika on a fixed port, so that a
// restarted mika is found where the clients' keep-alive connections expect it.

export interface FaultRig {
  redis: RedisServer;
  /** The site's view of the store, for the totals. */
  admin: RedisStore;
  site: LoadSite;
  port: number;
  /** Runs `mika serve` on the rig's Redis and port; resolves once it listens. */
  startMika(procs?: number): Promise<MikaProcess>;
  /** The load of the rig's peers against its port. */
  load(opts?: LoadOptions): AnnounceLoad;
  /**
   * mika started (with `procs` worker processes, default 1), and the load begun and running until
   * every peer has had `successes` replies.
   */
  underLoad(successes: number, opts?: LoadOptions & { procs?: number }): Promise<{ mika: MikaProcess; load: AnnounceLoad }>;
}

/** A fresh rig for each test of the calling file. */
export function useFaultRig(): () => FaultRig {
  let rig: FaultRig | undefined;
  beforeEach(async () => {
    const redis = await startRedisServer({ appendonly: true });
    const admin = new RedisStore({ url: redis.url, keyPrefix: 'mika:' });
    await admin.open();
    const site = loadSite({ users: 6, torrents: 4, peers: 12 });
    await site.seed(admin);
    rig = {
      redis,
      admin,
      site,
      port: await freePort(),
      async startMika(procs = 1) {
        const config = join(tempDir('faults'), 'config.json');
        writeFileSync(config, JSON.stringify({ tracker: { listen: `127.0.0.1:${rig!.port}` }, store: { type: 'redis', redis: { url: redis.url } }, pidfile: '' }));
        const m = runMika(['serve', '-config', config, '-procs', String(procs)]);
        // Killed when the test ends, however it ends; after a clean stop this does nothing.
        onTestFinished(() => void m.child.kill('SIGKILL'));
        // Generous: the start of a whole CLI on a busy 2-core CI machine.
        await m.waitFor(/tracker listening/, 30_000);
        await eventually(() => (m.stdout().match(/tracker listening/g) ?? []).length === procs, 30_000);
        return m;
      },
      load: (opts) => announceLoad(rig!.port, site.peers, opts),
      async underLoad(successes, opts = {}) {
        const mika = await rig!.startMika(opts.procs);
        const load = rig!.load(opts);
        // Stopped when the test ends, however it ends (a second stop is harmless).
        onTestFinished(() => load.stop().then(() => load.close()));
        await load.begin();
        load.run();
        await load.successesEach(successes);
        return { mika, load };
      },
    };
  });
  afterEach(async () => {
    await rig?.admin.close();
    await rig?.redis.destroy();
    rig = undefined;
  });
  return () => rig!;
}
