import type { ActiveTorrentsReply, StatsReply } from '../../src/api/schemas.js';
import type { TopSource } from '../../src/top/top-feed.js';

export const URL = 'https://127.0.0.1:34001';

export const hash = (c: string) => c.repeat(40);

export const stats = (over: Partial<StatsReply> = {}): StatsReply => ({
  announces: 1000,
  scrapes: 100,
  errors: { unknown_passkey: 4, not_whitelisted: 1 },
  seeders: 120,
  leechers: 30,
  torrents: 42,
  users: 7,
  requests_per_second: { '1s': 0, '10s': 0, '60s': 0 },
  storage: { kind: 'memory', up: true, latency_ms: 0.05 },
  uptime_seconds: 3725,
  workers: 1,
  flush: null,
  certificate: null,
  ...over,
});

export const busiest: ActiveTorrentsReply = [
  { info_hash: hash('a'), torrent_id: 1, name: 'Debian 13 netinst', announces_last_minute: 90, seeders: 5, leechers: 40 },
  { info_hash: hash('b'), torrent_id: 2, name: 'Arch Linux 2026.11', announces_last_minute: 60, seeders: 80, leechers: 1 },
  { info_hash: hash('c'), torrent_id: 3, name: 'Blender demo files', announces_last_minute: 30, seeders: 12, leechers: 12 },
];

/**
 * A daemon as the feed sees it: each stats() call answers the next reading of `readings` (the last
 * one again when they run out), or throws `down` while it is set.
 */
export class FakeDaemon implements TopSource {
  down: Error | undefined;
  calls = 0;
  constructor(
    public readings: StatsReply[],
    public torrents: ActiveTorrentsReply = busiest,
  ) {}

  async stats(): Promise<StatsReply> {
    if (this.down) throw this.down;
    const s = this.readings[Math.min(this.calls, this.readings.length - 1)]!;
    this.calls++;
    return s;
  }
  async version() {
    if (this.down) throw this.down;
    return { name: 'mika', version: '0.1.0' };
  }
  async activeTorrents() {
    if (this.down) throw this.down;
    return this.torrents;
  }
}

/** A clock that moves a second each time it is read (one poll a second). */
export function secondsClock(start = 1_800_000_000_000): () => number {
  let t = start - 1000;
  return () => (t += 1000);
}
