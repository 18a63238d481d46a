import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry, type Metric, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { WorkerGroup } from '../daemon/worker-group.js';
import type { FlushStatus } from '../flush/flusher.js';
import type { CertificateView } from '../tls/api-tls.js';
import type { SwarmTotals } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { FailureKind } from '../tracker/failure.js';
import type { TrackerCounters } from '../tracker/tracker.js';
import type { Sample } from './bucket-histogram.js';
import type { RequestTimings } from './request-timings.js';

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** Every failure reason, so that each series exists (at 0) from the start. */
const REASONS = Object.keys({
  malformed: true,
  unknown_passkey: true,
  user_disabled: true,
  not_whitelisted: true,
  client_refused: true,
  unregistered_torrent: true,
  torrent_disabled: true,
  leech_denied: true,
  peer_limit: true,
  figure_range: true,
  family_disabled: true,
  storage_unavailable: true,
  internal: true,
} satisfies Record<FailureKind, true>) as FailureKind[];

/** What the metrics read: the daemon's parts, each keeping its own plain counters. */
export interface MetricSources {
  store: Store;
  counters: TrackerCounters;
  timings: RequestTimings;
  reaper: { readonly reaped: number };
  /** The flush's state; undefined while the flush is off. */
  flush?: () => FlushStatus | undefined;
  /** The API certificate's expiry; undefined while the API is off. */
  certificate?: () => CertificateView | undefined;
}

/**
 * A counter whose value another part keeps as a plain number (the request path only bumps it),
 * copied into the registry when it is read: a scrape or a push, never the request.
 */
function copiedCounter(registry: Registry, name: string, help: string, label: string | undefined, read: () => number | Record<string, number>): void {
  new Counter({
    name,
    help,
    labelNames: label === undefined ? [] : [label],
    registers: [registry],
    collect() {
      this.reset();
      const v = read();
      if (typeof v === 'number') this.inc(v);
      else for (const [value, n] of Object.entries(v)) this.inc({ [label!]: value }, n);
    },
  });
}

/**
 * A counter the store keeps (the same from every process on one store), read when the registry
 * is; when storage does not answer it keeps its last values.
 */
function storedCounter(registry: Registry, name: string, help: string, label: string, read: () => Promise<Record<string, number>>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const v = await read().catch(() => undefined);
      if (!v) return;
      this.reset();
      for (const [value, n] of Object.entries(v)) this.inc({ [label]: value }, n);
    },
  });
}

/** A gauge read when the registry is; `undefined` keeps the last value (storage down). */
function readGauge(registry: Registry, name: string, help: string, read: () => Promise<number | undefined> | number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const v = await read();
      if (v !== undefined) this.set(v);
    },
  });
}

