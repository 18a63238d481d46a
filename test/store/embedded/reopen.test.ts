import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { LOG_PREFIX } from '../../../src/store/embedded/commit-log.js';
import { openDataFile } from '../../../src/store/embedded/data-folder.js';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import { DATA_FILE } from '../../../src/store/embedded/layout.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import type { Store } from '../../../src/store/store.js';
import { announceMix, type AnnounceMix } from '../../flush/announce-mix.js';
import { IH, PK, qb, seedSite } from '../../contract/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { trackerHarness, type Harness } from '../../helpers/tracker-harness.js';

/** Everything a store shows through its interface, in an order that does not depend on the store. */
async function everything(store: Store, mix: AnnounceMix) {
  const byId = <T extends { id: number }>(xs: T[]) => xs.sort((a, b) => a.id - b.id);
  return {
    counts: store.counts(),
    whitelist: store.whitelist(),
    blacklist: store.blacklist(),
    users: byId(store.userIds().map((id) => store.userById(id)!)),
    torrents: byId(store.infoHashes().map((ih) => store.torrentByInfoHash(ih)!)),
    userStats: await Promise.all(mix.users.map((u) => store.userStats(u.id))),
    userTorrents: await Promise.all(mix.users.map((u) => store.userTorrents(u.id))),
    torrentStats: await Promise.all(mix.torrents.map((t) => store.torrentStats(t.infoHash))),
    peers: await Promise.all(mix.torrents.map((t) => store.peers(t.infoHash))),
    cheats: await store.cheatEvents(100_000),
    cheatCounts: await store.cheatCounts(),
    totals: await store.totals(),
    // Batch ids carry a per-store epoch, and a batch's rows have no order: the rows are what must match.
    pending: (await store.pendingFlushes()).map(({ id: _, users, torrents, ...rest }) => ({
      ...rest,
      users: users.sort((x, y) => x.userId - y.userId),
      torrents: torrents.sort((x, y) => x.torrentId - y.torrentId),
    })),
  };
}

const strictRates = (c: Config) => {
  // Low enough that the mix's uploads often break it: the cheat log fills too.
  c.accounting.max_upload_rate = 300_000;
};

describe('when the embedded store is closed and opened again on its data folder', () => {
  it('goes on exactly as a store that never stopped: registry, ledgers, peers, cheat log and flush state', { timeout: 120_000 }, async () => {
    const path = tempDir('reopen');
    const mixes = [announceMix(11, { users: 30, torrents: 8, peers: 150 }), announceMix(11, { users: 30, torrents: 8, peers: 150 })];
    const reference = await trackerHarness(new MemoryStore({ flush: true, flushCheats: true }), strictRates);
    let embedded: Harness = await trackerHarness(new EmbeddedStore({ path, flush: true, flushCheats: true }), strictRates);
    await mixes[0]!.seed(reference.store);
    await mixes[1]!.seed(embedded.store);
    const both = async (fn: (h: Harness, mix: AnnounceMix) => Promise<unknown>) => {
      await fn(reference, mixes[0]!);
      await fn(embedded, mixes[1]!);
    };
    try {
      for (let i = 1; i <= 1500; i++) {
        await both((h, mix) => mix.step(h));
        if (i % 400 === 0) await both((h) => h.store.reap(h.now, 1800));
        // Every change in each batch: which ones a smaller batch takes is the store's choice.
        if (i === 600) await both((h) => h.store.prepareFlush(1000));
        if (i === 700) await both(async (h) => h.store.ackFlush((await h.store.pendingFlushes())[0]!.id));
        if (i === 800) await both((h) => h.store.prepareFlush(1000));
        if (i === 900) {
          await both(async (h, mix) => {
            mix.deleted.add(mix.torrents[0]!.id);
            await h.store.deleteTorrent(mix.torrents[0]!.infoHash);
            await h.store.putUser({ ...mix.users[0]!, name: 'renamed' });
            await h.store.putUsers([{ id: 9999, passkey: 'z'.repeat(32), name: 'gone', canLeech: true, enabled: true, leechSlots: 0 }]);
            await h.store.deleteUser(9999);
            await h.store.putWhitelistEntries([{ prefix: '-TR3', client: 'Transmission' }, { prefix: '-xx', client: 'gone' }]);
            await h.store.deleteWhitelist('-xx');
            await h.store.putBlacklist({ pattern: '-XL0', reason: 'leaks' });
            await h.store.putBlacklist({ pattern: '-XX0', reason: 'gone' });
            await h.store.deleteBlacklist('-XX0');
          });
        }
        if (i % 500 === 0) {
          // Closed and opened again: what follows must not notice.
          const now = embedded.now;
          await embedded.close();
          embedded = await trackerHarness(new EmbeddedStore({ path, flush: true, flushCheats: true }), strictRates);
          embedded.now = now;
          expect(await everything(embedded.store, mixes[1]!)).toEqual(await everything(reference.store, mixes[0]!));
        }
      }
      expect((await reference.store.cheatEvents(1)).length).toBe(1);
      expect(await everything(embedded.store, mixes[1]!)).toEqual(await everything(reference.store, mixes[0]!));
      const rows = async (s: Store) => {
        const b = await s.prepareFlush(100_000);
        return b && { users: b.users.sort((x, y) => x.userId - y.userId), torrents: b.torrents.sort((x, y) => x.torrentId - y.torrentId) };
      };
      expect(await rows(embedded.store)).toEqual(await rows(reference.store));
    } finally {
      await reference.close();
      await embedded.close();
    }
  });
});

