import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { ApiAuth } from '../api/auth.js';
import { configChanges, keepRunning, type ConfigChanges } from '../config/diff.js';
import type { Config } from '../config/schema.js';
import { Flusher } from '../flush/flusher.js';
import { flushView } from '../flush/flush-view.js';
import { siteRowsWanted } from '../flush/apply-site-rows.js';
import { Metrics } from '../metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import { startExporters } from '../metrics/push-exporter.js';
import { RequestTimings } from '../metrics/request-timings.js';
import { workerFigures } from '../metrics/worker-figures.js';
import { createStore } from '../store/create-store.js';
import { describeStore } from '../store/store-description.js';
import type { Store } from '../store/store.js';
import { preciseClock, systemClock, Tracker, type Clock } from '../tracker/tracker.js';
import { certificateView, readApiTls } from '../tls/api-tls.js';
import { apiOffReason, startApiServer, type ApiServer } from './api-server.js';
import { listenOn } from './listen-address.js';
import { applyTimeouts } from './listener-limits.js';
import type { Logger } from './logger.js';
import { geoLocatorFor } from '../geo/locator.js';
import { Reaper } from './reaper.js';
import { autoWarmup } from './auto-warmup.js';
import { RegistryWatch } from './registry-watch.js';
import { RequestRate } from './request-rate.js';
import { buildTrackerServer } from './tracker-server.js';
import { workerGroup } from './worker-group.js';

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
  /** The API's bound address; undefined when the API is off (see apiOffReason). */
  readonly apiAddress: AddressInfo | undefined;
  /** The plain-HTTP metrics listener's bound address; undefined when `metrics.listen` is "". */
  readonly metricsAddress: AddressInfo | undefined;
  /**
   * Applies a new config and reads the API's TLS files again (a renewed certificate); returns what
   * changed and which of it only a restart applies. A TLS file that is not usable throws
   * ConfigError and nothing of the new config is applied.
   */
  reload(config: Config): ConfigChanges;
  /** Stops accepting, answers the requests in flight, sends the last SQL flush (when on), then closes the store. */
  close(): Promise<void>;
}

