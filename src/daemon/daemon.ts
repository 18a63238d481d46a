import type { AddressInfo } from 'node:net';
import { ApiAuth } from '../api/auth.js';
import type { Config } from '../config/schema.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { systemClock, Tracker, type Clock } from '../tracker/tracker.js';
import { startApiServer, type ApiServer } from './api-server.js';
import { listenTarget } from './listen-address.js';
import type { Logger } from './logger.js';
import { Reaper } from './reaper.js';
import { buildTrackerServer } from './tracker-server.js';

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** A store made by the caller (tests); otherwise the config's. */
  store?: Store;
  clock?: Clock;
}

export interface Daemon {
  readonly store: Store;
  readonly tracker: Tracker;
  /** The tracker's bound address (port 0 in config picks a free one). */
  readonly trackerAddress: AddressInfo;
  /** The API's bound address; undefined when the API is off (no TLS key and certificate). */
  readonly apiAddress: AddressInfo | undefined;
  /** Applies a new config; returns the fields that only a restart can change. */
  reload(config: Config): string[];
  /** Stops accepting, answers the requests in flight, then closes the store. */
  close(): Promise<void>;
}

/** Starts the tracker on the configured store and port. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  let config = opts.config;
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await createStore(config.store, logger));
  try {
    await store.open();
  } catch (err) {
    // The Redis store keeps reconnecting in the background until it is closed.
    await store.close();
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    const hint = store.kind === 'redis' ? ' (is Redis reachable at store.redis.url? the log has the connection error)' : '';
    throw new Error(`cannot open the ${store.kind} store: ${cause}${hint}`, { cause: err });
  }

  const tracker = new Tracker(store, config, logger, clock);
  const { app: server } = await buildTrackerServer(tracker);
  let auth = new ApiAuth(config.api);
  let api: ApiServer | undefined;
  try {
    await server.listen(listenTarget(config.tracker.listen, config.tracker));
    api = await startApiServer(config, { store, auth: () => auth, startedAt: Date.now() }, logger);
  } catch (err) {
    // A port in use (or a bad TLS file) leaves nothing open behind it.
    await server.close();
    await store.close();
    throw err;
  }
  const trackerAddress = server.server.address() as AddressInfo;
  logger.info({ address: trackerAddress, store: store.kind }, 'tracker listening');

  const reaper = new Reaper(store, () => config.tracker, clock, logger);
  reaper.start();

  return {
    store,
    tracker,
    trackerAddress,
    apiAddress: api?.address,
    reload(next: Config): string[] {
      const restart: string[] = [];
      if (next.tracker.listen !== config.tracker.listen) restart.push('tracker.listen');
      if (next.api.listen !== config.api.listen || next.api.tls_key !== config.api.tls_key || next.api.tls_cert !== config.api.tls_cert) restart.push('api.listen/tls');
      if (next.tracker.ipv4 !== config.tracker.ipv4 || next.tracker.ipv6 !== config.tracker.ipv6) restart.push('tracker.ipv4/ipv6 listening');
      if (JSON.stringify(next.store) !== JSON.stringify(config.store)) restart.push('store');
      if (next.procs !== config.procs) restart.push('procs');
      config = next;
      auth = new ApiAuth(next.api);
      tracker.configure(next);
      logger.level = next.log.level;
      reaper.restart();
      return restart;
    },
    async close(): Promise<void> {
      reaper.stop();
      await Promise.all([server.close(), api?.app.close()]);
      await store.close();
    },
  };
}
