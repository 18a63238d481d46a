import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { SwarmTotals } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { FailureKind } from '../tracker/failure.js';
import type { TrackerCounters } from '../tracker/tracker.js';
import type { Sample } from './bucket-histogram.js';
import type { RequestTimings } from './request-timings.js';

/** Every failure reason, so that each series exists (at 0) from the start. */
const REASONS = Object.keys({
  malformed: true,
  unknown_passkey: true,
  user_disabled: true,
  not_whitelisted: true,
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

/** A gauge read when the registry is; `undefined` keeps the last value (storage down). */
function readGauge(registry: Registry, name: string, help: string, read: () => Promise<number | undefined> | number): void {
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

    collectDefaultMetrics({ register: r });
    // Gauges named like counters (promtool's lint refuses them); the same figures are in their
    // per-type twins without "_total".
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) r.removeSingleMetric(name);
  }

  /** The Prometheus text format (0.0.4) of every metric, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
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