/** Starts the tracker on the configured store and port. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  let config = opts.config;
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  // An API that is asked for must start: a missing or unusable TLS file stops start-up before anything opens.
  if (apiOffReason(config.api) === undefined) readApiTls(config.api);
  const store = opts.store ?? (await createStore(config.store, logger, { flush: config.sql.flush.enabled, flushCheats: config.sql.flush.enabled && config.sql.flush.cheats.table !== '', flushSite: config.sql.flush.enabled && siteRowsWanted(config.sql.flush) }));
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
  if (store.kind === config.store.type) {
    const { line, ...where } = describeStore(config.store);
    // The memory store's line is a warning: nothing it holds survives the process.
    if (where.durable) logger.info(where, line);
    else logger.warn(where, line);
  }
  const registryWatch = new RegistryWatch(store, logger);

  const timings = new RequestTimings();
  // The tracker reads milliseconds too (the upload budget), unless a test gives its own clock.
  const tracker = new Tracker(store, config, logger, opts.clock ?? preciseClock, timings);
  tracker.useGeo(geoLocatorFor(config.geo, logger), config.geo.sample);
  const reaper = new Reaper(store, () => config.tracker, clock, logger);
  const startedAt = Date.now();
  // Started with the flush on only: the store tracks changes only then (a restart switches it).
  const flusher = config.sql.flush.enabled ? new Flusher({ store, sql: () => config.sql, hnr: () => config.accounting.hnr, logger }) : undefined;
  let api: ApiServer | undefined;
  const certificate = () => (api ? certificateView(api.tls) : undefined);
  // With procs > 1 each worker has its own metrics: the label keeps their series apart.
  const metrics = new Metrics(
    { store, counters: tracker.counters, timings, reaper, flush: () => flusher?.status(), certificate },
    cluster.isWorker ? { worker: String(cluster.worker!.id) } : {},
  );
  const rate = new RequestRate(() => tracker.counters.announces + tracker.counters.scrapes);
  // What this process answers when the API (of any worker) sums up the group.
  const group = workerGroup({ stats: () => workerFigures(tracker.counters, rate), metrics: () => metrics.json() });
  metrics.group = group;
  const trackerServer = await buildTrackerServer(tracker);
  let auth = new ApiAuth(config.api);
  const { rereadConfig } = opts;
  let metricsServer: MetricsServer | undefined;
  try {
    await listenOn(trackerServer, 'tracker.listen', config.tracker.listen, config.tracker);
    api = await startApiServer(
      config,
      {
        store,
        auth: () => auth,
        config: () => config,
        clock,
        startedAt,
        counters: tracker.counters,
        metrics,
        rate,
        registry: () => registryWatch.status(),
        group,
        certificate,
        flush: flusher && (() => flushView(flusher, store, startedAt)),
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
    await Promise.all([trackerServer.close(), api?.app.close()]);
    await store.close();
    throw err;
  }
  const trackerAddress = trackerServer.address();
  logger.info(
    {
      address: trackerAddress,
      store: store.kind,
      api: api ? api.address : `off: ${apiOffReason(config.api)}`,
      metrics: metricsServer ? metricsServer.address : 'on the API only',
      flush: flusher ? `every ${config.sql.flush.interval} s to ${config.sql.database}` : 'off',
      geo: config.geo.enabled ? config.geo.database : 'off',
      ...(cluster.isWorker ? { worker: cluster.worker!.id } : {}),
    },
    `tracker listening on ${hostPort(trackerAddress)}, ${api ? `API listening (TLS) on ${hostPort(api.address)}` : 'API off'}, ${store.kind} store, flush ${flusher ? 'on' : 'off'}, geo ${config.geo.enabled ? 'on' : 'off'}`,
  );
  if (api) {
    const cert = certificateView(api.tls);
    if (cert.expiring) logger.warn({ expires_at: cert.expires_at, days_left: cert.days_left }, `the API certificate ${config.api.tls_cert} expires in ${cert.days_left} days: renew it (mika genkey --force, then mika reload)`);
  }
  firstRunHint(store, config, api === undefined, logger);

  if (config.store.auto_warmup) {
    if (api) registryWatch.useWarmup(autoWarmup(() => config, api.address, logger));
    else logger.warn('store.auto_warmup is on but the API is off (api.tls_key and api.tls_cert): the registry is not reloaded by itself');
  }
  // firstRunHint said it for a start without users; the watch keeps the state and says later changes.
  registryWatch.start({ told: store.counts().users === 0 && store.counts().torrents === 0 });
  reaper.start();
  rate.start();
  flusher?.start();
  const exporters = startExporters(config.metrics, metrics, logger);

  const daemon: Daemon = {
    store,
    tracker,
    trackerAddress,
    apiAddress: api?.address,
    metricsAddress: metricsServer?.address,
    reload(fileConfig: Config): ConfigChanges {
      // Fields only a restart applies keep their running values: the diff is against what runs.
      const next = keepRunning(config, fileConfig);
      const tls = api ? readApiTls(next.api) : undefined;
      const changes = configChanges(config, fileConfig);
      const previous = config;
      config = next;
      auth = new ApiAuth(next.api);
      if (api && tls && tls.fingerprint256 !== api.tls.fingerprint256) {
        api.setTls(tls);
        if (!changes.changed.includes('api.tls_cert')) changes.changed.push('api.tls_cert');
        logger.info({ expires_at: tls.expiresAt.toISOString() }, 'API certificate reloaded');
      }
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
      registryWatch.stop();
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

const hostPort = (a: AddressInfo) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);

/** On a tracker with nobody to serve yet, one line saying what is missing and what to run next. */
function firstRunHint(store: Store, config: Config, apiOff: boolean, logger: Logger): void {
  if (store.counts().users > 0) return;
  const add = apiOff
    ? `and the API, through which users and torrents are added, is off (${apiOffReason(config.api)}): run mika init, then mika serve again`
    : 'add users, torrents and the whitelist through the API (README "Quick start", docs/api.md) or run mika warmup';
  logger.warn(`no users yet: every announce is refused "unknown passkey"; ${add}`);
}
