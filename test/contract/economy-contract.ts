import { beforeEach, describe, expect, it } from 'vitest';
import { hnrCount, hnrEntries } from '../../src/api/hnr-list.js';
import type { HnrState } from '../../src/accounting/hnr.js';
import type { Torrent, User } from '../../src/store/records.js';
import type { Harness } from '../helpers/tracker-harness.js';
import { IH, PK, qb, torrents, users } from './fixtures.js';

const plain = IH.plain.toString('hex');
const alice = users[0]!;
const plainTorrent = torrents[0]!;
const HOUR = 3600;
const DAY = 86_400;

/**
 * Hit-and-run and the freeleech economy (issue 15) on every store: what the tracker credits per
 * rule, what the ledger keeps of the rule, and the HnR state read from the ledgers as time passes
 * (no announce needed for the grace period to run out). Part of storeContract.
 */
export function economyContract(h: () => Harness): void {
  /** One announce of alice's peer on the plain torrent. */
  const announce = (o: { peer?: string; downloaded?: number; uploaded?: number; left?: number; event?: string; passkey?: string }) =>
    h().announce(o.passkey ?? PK.alice, {
      infoHash: IH.plain,
      peerId: qb(o.peer ?? 'eco'),
      downloaded: o.downloaded ?? 0,
      uploaded: o.uploaded ?? 0,
      left: o.left ?? 0,
      ...(o.event ? { event: o.event } : {}),
    });
  const ledger = async () => (await h().store.userTorrentStats(1, 10))!;
  const putAlice = (patch: Partial<User>) => h().store.putUser({ ...alice, ...patch });
  const setSize = (size: number) => h().store.putTorrent({ ...plainTorrent, size } satisfies Torrent);

  describe('hit-and-run', () => {
    const state = async (userId = 1): Promise<HnrState> => {
      const entries = await h().store.userTorrents(userId);
      const e = hnrEntries(h().store, userId, entries, h().config.accounting.hnr, h().now).find((x) => x.entry.infoHash === plain);
      return e!.verdict.state;
    };
    const count = () => hnrCount(h().store, 1, h().config.accounting.hnr, h().now);
    /** Alice downloads `bytes` of the 1000-byte torrent (to the end when 1000) and stops. */
    const download = async (bytes: number, o: { uploaded?: number } = {}) => {
      await announce({ left: 1000, event: 'started' });
      h().advance(60);
      await announce({ downloaded: bytes, uploaded: o.uploaded ?? 0, left: 1000 - bytes, ...(bytes === 1000 ? { event: 'completed' } : {}) });
      h().advance(60);
      await announce({ downloaded: bytes, uploaded: o.uploaded ?? 0, left: 1000 - bytes, event: 'stopped' });
    };

    beforeEach(async () => {
      await setSize(1000);
      h().reconfigure((c) => (c.accounting.hnr = { enabled: true, min_download: '10%', seed_time: HOUR, ratio: 1, grace: DAY }));
      // Someone to upload to, so a seeder's upload is credited.
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('bob-l'), left: 1000 }, '10.0.0.9');
    });

    it('a user who downloaded less than min_download owes nothing (none)', async () => {
      await download(50);
      expect(await state()).toBe('none');
      h().advance(2 * DAY);
      expect(await state()).toBe('none');
      expect(await count()).toBe(0);
    });

    it('a completed download not seeded is pending through the grace period, then a hit-and-run without any announce', async () => {
      await download(1000);
      expect(await state()).toBe('pending');
      h().advance(DAY - 1);
      expect(await state()).toBe('pending');
      h().advance(1);
      expect(await state()).toBe('hnr');
      expect(await count()).toBe(1);
      expect((await h().store.userStats(1)).announces).toBe(3);
    });

    it('an unfinished download of at least min_download is owed too', async () => {
      await download(100);
      expect(await state()).toBe('pending');
      h().advance(DAY);
      expect(await state()).toBe('hnr');
    });

    it('seeding the seed time satisfies the rule, and the grace period then changes nothing', async () => {
      await announce({ left: 1000, event: 'started' });
      h().advance(60);
      await announce({ downloaded: 1000, left: 0, event: 'completed' });
      for (let t = 0; t < HOUR; t += 600) {
        h().advance(600);
        await announce({ downloaded: 1000, left: 0 });
      }
      expect((await ledger()).seedTime).toBeGreaterThanOrEqual(HOUR);
      expect(await state()).toBe('satisfied');
      h().advance(10 * DAY);
      expect(await state()).toBe('satisfied');
    });

    it('reaching the ratio on the torrent satisfies the rule without the seed time (the ratio escape)', async () => {
      await download(1000, { uploaded: 999 });
      expect(await state()).toBe('pending');
      // A second session of the same ledger: alice uploads the last byte as a seeder.
      await announce({ downloaded: 0, uploaded: 0, left: 0, peer: 'eco2', event: 'started' });
      h().advance(60);
      await announce({ downloaded: 0, uploaded: 1, left: 0, peer: 'eco2' });
      expect((await ledger()).uploaded).toBe(1000);
      expect(await state()).toBe('satisfied');
    });

    it('a hit-and-run cleared by seeding later becomes satisfied, and hnr_count follows', async () => {
      await download(1000);
      h().advance(DAY);
      expect(await count()).toBe(1);
      await announce({ downloaded: 1000, left: 0, peer: 'back', event: 'started' });
      h().advance(HOUR);
      await announce({ downloaded: 1000, left: 0, peer: 'back' });
      expect(await state()).toBe('satisfied');
      expect(await count()).toBe(0);
    });

    it('an immune user is listed immune, never hnr, and not counted', async () => {
      await putAlice({ hnrImmune: true });
      await download(1000);
      expect(await state()).toBe('immune');
      h().advance(2 * DAY);
      expect(await state()).toBe('immune');
      expect(await count()).toBe(0);
      expect(h().store.userById(1)?.hnrImmune).toBe(true);
    });

    it('seed time tiers by size: the tier of the torrent\'s size applies', async () => {
      h().reconfigure((c) => {
        c.accounting.hnr.seed_time = [{ min_size: 0, seed_time: 600 }, { min_size: 10_000, seed_time: 10 * HOUR }];
        c.accounting.hnr.min_download = 100;
      });
      await announce({ left: 1000, event: 'started' });
      h().advance(60);
      await announce({ downloaded: 1000, left: 0, event: 'completed' });
      h().advance(600);
      await announce({ downloaded: 1000, left: 0 });
      expect(await state()).toBe('satisfied');
      await setSize(20_000);
      expect(await state()).toBe('pending');
    });

    it('a torrent of unknown size is owed from its snatch', async () => {
      await setSize(0);
      await download(500);
      expect(await state()).toBe('none');
      await download(1000);
      expect(await state()).toBe('pending');
    });
  });

  describe('the freeleech economy', () => {
    /** What one leeching announce credits: alice downloads 500 and uploads 300 in 60 s. */
    const credited = async (peer: string, passkey = PK.alice) => {
      const before = await h().store.userStats(passkey === PK.alice ? 1 : 2);
      await h().announce(passkey, { infoHash: IH.plain, peerId: qb(peer), left: 1000, event: 'started' });
      h().advance(60);
      await h().announce(passkey, { infoHash: IH.plain, peerId: qb(peer), left: 500, downloaded: 500, uploaded: 300 });
      const after = await h().store.userStats(passkey === PK.alice ? 1 : 2);
      return { down: after.downloaded - before.downloaded, up: after.uploaded - before.uploaded };
    };
    const rule = async () => (await ledger()).rule;

    it('a plain announce is credited 1:1 and the ledger says so', async () => {
      expect(await credited('p1')).toEqual({ down: 500, up: 300 });
      expect(await rule()).toBe('dn=normal:1 up=normal:1');
    });

    it('a freeleech token frees the user\'s download on that torrent until it ends', async () => {
      await putAlice({ tokens: [{ torrentId: 10, until: h().now + 100 }] });
      expect(await credited('t1')).toEqual({ down: 0, up: 300 });
      expect(await rule()).toBe('dn=token:0 up=normal:1');
      // Another user, and the token's end: credited again.
      expect(await credited('t-bob', PK.bob)).toEqual({ down: 500, up: 300 });
      h().advance(100);
      expect(await credited('t2')).toEqual({ down: 500, up: 300 });
    });

    it('personal freeleech frees every torrent until freeleech_until', async () => {
      await putAlice({ freeleechUntil: h().now + 61 });
      expect(await credited('f1')).toEqual({ down: 0, up: 300 });
      expect(await rule()).toBe('dn=personal:0 up=normal:1');
      expect(await credited('f2')).toEqual({ down: 500, up: 300 });
    });

    it('a timed freeleech event of the config applies from its start to its end (a reload, no restart)', async () => {
      const start = h().now + 30;
      h().reconfigure((c) => (c.accounting.events = [{ kind: 'freeleech', start, end: start + 120, name: 'weekend' }]));
      expect(await credited('e1')).toEqual({ down: 0, up: 300 }); // announced at start + 30
      expect(await rule()).toBe('dn=event:0 up=normal:1');
      h().advance(60); // the next pair announces at start + 90 and start + 150: the credited one at the end, over
      expect(await credited('e2')).toEqual({ down: 500, up: 300 });
    });

    it('a double-upload event added through the store (the API) applies on the next announce and ends', async () => {
      await h().store.putCreditEvents([{ id: 1, kind: 'double_upload', start: h().now, end: h().now + 60, name: '' }]);
      expect(h().store.creditEvents()).toHaveLength(1);
      expect(await credited('d1')).toEqual({ down: 500, up: 300 }); // the credited announce is at the end: over
      await h().store.putCreditEvents([{ id: 1, kind: 'double_upload', start: h().now, end: h().now + 600, name: '' }]);
      expect(await credited('d2')).toEqual({ down: 500, up: 600 });
      expect(await rule()).toBe('dn=normal:1 up=event:2');
      await h().store.putCreditEvents([]);
      expect(await credited('d3')).toEqual({ down: 500, up: 300 });
    });

    it('stacking: freeleech from any source is 0, double upload is at least 2× (not 2× a 2× torrent), a class bonus multiplies', async () => {
      await putAlice({ multiUp: 1.5, multiDown: 0.5 });
      expect(await credited('s1')).toEqual({ down: 250, up: 450 });
      expect(await rule()).toBe('dn=normal+class:0.5 up=normal+class:1.5');
      h().reconfigure((c) => (c.accounting.events = [{ kind: 'double_upload', start: 0, end: h().now + DAY, name: '' }, { kind: 'freeleech', start: 0, end: h().now + DAY, name: '' }]));
      await putAlice({ multiUp: 1.5, multiDown: 0.5, tokens: [{ torrentId: 10, until: h().now + DAY }] });
      expect(await credited('s2')).toEqual({ down: 0, up: 900 });
      // The event names the freeleech (looked at before the token): the token was not needed.
      expect(await rule()).toBe('dn=event:0 up=event+class:3');
      // A 2× freeleech torrent in a double-upload event stays 2× (× the class bonus).
      await h().announce(PK.alice, { infoHash: IH.double, peerId: qb('s3'), left: 1000, event: 'started' });
      h().advance(60);
      await h().announce(PK.alice, { infoHash: IH.double, peerId: qb('s3'), left: 500, downloaded: 500, uploaded: 100 });
      expect(await h().store.userTorrentStats(1, 14)).toMatchObject({ uploaded: 300, downloaded: 0, rule: 'dn=torrent_free:0 up=torrent+class:3' });
    });
  });

  describe('adjustments', () => {
    it('a signed adjustment moves the credited figures, not the raw ones, and is listed oldest first', async () => {
      await h().store.adjustUser({ userId: 1, uploaded: 5000, downloaded: 0, reason: 'forum contest', at: h().now });
      await h().store.adjustUser({ userId: 1, uploaded: -1000, downloaded: 250, reason: 'correction', at: h().now + 1 });
      expect(await h().store.userStats(1)).toMatchObject({ uploaded: 4000, downloaded: 250, uploadedRaw: 0, downloadedRaw: 0 });
      expect(await h().store.adjustments(1)).toEqual([
        { userId: 1, uploaded: 5000, downloaded: 0, reason: 'forum contest', at: h().now },
        { userId: 1, uploaded: -1000, downloaded: 250, reason: 'correction', at: h().now + 1 },
      ]);
      expect(await h().store.adjustments(2)).toEqual([]);
    });
  });
}
