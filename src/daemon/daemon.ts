import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { ApiAuth } from '../api/auth.js';
import { configChanges, type ConfigChanges } from '../config/diff.js';
import type { Config } from '../config/schema.js';
import { Flusher } from '../flush/flusher.js';
import { Metrics } from '../metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import { startExporters } from '../metrics/push-exporter.js';
import { RequestTimings } from '../metrics/request-timings.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { preciseClock, systemClock, Tracker, type Clock } from '../tracker/tracker.js';
import { startApiServer, type ApiServer } from './api-server.js';
import { listenTarget } from './listen-address.js';
import { applyTimeouts } from './listener-limits.js';
import type { Logger } from './logger.js';
import { geoLocatorFor } from '../geo/locator.js';
import { Reaper } from './reaper.js';
import { RequestRate } from './request-rate.js';
import { buildTrackerServer } from './tracker-server.js';

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** A store made by the caller (tests; made with `flush: true` when sql.flush is on); otherwise the config's. */
  store?: Store;
  clock?: Clock;
  /**
   * Reads the config again, for POST /api/reload and for the reload notices of the other instances
   * on the same store (throws ConfigError when it fails validation). Without it the API's reload
   * route answers 501 and notices are ignored.
   */
  rereadConfig?: () => Config;
}

export interface Daemon {
  readonly store: Store;
  readonly tracker: Tracker;
  /** The tracker's bound address (port 0 in config picks a free one). */
  readonly trackerAddress: AddressInfo;
  /** The API's bound address; undefined when the API is off (no TLS key and certificate). */
  readonly apiAddress: AddressInfo | undefined;
  /** The plain-HTTP metrics listener's bound address; undefined when `metrics.listen` is "". */
  readonly metricsAddress: AddressInfo | undefined;
  /** Applies a new config; returns what changed and which of it only a restart applies. */
  reload(config: Config): ConfigChanges;
  /** Stops accepting, answers the requests in flight, sends the last SQL flush (when on), then closes the store. */
  close(): Promise<void>;
}

/** Starts the tracker on the configured store and port. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  let config = opts.config;
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await createStore(config.store, logger, { flush: config.sql.flush.enabled }));
  try {
    await store.open();
  } catch (err) {
    // The Redis store keeps reconnecting in the background until it is closed.
    await store.close();
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    const where = { standalone: 'store.redis.url', sentinel: 'store.redis.sentinels', cluster: 'store.redis.nodes' }[config.store.redis.mode];
    const hint = store.kind === 'redis' ? ` (is Redis reachable at ${where}? the log has the connection error)` : '';
    throw new Error(`cannot open the ${store.kind} store: ${cause}${hint}`, { cause: err });
  }

  const timings = new RequestTimings();
  // The tracker reads milliseconds too (the upload budget), unless a test gives its own clock.
  const tracker = new Tracker(store, config, logger, opts.clock ?? preciseClock, timings);
  tracker.useGeo(geoLocatorFor(config.geo, logger), config.geo.sample);
  const reaper = new Reaper(store, () => config.tracker, clock, logger);
  // With procs > 1 each worker has its own metrics: the label keeps their series apart.
  const metrics = new Metrics({ store, counters: tracker.counters, timings, reaper }, cluster.isWorker ? { worker: String(cluster.worker!.id) } : {});
  const trackerServer = await buildTrackerServer(tracker);
  const server = trackerServer.app;
  let auth = new ApiAuth(config.api);
  const rate = new RequestRate(() => tracker.counters.announces + tracker.counters.scrapes);
  const { rereadConfig } = opts;
  let api: ApiServer | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    await server.listen(listenTarget(config.tracker.listen, config.tracker));
    api = await startApiServer(
      config,
      {
        store,
        auth: () => auth,
        config: () => config,
        clock,
        startedAt: Date.now(),
        counters: tracker.counters,
        metrics,
        rate,
        reload: rereadConfig && (() => {
          const changes = daemon.reload(rereadConfig());
          // Every other instance on this store (other workers, other hosts) re-reads its own file.
          store.publishReload().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'reload notice to the other instances not sent'));
          return changes;
        }),
      },
      logger,
    );
    if (config.metrics.listen !== '') metricsServer = await startMetricsServer(config.metrics.listen, config.tracker, metrics, logger);
  } catch (err) {
    // A port in use (or a bad TLS file) leaves nothing open behind it.
    await Promise.all([server.close(), api?.app.close()]);
    await store.close();
    throw err;
  }
  const trackerAddress = server.server.address() as AddressInfo;
  logger.info({ address: trackerAddress, store: store.kind }, 'tracker listening');

  reaper.start();
  rate.start();
  // Started with the flush on only: the store tracks changes only then (a restart switches it).
  const flusher = config.sql.flush.enabled ? new Flusher({ store, sql: () => config.sql, logger }) : undefined;
  flusher?.start();
  const exporters = startExporters(config.metrics, metrics, logger);

  const daemon: Daemon = {
    store,
    tracker,
    trackerAddress,
    apiAddress: api?.address,
    metricsAddress: metricsServer?.address,
    reload(next: Config): ConfigChanges {
      const changes = configChanges(config, next);
      const previous = config;
      config = next;
      auth = new ApiAuth(next.api);
      tracker.configure(next);
      trackerServer.applyLimits();
      if (api) applyTimeouts(api.app.server, next.api);
      if (JSON.stringify(next.geo) !== JSON.stringify(previous.geo)) tracker.useGeo(geoLocatorFor(next.geo, logger), next.geo.sample);
      logger.level = next.log.level;
      reaper.restart();
      return changes;
    },
    async close(): Promise<void> {
      reaper.stop();
      rate.stop();
      for (const e of exporters) e.stop();
      await Promise.all([trackerServer.close(), api?.app.close(), metricsServer?.close()]);
      // No announce is in flight any more: what the last ones changed goes out before the store closes.
      await flusher?.close();
      await store.close();
    },
  };
  if (rereadConfig) {
    store.onReload(() => {
      try {
        const { changed, needsRestart } = daemon.reload(rereadConfig());
        logger.info({ changed, needsRestart }, 'config reloaded: another instance was reloaded through its API');
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'config reload refused: keeping the old config');
      }
    });
  }
  return daemon;
}
