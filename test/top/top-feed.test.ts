import { describe, expect, it } from 'vitest';
import { HISTORY_POINTS, TopFeed } from '../../src/top/top-feed.js';
import { FakeDaemon, URL, secondsClock, stats } from './fixtures.js';

const feedOf = (daemon: FakeDaemon) => new TopFeed(daemon, { url: URL, limit: 10, clock: secondsClock() });

describe('TopFeed', () => {
  it('is loading until a poll answers', () => {
    expect(feedOf(new FakeDaemon([stats()])).snapshot()).toMatchObject({ state: 'loading', url: URL, data: undefined, history: [] });
  });

  it('computes announces, scrapes and errors per second from successive counters', async () => {
    const daemon = new FakeDaemon([
      stats(),
      stats({ announces: 1250, scrapes: 110, errors: { unknown_passkey: 7, not_whitelisted: 1, leech_denied: 2 }, uptime_seconds: 3726 }),
    ]);
    const feed = feedOf(daemon);
    const first = await feed.poll();
    expect(first.state).toBe('live');
    expect(first.data).toMatchObject({ version: '0.1.0', peers: 150, announcesPerSecond: null, scrapesPerSecond: null });
    expect(first.history).toEqual([]);

    const second = await feed.poll();
    expect(second.data).toMatchObject({ announcesPerSecond: 250, scrapesPerSecond: 10 });
    expect(second.data!.errors).toEqual([
      { reason: 'unknown_passkey', total: 7, perSecond: 3 },
      { reason: 'leech_denied', total: 2, perSecond: 2 },
      { reason: 'not_whitelisted', total: 1, perSecond: 0 },
    ]);
    expect(second.history).toEqual([{ at: 1_800_000_001_000, announces: 250, scrapes: 10 }]);
    expect(second.data!.torrents[0]).toMatchObject({ name: 'Debian 13 netinst', peers: 45 });
  });

  it('says unreachable while polls fail, keeps the last data, and recovers', async () => {
    const daemon = new FakeDaemon([stats(), stats({ announces: 1100, uptime_seconds: 3728 })]);
    const feed = feedOf(daemon);
    await feed.poll();
    daemon.down = new Error('cannot reach the API at https://127.0.0.1:34001: connect ECONNREFUSED 127.0.0.1:34001');
    await feed.poll();
    const down = await feed.poll();
    expect(down).toMatchObject({ state: 'unreachable', failures: 2, error: daemon.down.message });
    expect(down.data?.stats.announces).toBe(1000);

    daemon.down = undefined;
    const back = await feed.poll();
    expect(back).toMatchObject({ state: 'live', failures: 0, error: undefined });
    // 100 announces over the 3 seconds since the last answer.
    expect(back.data!.announcesPerSecond).toBeCloseTo(100 / 3);
  });

  it('computes no rate across a daemon restart (counters that went down)', async () => {
    const feed = feedOf(new FakeDaemon([stats(), stats({ announces: 5, scrapes: 0, uptime_seconds: 2 })]));
    await feed.poll();
    const after = await feed.poll();
    expect(after.data).toMatchObject({ announcesPerSecond: null, scrapesPerSecond: null });
    expect(after.history).toEqual([]);
  });

  it(`keeps the last ${HISTORY_POINTS} points of history`, async () => {
    const readings = Array.from({ length: HISTORY_POINTS + 20 }, (_, i) => stats({ announces: i * 10, uptime_seconds: i }));
    const feed = feedOf(new FakeDaemon(readings));
    for (let i = 0; i < readings.length; i++) await feed.poll();
    const { history } = feed.snapshot();
    expect(history).toHaveLength(HISTORY_POINTS);
    expect(history.every((p) => p.announces === 10)).toBe(true);
  });
});
