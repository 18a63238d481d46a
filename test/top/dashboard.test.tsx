import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Dashboard, type DashboardProps } from '../../src/top/Dashboard.js';
import { TopFeed, type TopSnapshot } from '../../src/top/top-feed.js';
import { FakeDaemon, URL, secondsClock, stats } from './fixtures.js';

// The frames of each state, from the feed's snapshots: the view has no state of its own.

const NOW = 1_800_000_000_000;
const REFUSED = 'connect ECONNREFUSED 127.0.0.1:34001';

function frame(snapshot: TopSnapshot, props: Partial<DashboardProps> = {}): string {
  const { lastFrame, unmount } = render(<Dashboard snapshot={snapshot} sort="announces" paused={false} intervalMs={1000} width={100} now={NOW + 10_000} {...props} />);
  const out = stripVTControlCharacters(lastFrame() ?? '');
  unmount();
  return out;
}

/** A feed that has polled a daemon serving 250 announces and 10 scrapes a second for 30 seconds. */
async function liveFeed(daemon = new FakeDaemon(Array.from({ length: 30 }, (_, i) => stats({ announces: 1000 + 250 * i, scrapes: 100 + 10 * i, uptime_seconds: 3725 + i })))) {
  const feed = new TopFeed(daemon, { url: URL, limit: 10, clock: secondsClock(NOW) });
  for (let i = 0; i < 30; i++) await feed.poll();
  return { feed, daemon };
}

describe('the dashboard frame', () => {
  it('while loading: says it is connecting, and nothing else yet', () => {
    const f = frame(new TopFeed(new FakeDaemon([]), { url: URL, limit: 10 }).snapshot());
    expect(f).toContain('● connecting');
    expect(f).toContain(`Connecting to ${URL} …`);
    expect(f).not.toContain('announces/s');
    expect(f).toContain('q quit · p pause · s sort (announces)');
  });

  it('live: version, uptime, rates with sparklines, swarms, storage, errors and the busiest torrents', async () => {
    const { feed } = await liveFeed();
    const f = frame(feed.snapshot());
    expect(f).toMatch(/^mika 0\.1\.0 · https:\/\/127\.0\.0\.1:34001 · up 1h 02m · memory store · 1 worker +● live$/m);
    // A steady rate is a flat line at the top: bars scale from 0 to the highest rate shown.
    expect(f).toMatch(/^announces\/s +250\.0 █{29} +total 8,250$/m);
    expect(f).toMatch(/^scrapes\/s +10\.0 █{29} +total 390$/m);
    expect(f).toContain('chart over the last 28s');
    expect(f).toMatch(/^seeders +120 +memory +unknown_passkey +4 +0\.0\/s$/m);
    expect(f).toMatch(/^leechers +30 +up +not_whitelisted +1 +0\.0\/s$/m);
    expect(f).toMatch(/^peers +150 +latency 0\.05 ms$/m);
    expect(f).toContain('Busiest torrents (announces in the last minute; sorted by announces)');
    expect(f).toMatch(/^1 +Debian 13 netinst +aaaaaaaaaa +90 +5 +40 +45$/m);
    expect(f).toMatch(/^3 +Blender demo files +cccccccccc +30 +12 +12 +24$/m);
  });

  it('live with a rising rate: the sparkline climbs', async () => {
    const daemon = new FakeDaemon(Array.from({ length: 30 }, (_, i) => stats({ announces: 1000 + 10 * i * i, uptime_seconds: 3725 + i })));
    const { feed } = await liveFeed(daemon);
    const line = frame(feed.snapshot()).split('\n').find((l) => l.startsWith('announces/s'))!;
    const chart = /[▁-█]+/u.exec(line)![0];
    expect(chart[0]).toBe('▁');
    expect(chart.at(-1)).toBe('█');
  });

  it('with the store down: storage DOWN, no latency', async () => {
    const { feed } = await liveFeed(new FakeDaemon([stats({ storage: { kind: 'redis', up: false, latency_ms: null } })]));
    const f = frame(feed.snapshot());
    expect(f).toMatch(/^seeders +120 +redis/m);
    expect(f).toMatch(/^leechers +30 +DOWN/m);
    expect(f).toMatch(/latency –/);
  });

  it('with an empty registry: says so, with the reason, above the numbers', async () => {
    const reason = 'registry emptied: it held 3 users and 2 torrents and now holds none';
    const { feed } = await liveFeed(new FakeDaemon([stats({ users: 0, torrents: 0, registry: { ok: false, reason } })]));
    const f = frame(feed.snapshot());
    expect(f).toContain('Registry empty: 0 users, 0 torrents');
    expect(f).toContain(reason);
  });

  it('with users and torrents registered: no registry notice', async () => {
    const { feed } = await liveFeed(new FakeDaemon([stats({ registry: { ok: true } })]));
    expect(frame(feed.snapshot())).not.toContain('Registry empty');
  });

  it('unreachable before any answer: says so and that it retries', async () => {
    const daemon = new FakeDaemon([stats()]);
    daemon.down = new Error(REFUSED);
    const feed = new TopFeed(daemon, { url: URL, limit: 10 });
    await feed.poll();
    await feed.poll();
    const f = frame(feed.snapshot());
    expect(f).toContain('● unreachable');
    expect(f).toMatch(new RegExp(`Daemon unreachable +│\\n│ ${REFUSED} `));
    expect(f).toContain('Retrying every 1s (2 failed tries)');
    expect(f).not.toContain('announces/s');
  });

  it('unreachable after answers: says so over the last numbers and how old they are, then recovers', async () => {
    const { feed, daemon } = await liveFeed();
    daemon.down = new Error(REFUSED);
    await feed.poll();
    const down = frame(feed.snapshot(), { now: NOW + 29_000 + 12_000 });
    expect(down).toContain('● unreachable');
    expect(down).toMatch(new RegExp(`Daemon unreachable +│\\n│ ${REFUSED} `));
    expect(down).toContain('Retrying every 1s (1 failed try); the numbers below are 12s old');
    expect(down).toMatch(/^announces\/s +250\.0/m);

    daemon.down = undefined;
    await feed.poll();
    const back = frame(feed.snapshot());
    expect(back).toContain('● live');
    expect(back).not.toContain('unreachable');
  });

  it('paused: says so in the header and offers to resume', async () => {
    const { feed } = await liveFeed();
    const f = frame(feed.snapshot(), { paused: true });
    expect(f).toMatch(/● paused$/m);
    expect(f).toContain('q quit · p resume · s sort (announces)');
  });

  it.each([
    ['peers', ['Arch Linux 2026.11', 'Debian 13 netinst', 'Blender demo files']],
    ['seeders', ['Arch Linux 2026.11', 'Blender demo files', 'Debian 13 netinst']],
    ['leechers', ['Debian 13 netinst', 'Blender demo files', 'Arch Linux 2026.11']],
    ['name', ['Arch Linux 2026.11', 'Blender demo files', 'Debian 13 netinst']],
  ] as const)('sorted by %s: the table is in that order', async (sort, names) => {
    const { feed } = await liveFeed();
    const f = frame(feed.snapshot(), { sort });
    expect(f).toContain(`sorted by ${sort}`);
    const rows = f.split('\n').filter((l) => /^\d +\S/.test(l));
    expect(rows.map((l) => l.replace(/^\d +/, '').split(/ {2,}/)[0])).toEqual(names);
  });
});
