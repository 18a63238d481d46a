import { afterEach, describe, expect, it } from 'vitest';
import { benchTorrents, benchUsers, swarmPaths, swarmPeer, SWARM_NUMWANT } from '../../bench/fixtures.js';
import { fillSwarm } from '../../bench/swarm-fill.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { compactPeers, failureOf, trackerHarness, type Harness } from '../helpers/tracker-harness.js';

// The swarm-size sweep of `npm run bench` fills a swarm through the store and then measures
// announces replayed over HTTP. Its figures mean something only if those announces are what the
// sweep says: successful re-announces of peers already in the swarm, leaving its size as filled.
// (Correctness of the harness only: speed is never asserted in tests.)

describe('the swarm-size sweep of npm run bench', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function filledTracker(size: number): Promise<Harness> {
    // As bench/mika-server.ts configures the tracker.
    h = await trackerHarness(new MemoryStore(), (c) => {
      c.tracker.whitelist_enabled = false;
      c.tracker.enforce_min_interval = false;
    });
    for (const user of benchUsers()) await h.store.putUser(user);
    await h.store.putTorrent(benchTorrents(1)[0]!);
    await fillSwarm(h.store, h.config, 0, size, h.now);
    return h;
  }

  const swarmSize = async (h: Harness) => {
    const [counts] = await h.store.scrape([benchTorrents(1)[0]!.infoHash]);
    return (counts?.complete ?? 0) + (counts?.incomplete ?? 0);
  };

  it('fills the swarm with as many peers as asked, seeders and leechers as swarmPeer says', async () => {
    const h = await filledTracker(120);
    const seeders = Array.from({ length: 120 }, (_, i) => swarmPeer(i)).filter((p) => p.left === 0).length;
    expect(seeders).toBeGreaterThan(40);
    expect(seeders).toBeLessThan(80);
    const [counts] = await h.store.scrape([benchTorrents(1)[0]!.infoHash]);
    expect(counts).toMatchObject({ complete: seeders, incomplete: 120 - seeders });
  });

  it('replays announces that succeed, hand out numwant peers and leave the swarm at the size it was filled to', async () => {
    const h = await filledTracker(200);
    const paths = swarmPaths(200, 40);
    expect(paths).toHaveLength(40);
    for (const path of paths) {
      const reply = await h.get(path);
      expect(failureOf(reply)).toBeUndefined();
      // A seeder is shown the leechers (about 100), a leecher anyone but itself: numwant caps both.
      expect(compactPeers(reply.peers, 6)).toHaveLength(SWARM_NUMWANT);
    }
    expect(await swarmSize(h)).toBe(200);
  });

  it('grows the same swarm when filled again to a larger size', async () => {
    const h = await filledTracker(10);
    await fillSwarm(h.store, h.config, 10, 1000, h.now);
    expect(await swarmSize(h)).toBe(1000);
    for (const path of swarmPaths(1000, 5)) expect(failureOf(await h.get(path))).toBeUndefined();
    expect(await swarmSize(h)).toBe(1000);
  });
});
