import type { ActiveTorrentsReply, StatsReply, VersionReply } from '../api/schemas.js';
import { printable } from '../text/printable.js';

/** The API calls the dashboard makes (ApiClient has them). */
export interface TopSource {
  stats(): Promise<StatsReply>;
  version(): Promise<VersionReply>;
  activeTorrents(limit?: number): Promise<ActiveTorrentsReply>;
}

/** Rates of one poll, per second since the poll before. */
export interface RatePoint {
  /** Unix milliseconds of the poll. */
  at: number;
  announces: number;
  scrapes: number;
}

export interface ErrorRate {
  reason: string;
  /** Failure replies of this kind since the daemon started. */
  total: number;
  /** Since the poll before; null without one. */
  perSecond: number | null;
}

export type ActiveTorrent = ActiveTorrentsReply[number] & { peers: number };

/** What the daemon said at the last poll that answered. */
export interface TopData {
  /** Unix milliseconds of that poll. */
  at: number;
  version: string;
  stats: StatsReply;
  peers: number;
  /** Per second since the poll before; null on the first poll and after a daemon restart. */
  announcesPerSecond: number | null;
  scrapesPerSecond: number | null;
  errors: ErrorRate[];
  torrents: ActiveTorrent[];
}

export interface TopSnapshot {
  /** loading: no poll has answered yet; unreachable: the last one failed (data, if any, is older). */
  state: 'loading' | 'live' | 'unreachable';
  url: string;
  data: TopData | undefined;
  /** Oldest first, one point a poll that answered, at most HISTORY_POINTS. */
  history: RatePoint[];
  /** Why the last poll failed; undefined while they answer. */
  error: string | undefined;
  /** Polls failed in a row. */
  failures: number;
}

/** Five minutes at the default interval of one second. */
export const HISTORY_POINTS = 300;

/**
 * Polls a daemon's stats and busiest torrents and keeps what the dashboard shows: announces and
 * scrapes per second computed from successive counters, their history, error rates by reason.
 * poll() never throws: a daemon that does not answer is a state, and the next poll tries again.
 */
export class TopFeed {
  private data: TopData | undefined;
  private version: string | undefined;
  private history: RatePoint[] = [];
  private error: string | undefined;
  private failures = 0;

  constructor(
    private readonly source: TopSource,
    private readonly opts: { url: string; limit: number; clock?: () => number },
  ) {}

  snapshot(): TopSnapshot {
    const state = this.error !== undefined ? 'unreachable' : this.data ? 'live' : 'loading';
    return { state, url: this.opts.url, data: this.data, history: this.history, error: this.error, failures: this.failures };
  }

  async poll(): Promise<TopSnapshot> {
    const at = (this.opts.clock ?? Date.now)();
    try {
      const [stats, torrents, version] = await Promise.all([
        this.source.stats(),
        this.source.activeTorrents(this.opts.limit),
        this.version ?? this.source.version().then((v) => v.version),
      ]);
      this.update(stats, torrents, version, at);
      this.error = undefined;
      this.failures = 0;
    } catch (err) {
      this.error = printable((err as Error).message);
      this.failures++;
      // The daemon that comes back may be another version.
      this.version = undefined;
    }
    return this.snapshot();
  }

  private update(stats: StatsReply, torrents: ActiveTorrentsReply, version: string, at: number): void {
    const prev = this.data;
    // Counters that went down (or an uptime that did) mean a restarted daemon: no rate across it.
    const continues = prev !== undefined && at > prev.at && stats.uptime_seconds >= prev.stats.uptime_seconds && stats.announces >= prev.stats.announces && stats.scrapes >= prev.stats.scrapes;
    const rate = (now: number, before: number | undefined) => (continues && before !== undefined ? ((now - before) * 1000) / (at - prev.at) : null);
    const announcesPerSecond = rate(stats.announces, prev?.stats.announces);
    const scrapesPerSecond = rate(stats.scrapes, prev?.stats.scrapes);
    this.version = version;
    this.data = {
      at,
      version: printable(version),
      stats,
      peers: stats.seeders + stats.leechers,
      announcesPerSecond,
      scrapesPerSecond,
      errors: Object.entries(stats.errors)
        .map(([reason, total]) => ({ reason: printable(reason), total, perSecond: rate(total, prev?.stats.errors[reason] ?? 0) }))
        .sort((a, b) => b.total - a.total),
      // Names come from the site's users and end up on the operator's terminal.
      torrents: torrents.map((t) => ({ ...t, name: printable(t.name), peers: t.seeders + t.leechers })),
    };
    if (announcesPerSecond !== null && scrapesPerSecond !== null) {
      this.history = [...this.history.slice(-(HISTORY_POINTS - 1)), { at, announces: announcesPerSecond, scrapes: scrapesPerSecond }];
    }
  }
}