/**
 * The daemon's metrics, one registry per process (with procs > 1 each worker has its own, and
 * `labels` tell them apart). Counters come from the tracker's, the reaper's and the store's own
 * running numbers; latencies from RequestTimings; swarm and registry sizes from the store, read at
 * collection time. prom-client formats the Prometheus text and adds the process metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(sources: MetricSources, labels: Record<string, string> = {}) {
    const { store, counters, timings, reaper } = sources;
    const r = this.registry;
    r.setDefaultLabels(labels);

    copiedCounter(r, 'mika_announces_total', 'Announces answered, by result (a failure is a reply with a failure reason)', 'result', () => ({ ok: counters.ok.announce, failure: counters.failed.announce }));
    copiedCounter(r, 'mika_scrapes_total', 'Scrapes answered, by result', 'result', () => ({ ok: counters.ok.scrape, failure: counters.failed.scrape }));
    copiedCounter(r, 'mika_failures_total', 'Failure replies by reason: announces, scrapes and requests to unknown paths', 'reason', () =>
      Object.fromEntries(REASONS.map((k) => [k, counters.failures[k] ?? 0])),
    );
    storedCounter(r, 'mika_cheats_total', 'Cheat events by kind: upload beyond the upload budget (upload_rate), upload with nobody to upload to (no_leechers); the store\'s, the same from every process', 'kind', () =>
      store.cheatCounts(),
    );
    copiedCounter(r, 'mika_reaped_peers_total', 'Peers dropped from their swarm after staying silent longer than tracker.reap_interval', undefined, () => reaper.reaped);
    copiedCounter(r, 'mika_storage_reconnects_total', 'Storage connections re-established after they were lost (Redis: main and events connections)', undefined, () => store.reconnects ?? 0);

    // Not prom-client classes (see bucket-histogram.ts), but the registry reads them the same way.
    r.registerMetric(timings.requestDuration as unknown as Metric);
    r.registerMetric(timings.storageDuration as unknown as Metric);

    // One store.totals() per collection, shared by the gauges that read it: they are collected together.
    let pending: Promise<SwarmTotals | undefined> | undefined;
    const totals = () => (pending ??= store.totals().catch(() => undefined).finally(() => (pending = undefined)));
    readGauge(r, 'mika_storage_up', 'Whether the store answered at the last collection (1) or not (0)', async () => ((await totals()) ? 1 : 0));
    readGauge(r, 'mika_seeders', 'Seeders over every swarm (the store\'s, the same from every process)', async () => (await totals())?.seeders);
    readGauge(r, 'mika_leechers', 'Leechers over every swarm', async () => (await totals())?.leechers);
    readGauge(r, 'mika_peers', 'Peers over every swarm: seeders and leechers', async () => {
      const t = await totals();
      return t && t.seeders + t.leechers;
    });
    readGauge(r, 'mika_torrents', 'Registered torrents', () => store.counts().torrents);
    readGauge(r, 'mika_users', 'Registered users', () => store.counts().users);
    readGauge(r, 'mika_whitelist_entries', 'Client whitelist entries (peer_id prefixes)', () => store.counts().whitelist);

    const { flush, certificate } = sources;
    if (flush) {
      readGauge(r, 'mika_flush_failing', 'Whether the SQL flush is failing now (1) or not (0); absent while the flush is off', () => (flush() ? (flush()!.state === 'failing' ? 1 : 0) : undefined));
      readGauge(r, 'mika_flush_failures', 'SQL flush passes failed in a row', () => flush()?.failures);
      readGauge(r, 'mika_flush_last_success_timestamp_seconds', 'Unix time of the last SQL flush that went through', () => {
        const at = flush()?.lastSuccess;
        return at === undefined ? undefined : at / 1000;
      });
    }
    if (certificate) {
      // A timestamp, not days left: Prometheus wants base units, and an alert computes what is left with time().
      readGauge(r, 'mika_api_certificate_expiry_timestamp_seconds', 'Unix time the API certificate expires (renew 30 days before: docs/operations.md)', () => {
        const at = certificate()?.expires_at;
        return at === undefined ? undefined : Date.parse(at) / 1000;
      });
    }

    collectDefaultMetrics({ register: r });
    // Gauges named like counters (promtool's lint refuses them); the same figures are in their
    // per-type twins without "_total".
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) r.removeSingleMetric(name);
  }

  /** Set by the daemon: with -procs, render() covers every worker of the group. */
  group: WorkerGroup | undefined;

  /**
   * The Prometheus text format (0.0.4) of every metric, and its content type. Under -procs: every
   * worker's series, each with its `worker` label (sum over it for the whole tracker).
   */
  async render(): Promise<{ contentType: string; body: string }> {
    const parts = this.group ? await this.group.collect<MetricJson[]>('metrics') : [];
    if (parts.length <= 1) return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    const all = AggregatorRegistry.aggregate(parts);
    return { contentType: all.contentType, body: await all.metrics() };
  }

  /** This process's metrics as plain data, for the worker that renders the group's. */
  json(): Promise<MetricJson[]> {
    return this.registry.getMetricsAsJSON();
  }

  /** Every sample now, finite values only, a histogram as its _bucket, _sum and _count series (for the push exporters). */
  async samples(): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const m of await this.registry.getMetricsAsJSON()) {
      for (const v of m.values as Array<Omit<Sample, 'metricName'> & { metricName?: string }>) {
        if (Number.isFinite(v.value)) out.push({ metricName: v.metricName ?? m.name, labels: v.labels, value: v.value });
      }
    }
    return out;
  }
}
