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
    busiest: data.torrents,
  };
}

export type SnapshotJson = ReturnType<typeof snapshotJson>;

/** The snapshot's data when it is live, else an Error saying why not. */
export function liveData(s: TopSnapshot): TopData {
  if (s.state !== 'live' || !s.data) throw new Error(s.error ?? `no answer from ${s.url}`);
  return s.data;
}
