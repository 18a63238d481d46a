import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { TopApp } from '../../src/top/TopApp.js';
import { TopFeed } from '../../src/top/top-feed.js';
import { eventually } from '../helpers/eventually.js';
import { FakeDaemon, URL, stats } from './fixtures.js';

// The live app on a fake daemon, polled every 20 ms; keys typed on its stdin.

const INTERVAL = 20;

function start(daemon: FakeDaemon) {
  const app = render(<TopApp feed={new TopFeed(daemon, { url: URL, limit: 10 })} intervalMs={INTERVAL} />);
  const screen = () => stripVTControlCharacters(app.lastFrame() ?? '');
  const until = (check: (s: string) => boolean) => eventually(() => check(screen()), 3000);
  return { app, screen, until };
}

/** Each reading 5 more announces: 250 a second at one poll every 20 ms. */
const rising = () => new FakeDaemon(Array.from({ length: 10_000 }, (_, i) => stats({ announces: 5 * i, uptime_seconds: 1 })));

describe('mika top (the app)', () => {
  it('goes from connecting to live numbers', async () => {
    const { app, until } = start(rising());
    try {
      expect(app.frames.map(stripVTControlCharacters).some((f) => f.includes('● connecting'))).toBe(true);
      await until((s) => s.includes('● live') && /^announces\/s +\d/m.test(s));
    } finally {
      app.unmount();
    }
  });

  it('shows an unreachable daemon, keeps retrying, and recovers when it answers', async () => {
    const daemon = rising();
    daemon.down = new Error(`cannot reach the API at ${URL}: connect ECONNREFUSED`);
    const { app, screen, until } = start(daemon);
    try {
      await until((s) => /\(\d+ failed tries\)/.test(s) && Number(/\((\d+) failed/.exec(s)![1]) >= 3);
      expect(screen()).toMatch(/Daemon unreachable +│\n│ cannot reach the API at https:\/\/127\.0\.0\.1:34001: connect ECONNREFUSED +│\n│ Retrying every 0\.02s/);
      daemon.down = undefined;
      await until((s) => s.includes('● live') && !s.includes('unreachable'));
    } finally {
      app.unmount();
    }
  });

  it('p pauses polling (the numbers stay) and p again resumes', async () => {
    const daemon = rising();
    const { app, screen, until } = start(daemon);
    try {
      await until((s) => s.includes('● live'));
      app.stdin.write('p');
      await until((s) => s.includes('● paused') && s.includes('p resume'));
      const calls = daemon.calls;
      const frozen = screen();
      await new Promise((r) => setTimeout(r, INTERVAL * 5));
      expect(daemon.calls).toBe(calls);
      expect(screen()).toBe(frozen);
      app.stdin.write('p');
      await until((s) => s.includes('● live') && daemon.calls > calls);
    } finally {
      app.unmount();
    }
  });

  it('s cycles the sort of the torrents table', async () => {
    const { app, until } = start(rising());
    try {
      await until((s) => s.includes('sorted by announces'));
      for (const sort of ['peers', 'seeders', 'leechers', 'name', 'announces']) {
        app.stdin.write('s');
        await until((s) => s.includes(`sorted by ${sort}`) && s.includes(`s sort (${sort})`));
      }
    } finally {
      app.unmount();
    }
  });

  it('q quits: polling stops', async () => {
    const daemon = rising();
    const { app, until } = start(daemon);
    await until((s) => s.includes('● live'));
    app.stdin.write('q');
    await new Promise((r) => setTimeout(r, INTERVAL * 2));
    const calls = daemon.calls;
    await new Promise((r) => setTimeout(r, INTERVAL * 5));
    expect(daemon.calls).toBe(calls);
  });
});
