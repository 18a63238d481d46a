import type { TopData, TopSnapshot } from './top-feed.js';

/** What `mika top --once --json` prints: one live snapshot, snake_case like the API. */
export function snapshotJson(url: string, data: TopData) {
  const { stats } = data;
  return {
    url,
    version: data.version,
    at: new Date(data.at).toISOString(),
    uptime_seconds: stats.uptime_seconds,
    announces: stats.announces,
    scrapes: stats.scrapes,
    announces_per_second: data.announcesPerSecond,
    scrapes_per_second: data.scrapesPerSecond,
    requests_per_second: stats.requests_per_second,
    errors: Object.fromEntries(data.errors.map((e) => [e.reason, { total: e.total, per_second: e.perSecond }])),
    seeders: stats.seeders,
    leechers: stats.leechers,
    peers: data.peers,
    torrents: stats.torrents,
    users: stats.users,
    storage: stats.storage,
    registry: stats.registry ?? { ok: true },
    workers: stats.workers,
    flush: stats.flush,
    certificate: stats.certificate,
    busiest: data.torrents,
  };
}

export type SnapshotJson = ReturnType<typeof snapshotJson>;

/** The snapshot's data when it is live, else an Error saying why not. */
export function liveData(s: TopSnapshot): TopData {
  if (s.state !== 'live' || !s.data) throw new Error(s.error ?? `no answer from ${s.url}`);
  // Zeros from a daemon whose store is down are no figures.
  if (!s.data.stats.storage.up) throw new Error(`the daemon at ${s.url} answers, but its ${s.data.stats.storage.kind} store does not (check the store; /api/health says more)`);
  return s.data;
}