describe('the counts the peer limits read are rebuilt from the peers on open', () => {
  it('leech slots and the per-IP limit refuse after a reopen as before it', { timeout: 60_000 }, async () => {
    const path = tempDir('reopen-limits');
    const limits = (c: Config) => {
      c.tracker.max_peers_per_ip_torrent = 2;
      c.tracker.max_peers_per_user_torrent = 0;
    };
    let h = await trackerHarness(new EmbeddedStore({ path }), limits);
    await seedSite(h.store);
    await h.store.putUser({ ...h.store.userById(1)!, leechSlots: 1 });
    const fail = async (r: Promise<Record<string, unknown>>) => {
      const f = (await r)['failure reason'];
      return f === undefined ? undefined : Buffer.from(f as Uint8Array).toString();
    };
    expect(await fail(h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 10 }, '10.0.0.1'))).toBeUndefined();
    expect(await fail(h.announce(PK.bob, { infoHash: IH.binary, peerId: qb('b1'), left: 0 }, '10.0.0.7'))).toBeUndefined();
    expect(await fail(h.announce(PK.bob, { infoHash: IH.binary, peerId: qb('b2'), left: 0 }, '10.0.0.7'))).toBeUndefined();
    const now = h.now;
    await h.close();
    h = await trackerHarness(new EmbeddedStore({ path }), limits);
    h.now = now;
    try {
      expect(await fail(h.announce(PK.alice, { infoHash: IH.binary, peerId: qb('l2'), left: 10 }, '10.0.0.1'))).toMatch(/^leech slots: at most 1 /);
      expect(await fail(h.announce(PK.bob, { infoHash: IH.binary, peerId: qb('b3'), left: 0 }, '10.0.0.7'))).toMatch(/per IP address/);
      // Stopping after the reopen frees what was counted before it.
      await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 10, event: 'stopped' }, '10.0.0.1');
      expect(await fail(h.announce(PK.alice, { infoHash: IH.binary, peerId: qb('l2'), left: 10 }, '10.0.0.1'))).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});

