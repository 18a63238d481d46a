import { afterEach, describe, expect, it } from 'vitest';
import { bonusMillionths, type FlushBatch } from '../../src/store/flush-batch.js';
import type { Store } from '../../src/store/store.js';
import { trackerHarness, type AnnounceArgs, type Harness } from '../helpers/tracker-harness.js';
import { IH, PK, qb, seedSite, torrents } from './fixtures.js';

export interface FlushContractOptions {
  /** A fresh, unopened, empty store; `flush` as the daemon passes it from sql.flush.enabled. */
  makeStore: (opts: { flush: boolean; flushCheats?: boolean }) => Promise<Store>;
}

const GIB = 1024 ** 3;
const PLAIN = IH.plain.toString('hex');

/** Rows in id order: the stores do not promise an order within a batch. */
const sorted = (b: FlushBatch | undefined) =>
  b && { users: [...b.users].sort((x, y) => x.userId - y.userId), torrents: [...b.torrents].sort((x, y) => x.torrentId - y.torrentId) };

/**
 * The SQL flush side of the Store contract (prepareFlush, pendingFlushes, ackFlush), through the
 * tracker: one suite, run against each store (test/contract/*.test.ts).
 */
export function flushContract(name: string, opts: FlushContractOptions): void {
  describe(`${name} store: changes for the SQL flush`, () => {
    let h: Harness | undefined;
    const setup = async (flush = true, flushCheats = false): Promise<Harness> => {
      h = await trackerHarness(await opts.makeStore({ flush, flushCheats }));
      await seedSite(h.store);
      return h;
    };
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });
    const ann = (hh: Harness, passkey: string, a: AnnounceArgs) => hh.announce(passkey, a);

    it('with the flush off nothing is tracked: there is never a batch', async () => {
      const hh = await setup(false);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      hh.advance(300);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded: GIB });
      expect(await hh.store.prepareFlush(100)).toBeUndefined();
      expect(await hh.store.pendingFlushes()).toEqual([]);
    });

    it('an adjustment goes out as a delta in the user’s next row, after what was flushed before, never as an overwrite', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 1000 });
      hh.advance(60);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 500, downloaded: 500 });
      const first = await hh.store.prepareFlush(100);
      expect(first?.users).toEqual([expect.objectContaining({ userId: 1, downloaded: 500, uploaded: 0 })]);
      await hh.store.ackFlush(first!.id);
      await hh.store.adjustUser({ userId: 1, uploaded: 1000, downloaded: -200, reason: 'refund', at: hh.now });
      const second = await hh.store.prepareFlush(100);
      expect(second?.users).toEqual([{ userId: 1, uploadedRaw: 0, downloadedRaw: 0, uploaded: 1000, downloaded: -200, bonusMillionths: 0, snatches: 0 }]);
      expect(await hh.store.userStats(1)).toMatchObject({ uploaded: 1000, downloaded: 300, downloadedRaw: 500 });
    });

    it('a batch carries each user’s and torrent’s figures so far, bonus in millionths', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.double, peerId: qb('a'), left: 0 });
      await ann(hh, PK.bob, { infoHash: IH.double, peerId: qb('b'), left: 100 });
      hh.advance(300);
      await ann(hh, PK.alice, { infoHash: IH.double, peerId: qb('a'), left: 0, uploaded: GIB });
      await ann(hh, PK.bob, { infoHash: IH.double, peerId: qb('b'), left: 0, downloaded: 100, event: 'completed' });
      const [alice, bob] = [await hh.store.userStats(1), await hh.store.userStats(2)];
      expect(alice.bonus).toBeGreaterThan(0);
      expect(sorted(await hh.store.prepareFlush(100))).toEqual({
        users: [
          { userId: 1, uploadedRaw: GIB, downloadedRaw: 0, uploaded: 2 * GIB, downloaded: 0, bonusMillionths: bonusMillionths(alice.bonus), snatches: 0 },
          { userId: 2, uploadedRaw: 0, downloadedRaw: 100, uploaded: 0, downloaded: 0, bonusMillionths: bonusMillionths(bob.bonus), snatches: 1 },
        ],
        torrents: [{ torrentId: 14, seeders: 2, leechers: 0, snatches: 1 }],
      });
    });

    it('once prepared, a change is not sent again: the next batch carries only what came after', async () => {
      const hh = await setup();
      // A lone seeder: credited here, the flush being the point, not who could be uploaded to.
      hh.reconfigure((c) => (c.accounting.credit_without_leechers = true));
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      hh.advance(300);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded: 1000 });
      const first = await hh.store.prepareFlush(100);
      expect(first?.users[0]?.uploaded).toBe(1000);
      expect(await hh.store.prepareFlush(100)).toBeUndefined();
      hh.advance(300);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded: 1500 });
      const total = await hh.store.userStats(1);
      const second = await hh.store.prepareFlush(100);
      expect(second?.users).toEqual([
        { userId: 1, uploadedRaw: 500, downloadedRaw: 0, uploaded: 500, downloaded: 0, bonusMillionths: bonusMillionths(total.bonus) - first!.users[0]!.bonusMillionths, snatches: 0 },
      ]);
      // The seeder count did not move: no torrent row.
      expect(second?.torrents).toEqual([]);
    });

    /** At 1000 B/s, a seeder of alice's reporting each of `uploads` a second after the last: one upload_rate event each beyond 1000 more. */
    const overBudget = async (hh: Harness, uploads: number[]) => {
      hh.reconfigure((c) => (c.accounting.max_upload_rate = 1000));
      if ((await hh.store.peers(PLAIN)).length === 0) {
        await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
        await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      }
      for (const uploaded of uploads) {
        hh.advance(1);
        await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded });
      }
    };

    it('with cheat rows on, each cheat event goes out in exactly one batch, oldest first, at most `max` a batch', async () => {
      const hh = await setup(true, true);
      await overBudget(hh, [5000]);
      const first = await hh.store.prepareFlush(100);
      const event = { kind: 'upload_rate', userId: 1, torrentId: 10, peerId: qb('a').toString('hex'), reported: 5000, allowed: 1000, at: hh.now };
      expect(first?.cheats).toEqual([expect.objectContaining(event)]);
      expect(first?.cheats).toEqual((await hh.store.cheatEvents(10)).slice(0, 1));
      // Taken: not in the next batch.
      expect((await hh.store.prepareFlush(100))?.cheats ?? []).toEqual([]);
      await overBudget(hh, [10_000, 20_000]);
      const [a, b] = [await hh.store.prepareFlush(1), await hh.store.prepareFlush(1)];
      expect([a?.cheats.map((e) => e.reported), b?.cheats.map((e) => e.reported)]).toEqual([[5000], [10_000]]);
      expect((await hh.store.pendingFlushes()).map((p) => p.cheats.length)).toEqual([1, 1, 1]);
      expect((await hh.store.pendingFlushes()).find((p) => p.id === a!.id)).toEqual(a);
    });

    it('with the flush on but no cheats table, cheat events give no rows', async () => {
      const hh = await setup(true, false);
      await overBudget(hh, [5000]);
      expect((await hh.store.cheatCounts()).upload_rate).toBe(1);
      expect((await hh.store.prepareFlush(100))?.cheats).toEqual([]);
    });

    it('a batch stays pending, oldest first, until it is acknowledged; ids never repeat', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      const a = await hh.store.prepareFlush(100);
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
      const b = await hh.store.prepareFlush(100);
      expect(a && b).toBeTruthy();
      expect(a!.id).not.toBe(b!.id);
      expect(b!.seq).toBeGreaterThan(a!.seq);
      expect((await hh.store.pendingFlushes()).map((x) => x.id)).toEqual([a!.id, b!.id]);
      expect(await hh.store.pendingFlushes()).toEqual([a, b]);
      await hh.store.ackFlush(a!.id);
      expect((await hh.store.pendingFlushes()).map((x) => x.id)).toEqual([b!.id]);
      await hh.store.ackFlush(b!.id);
      await hh.store.ackFlush(b!.id);
      expect(await hh.store.pendingFlushes()).toEqual([]);
    });

    it('seeders and leechers go out as they are now; a peer that stops or is reaped marks its torrent', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
      expect((await hh.store.prepareFlush(100))?.torrents).toEqual([{ torrentId: 10, seeders: 1, leechers: 1, snatches: 0 }]);
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5, event: 'stopped' });
      expect((await hh.store.prepareFlush(100))?.torrents).toEqual([{ torrentId: 10, seeders: 1, leechers: 0, snatches: 0 }]);
      hh.advance(10_000);
      expect(await hh.store.reap(hh.now, 3600)).toBe(1);
      expect((await hh.store.prepareFlush(100))?.torrents).toEqual([{ torrentId: 10, seeders: 0, leechers: 0, snatches: 0 }]);
      // A peer that joins and leaves between two flushes leaves the figures as flushed: no row.
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('c'), left: 5 });
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('c'), left: 5, event: 'stopped' });
      expect((await hh.store.prepareFlush(100))?.torrents ?? []).toEqual([]);
    });

    it('a stopped from an unknown peer changes nothing to flush', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('ghost'), left: 0, uploaded: 5, event: 'stopped' });
      expect(await hh.store.prepareFlush(100)).toBeUndefined();
    });

    it('a deleted torrent goes out with no peers and the snatches it had not flushed', async () => {
      const hh = await setup();
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
      await hh.store.prepareFlush(100);
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 0, event: 'completed' });
      await hh.store.deleteTorrent(PLAIN);
      const batch = sorted(await hh.store.prepareFlush(100));
      expect(batch?.torrents).toEqual([{ torrentId: 10, seeders: 0, leechers: 0, snatches: 1 }]);
      expect(batch?.users.map((u) => [u.userId, u.snatches])).toEqual([[2, 1]]);
      expect(await hh.store.prepareFlush(100)).toBeUndefined();
    });

    it('a torrent deleted and registered again under its id before a flush gives one row, its live peers kept', async () => {
      const hh = await setup();
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 5 });
      await ann(hh, PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 0, event: 'completed' });
      await hh.store.deleteTorrent(PLAIN);
      await hh.store.putTorrent(torrents[0]!);
      await ann(hh, PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 5 });
      expect((await hh.store.prepareFlush(100))?.torrents).toEqual([{ torrentId: 10, seeders: 0, leechers: 1, snatches: 1 }]);
    });

    it('a torrent never flushed and deleted without changes since leaves nothing behind', async () => {
      const hh = await setup();
      await hh.store.deleteTorrent(IH.binary.toString('hex'));
      expect(await hh.store.prepareFlush(100)).toBeUndefined();
    });

    it('a batch takes at most `max` users and `max` torrents; the next one takes the rest', async () => {
      const hh = await setup();
      const hashes = [IH.plain, IH.binary, IH.plus];
      const passkeys = [PK.alice, PK.bob, PK.carol];
      for (const ih of hashes) for (const pk of passkeys) await ann(hh, pk, { infoHash: ih, peerId: qb(pk[0]!), left: 0 });
      hh.advance(300);
      for (const pk of passkeys) await ann(hh, pk, { infoHash: IH.plain, peerId: qb(pk[0]!), left: 0, uploaded: 10 });
      const first = await hh.store.prepareFlush(2);
      expect([first?.users.length, first?.torrents.length]).toEqual([2, 2]);
      const second = await hh.store.prepareFlush(2);
      expect([second?.users.length, second?.torrents.length]).toEqual([1, 1]);
      const both = [first!, second!];
      expect(new Set(both.flatMap((b) => b.users.map((u) => u.userId)))).toEqual(new Set([1, 2, 3]));
      expect(new Set(both.flatMap((b) => b.torrents.map((t) => t.torrentId)))).toEqual(new Set([10, 11, 12]));
      expect(await hh.store.prepareFlush(2)).toBeUndefined();
    });
  });
}
