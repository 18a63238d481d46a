import { describe, expect, it } from 'vitest';
import type { User } from '../../src/store/records.js';
import { RegistryConflictError } from '../../src/store/store.js';
import { announceQuery, compactPeers, text, type Harness } from '../helpers/tracker-harness.js';
import { IH, PK, qb, torrents } from './fixtures.js';

const MB = 1_000_000;
const plain = IH.plain.toString('hex');

/**
 * The ledger rules every store keeps (issue 11): the upload budget and wall clock per (user,
 * torrent), peer limits, the no-leechers rule, atomic registry writes and the announce that cannot
 * be half applied. Part of storeContract: `h()` is the suite's harness of the store under test.
 */
export function ledgerContract(h: () => Harness): void {
  const failure = async (p: Promise<Record<string, unknown>>) => {
    const r = await p;
    return r['failure reason'] === undefined ? undefined : text(r['failure reason']);
  };
  const seed = (peerId: Buffer, uploaded: number, o: { left?: number; event?: string; passkey?: string; ip?: string } = {}) =>
    h().announce(o.passkey ?? PK.alice, { infoHash: IH.plain, peerId, uploaded, left: o.left ?? 0, ...(o.event ? { event: o.event } : {}) }, o.ip ?? '10.0.0.1');
  /** A leecher of bob's in the swarm, so that seeders have someone to upload to. */
  const leecher = () => h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('bob-l'), left: 1000 }, '10.0.0.9');

  describe('the upload budget', () => {
    it('is shared by every peer_id of a user on a torrent and measured in milliseconds', async () => {
      h().reconfigure((c) => (c.accounting.max_upload_rate = MB));
      await leecher();
      for (const label of ['p1', 'p2', 'p3']) await seed(qb(label), 0);
      h().advance(2);
      // Each peer_id reports 2 MB after 2 s: the three together may be credited 2 MB, not 6.
      for (const label of ['p1', 'p2', 'p3']) await seed(qb(label), 2 * MB);
      const u = await h().store.userStats(1);
      expect(u.uploadedRaw).toBe(6 * MB);
      expect(u.uploaded).toBe(2 * MB);
      expect(u.cheats).toBe(2);
      h().advance(0.5);
      await seed(qb('p1'), 3 * MB);
      expect((await h().store.userStats(1)).uploaded).toBe(2.5 * MB);
    });
    it('credits an honest seeder in full: 100 MB two seconds after started', async () => {
      await leecher();
      await seed(qb('honest'), 0, { event: 'started' });
      h().advance(2);
      await seed(qb('honest'), 100 * MB);
      const u = await h().store.userStats(1);
      expect([u.uploaded, u.cheats]).toEqual([100 * MB, 0]);
    });
    it('a burst of announces within one second earns what the elapsed milliseconds allow', async () => {
      h().reconfigure((c) => {
        c.accounting.max_upload_rate = 1000 * MB;
        c.tracker.enforce_min_interval = true;
      });
      await leecher();
      await seed(qb('burst'), 0);
      for (let i = 1; i <= 50; i++) {
        h().advance(0.01);
        await seed(qb('burst'), i * 1000 * MB);
      }
      // 0.5 s at 1000 MB/s: 500 MB, however many announces reported 50 GB.
      expect((await h().store.userStats(1)).uploaded).toBeLessThanOrEqual(500 * MB + 1);
      expect((await h().store.cheatEvents(100, { kind: 'upload_rate' })).length).toBeGreaterThan(0);
    });
  });

  describe('the wall clock', () => {
    it('three seeding peer_ids of one user accrue seed time once', async () => {
      for (const label of ['c1', 'c2', 'c3']) await seed(qb(label), 0);
      for (let i = 0; i < 3; i++) {
        h().advance(1);
        for (const label of ['c1', 'c2', 'c3']) await seed(qb(label), 0);
      }
      expect((await h().store.userTorrentStats(1, 10))?.seedTime).toBe(3);
    });
    it('leech time accrues while the user leeches', async () => {
      await h().announce(PK.alice, { infoHash: IH.plain, peerId: qb('lt'), left: 500 });
      h().advance(120);
      await h().announce(PK.alice, { infoHash: IH.plain, peerId: qb('lt'), left: 400, downloaded: 100 });
      expect((await h().store.userTorrentStats(1, 10))?.leechTime).toBe(120);
    });
    it('bonus for several peer_ids of one user is the bonus of one', async () => {
      await seed(qb('b1'), 0);
      h().advance(300);
      await seed(qb('b1'), 0);
      const one = (await h().store.userStats(1)).bonus;
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('x1'), left: 0 });
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('x2'), left: 0 });
      h().advance(300);
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('x1'), left: 0 });
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('x2'), left: 0 });
      // Same 300 s; the seeder count differs (alice's b1 is still there), so compare against the formula.
      const bob = (await h().store.userStats(2)).bonus;
      expect(bob).toBeCloseTo(((1 + (300 / 3600 + 1) * 5 * (10 / 3)) / 1000), 9);
      expect(one).toBeGreaterThan(0);
    });
  });

  describe('peer limits', () => {
    it('a user’s fourth peer_id on a torrent fails with a reason naming the limit and is never listed', async () => {
      for (const label of ['a', 'b', 'c']) expect(await failure(seed(qb(label), 0, { ip: `10.0.1.${label.charCodeAt(0)}` }))).toBeUndefined();
      expect(await failure(seed(qb('d'), 0))).toBe('peer limit: at most 3 peers per user on one torrent (stop another client first)');
      const r = await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('look'), left: 10, numwant: 50 });
      expect(r.complete).toBe(3);
      expect(compactPeers(r.peers, 6)).toHaveLength(3);
      expect((await h().store.peers(plain)).filter((p) => p.userId === 1)).toHaveLength(3);
    });
    it('a peer that stops frees its place at once; one that vanishes frees it when reaped', async () => {
      for (const label of ['a', 'b', 'c']) await seed(qb(label), 0);
      await seed(qb('a'), 0, { event: 'stopped' });
      expect(await failure(seed(qb('d'), 0))).toBeUndefined();
      expect(await failure(seed(qb('e'), 0))).toMatch(/peer limit/);
      h().advance(300);
      for (const label of ['c', 'd']) await seed(qb(label), 0);
      h().advance(200);
      expect(await h().store.reap(h().now, 400)).toBe(1); // b
      expect(await failure(seed(qb('e'), 0))).toBeUndefined();
    });
    it('other users and other torrents have their own places; 0 turns the limit off', async () => {
      for (const label of ['a', 'b', 'c']) await seed(qb(label), 0);
      expect(await failure(h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('bob'), left: 0 }))).toBeUndefined();
      expect(await failure(h().announce(PK.alice, { infoHash: IH.binary, peerId: qb('d'), left: 0 }))).toBeUndefined();
      h().reconfigure((c) => (c.tracker.max_peers_per_user_torrent = 0));
      expect(await failure(seed(qb('d'), 0))).toBeUndefined();
    });
    it('a refused announce changes nothing', async () => {
      for (const label of ['a', 'b', 'c']) await seed(qb(label), 0);
      const before = await h().store.userStats(1);
      await seed(qb('d'), 0);
      expect(await h().store.userStats(1)).toEqual(before);
      expect((await h().store.totals()).seeders).toBe(3);
    });
  });

  describe('upload with nobody to upload to', () => {
    it('a seeder reporting upload in a swarm without leechers is a no_leechers cheat, not credited', async () => {
      await seed(qb('lone'), 0);
      h().advance(300);
      await seed(qb('lone'), 5 * MB);
      const u = await h().store.userStats(1);
      expect([u.uploadedRaw, u.uploaded, u.cheats]).toEqual([5 * MB, 0, 1]);
      const [event] = await h().store.cheatEvents(10, { kind: 'no_leechers' });
      expect(event).toMatchObject({ kind: 'no_leechers', userId: 1, torrentId: 10, reported: 5 * MB, allowed: 0 });
      expect(await h().store.cheatCounts()).toEqual({ upload_rate: 0, no_leechers: 1 });
    });
    it('with accounting.credit_without_leechers it is credited, and still an event', async () => {
      h().reconfigure((c) => (c.accounting.credit_without_leechers = true));
      await seed(qb('lone'), 0);
      h().advance(300);
      await seed(qb('lone'), 5 * MB);
      const u = await h().store.userStats(1);
      expect([u.uploaded, u.cheats]).toEqual([5 * MB, 1]);
    });
    it('a leecher that completed or left after the seeder’s previous announce was there to upload to', async () => {
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('l1'), left: 100 });
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('l2'), left: 100 });
      await seed(qb('s'), 0);
      h().advance(100);
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('l1'), left: 0, downloaded: 100, event: 'completed' });
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('l2'), left: 50, downloaded: 50, event: 'stopped' });
      h().advance(200);
      await seed(qb('s'), 150);
      const u = await h().store.userStats(1);
      expect([u.uploaded, u.cheats]).toEqual([150, 0]);
    });
  });

  describe('no half-applied announce', () => {
    it('a figure beyond 2^53 after the multiplier fails and changes nothing, however often retried', async () => {
      await h().store.putTorrent({ ...torrents[0]!, multiUp: 12 });
      h().reconfigure((c) => (c.accounting.max_upload_rate = 0));
      await leecher();
      await seed(qb('big'), 0);
      h().advance(300);
      const before = [await h().store.userStats(1), await h().store.torrentStats(plain), await h().store.userTorrentStats(1, 10)];
      for (let i = 0; i < 3; i++) expect(await failure(seed(qb('big'), Number.MAX_SAFE_INTEGER))).toBe('uploaded too large: the credited figure would exceed 2^53 - 1');
      expect([await h().store.userStats(1), await h().store.torrentStats(plain), await h().store.userTorrentStats(1, 10)]).toEqual(before);
    });
    it('the store itself refuses such a figure before writing (whoever calls it)', async () => {
      await leecher();
      await seed(qb('big'), 0);
      const user = h().store.userById(1)!;
      const torrent = { ...h().store.torrentByInfoHash(plain)!, multiUp: 12 };
      const before = await h().store.userStats(1);
      const input = {
        user,
        torrent,
        peerId: qb('big'),
        endpoint: Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]),
        uploaded: Number.MAX_SAFE_INTEGER,
        downloaded: 0,
        left: 0,
        event: '' as const,
        numwant: 0,
        now: h().now + 300,
        nowMs: (h().now + 300) * 1000,
        minInterval: 0,
        rules: { multiUp: 12, multiDown: 1, bonusRate: 1, interval: 300, maxUploadRate: 0, creditWithoutLeechers: true },
        limits: { perUserTorrent: 0 },
      };
      await expect(h().store.announce(input)).rejects.toThrow(/too large/);
      expect(await h().store.userStats(1)).toEqual(before);
    });
  });

  describe('registry writes', () => {
    const eve = (id: number, passkey = 'e'.repeat(32)): User => ({ id, passkey, name: 'eve', canLeech: true, enabled: true });

    it('createUser refuses an existing id with user_exists and a held passkey with passkey_taken', async () => {
      await expect(h().store.createUser(eve(1))).rejects.toMatchObject({ code: 'user_exists' });
      await expect(h().store.createUser(eve(9, PK.bob))).rejects.toMatchObject({ code: 'passkey_taken' });
      await h().store.createUser(eve(9));
      expect(h().store.userByPasskey('e'.repeat(32))?.id).toBe(9);
    });
    it('of 20 racing creates of one user id exactly one succeeds', async () => {
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => h().store.createUser(eve(30, String(i).padStart(32, 'z')))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as RegistryConflictError).code).toBe('user_exists');
      expect(h().store.userById(30)).toBeDefined();
    });
    it('a torrent_id held by another registered info_hash is refused with torrent_id_taken; the same info_hash may update', async () => {
      const other = { ...torrents[0]!, infoHash: IH.unregistered.toString('hex'), name: 'impostor' };
      await expect(h().store.putTorrent(other)).rejects.toMatchObject({ code: 'torrent_id_taken' });
      expect(h().store.torrentByInfoHash(other.infoHash)).toBeUndefined();
      await h().store.putTorrent({ ...torrents[0]!, name: 'renamed' });
      expect(h().store.torrentByInfoHash(plain)?.name).toBe('renamed');
    });
    it('putTorrents lists the refused torrents and writes the rest, an id taken earlier in the batch included', async () => {
      const a = { ...torrents[0]!, id: 40, infoHash: 'a'.repeat(40) };
      const b = { ...torrents[0]!, id: 40, infoHash: 'b'.repeat(40) };
      const c = { ...torrents[0]!, id: 10, infoHash: 'c'.repeat(40) };
      const conflicts = await h().store.putTorrents([a, b, c]);
      expect(conflicts).toEqual([
        { infoHash: b.infoHash, torrentId: 40, holder: a.infoHash },
        { infoHash: c.infoHash, torrentId: 10, holder: plain },
      ]);
      expect(h().store.torrentByInfoHash(a.infoHash)).toEqual(a);
      expect(h().store.torrentByInfoHash(b.infoHash)).toBeUndefined();
    });
    it('the id of a deleted torrent may be taken by another info_hash', async () => {
      await h().store.deleteTorrent(plain);
      const next = { ...torrents[0]!, infoHash: 'd'.repeat(40) };
      await h().store.putTorrent(next);
      expect(h().store.torrentByInfoHash(next.infoHash)?.id).toBe(10);
    });
  });

  describe('client policy', () => {
    it('a blacklisted peer_id pattern is refused with its reason, whitelist or not, until removed', async () => {
      await h().store.putBlacklist({ pattern: '-qB4630-b?d', reason: 'this build inflates upload' });
      expect(h().store.blacklist()).toEqual([{ pattern: '-qB4630-b?d', reason: 'this build inflates upload' }]);
      expect(await failure(seed(qb('bad'), 0))).toBe('client banned: this build inflates upload');
      expect(await failure(seed(qb('bid'), 0))).toBe('client banned: this build inflates upload');
      expect(await failure(seed(qb('bed-not'), 0))).toBe('client banned: this build inflates upload');
      expect(await failure(seed(qb('good'), 0))).toBeUndefined();
      await h().store.deleteBlacklist('-qB4630-b?d');
      expect(await failure(seed(qb('bad'), 0))).toBeUndefined();
      expect(h().store.blacklist()).toEqual([]);
    });
    it('with require_client_user_agent a browser and an empty User-Agent are refused, a client is not', async () => {
      const url = `/${PK.alice}/announce?${announceQuery({ infoHash: IH.plain, peerId: qb('ua'), left: 0 })}`;
      const ua = (agent: string) => failure(h().get(url, '10.0.0.1', { 'user-agent': agent }));
      expect(await ua('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0')).toBeUndefined();
      h().reconfigure((c) => (c.tracker.require_client_user_agent = true));
      expect(await ua('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0')).toBe('client refused: browsers may not announce (use a BitTorrent client)');
      expect(await ua('')).toBe('client refused: no User-Agent (announce with a BitTorrent client)');
      expect(await ua('qBittorrent/4.6.3')).toBeUndefined();
    });
  });

  describe('cheat events', () => {
    it('are read newest first and filtered by user and kind', async () => {
      h().reconfigure((c) => (c.accounting.max_upload_rate = 1000));
      await leecher();
      await seed(qb('a'), 0);
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 0 });
      h().advance(10);
      await seed(qb('a'), 1 * MB);
      h().advance(10);
      await h().announce(PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 0, uploaded: 2 * MB });
      const all = await h().store.cheatEvents(10);
      expect(all.map((e) => e.userId)).toEqual([2, 1]);
      expect((await h().store.cheatEvents(10, { userId: 1 })).map((e) => e.reported)).toEqual([1 * MB]);
      expect(await h().store.cheatEvents(10, { kind: 'no_leechers' })).toEqual([]);
      expect(await h().store.cheatEvents(1)).toHaveLength(1);
      expect(await h().store.cheatCounts()).toEqual({ upload_rate: 2, no_leechers: 0 });
    });
  });
}