describe('the freeleech economy and adjustments survive a reopen', () => {
  it('user fields, torrent size, the API\'s timed events and the adjustment list read back as written', { timeout: 60_000 }, async () => {
    const path = tempDir('reopen-economy');
    let h = await trackerHarness(new EmbeddedStore({ path }));
    await seedSite(h.store);
    const rich = { ...h.store.userById(1)!, hnrImmune: true, freeleechUntil: 1_900_000_000, multiUp: 1.5, tokens: [{ torrentId: 10, until: 1_800_000_100 }] };
    await h.store.putUser(rich);
    await h.store.putTorrent({ ...h.store.torrentByInfoHash(IH.plain.toString('hex'))!, size: 4096 });
    await h.store.putCreditEvents([{ id: 3, kind: 'freeleech', start: 5, end: 6, name: 'e' }]);
    await h.store.adjustUser({ userId: 1, uploaded: 77, downloaded: 0, reason: 'r', at: 9 });
    await h.close();
    h = await trackerHarness(new EmbeddedStore({ path }));
    try {
      expect(h.store.userById(1)).toEqual(rich);
      expect(h.store.torrentByInfoHash(IH.plain.toString('hex'))?.size).toBe(4096);
      expect(h.store.creditEvents()).toEqual([{ id: 3, kind: 'freeleech', start: 5, end: 6, name: 'e' }]);
      expect(await h.store.adjustments(1)).toEqual([{ userId: 1, uploaded: 77, downloaded: 0, reason: 'r', at: 9 }]);
      expect((await h.store.userStats(1)).uploaded).toBe(77);
    } finally {
      await h.close();
    }
  });
});

describe('a data folder left by a process that died between two checkpoints', () => {
  it('is read back whole: the records, then the commit log in order, exactly as the store stood at its last commit', { timeout: 120_000 }, async () => {
    const path = tempDir('crash-log');
    const mixes = [announceMix(23, { users: 20, torrents: 6, peers: 100 }), announceMix(23, { users: 20, torrents: 6, peers: 100 })];
    const reference = await trackerHarness(new MemoryStore({ flush: true, flushCheats: true }), strictRates);
    // Checkpoints now and then, so that a copy holds checkpointed records and a log after them.
    const store = new EmbeddedStore({ path, flush: true, flushCheats: true, checkpointMs: 20 });
    const embedded = await trackerHarness(store, strictRates);
    await mixes[0]!.seed(reference.store);
    await mixes[1]!.seed(embedded.store);
    let copies = 0;
    try {
      for (let i = 1; i <= 900; i++) {
        await mixes[0]!.step(reference);
        await mixes[1]!.step(embedded);
        if (i === 300) for (const h of [reference, embedded]) await h.store.prepareFlush(1000);
        if (i % 150 !== 0) continue;
        // What a SIGKILL now leaves: the file as committed, no closing checkpoint. (Copied while no
        // transaction is under way: every announce above has been answered, so committed.)
        const copy = tempDir('crash-copy');
        copyFileSync(join(path, DATA_FILE), join(copy, DATA_FILE));
        const reopened = await trackerHarness(new EmbeddedStore({ path: copy, flush: true, flushCheats: true }), strictRates);
        reopened.now = embedded.now;
        try {
          expect(await everything(reopened.store, mixes[1]!)).toEqual(await everything(reference.store, mixes[0]!));
        } finally {
          await reopened.close();
        }
        copies++;
      }
      expect(copies).toBe(6);
      expect(store.checkpointCount).toBeGreaterThan(0);
      expect(store.checkpointCount).toBeLessThan(store.commitCount);
    } finally {
      await reference.close();
      await embedded.close();
    }
  });

  it('keeps no commit log once closed: the closing checkpoint writes every record', { timeout: 60_000 }, async () => {
    const path = tempDir('closed-log');
    const mix = announceMix(23, { users: 20, torrents: 6, peers: 100 });
    const embedded = await trackerHarness(new EmbeddedStore({ path, checkpointMs: 60_000 }), strictRates);
    await mix.seed(embedded.store);
    for (let i = 0; i < 100; i++) await mix.step(embedded);
    await embedded.close();
    const db = openDataFile(path, { readOnly: true });
    try {
      expect(Array.from(db.getKeys({ start: LOG_PREFIX, end: `${LOG_PREFIX}~` }))).toEqual([]);
      expect(db.getCount({ start: 'p/', end: 'p/~' })).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
