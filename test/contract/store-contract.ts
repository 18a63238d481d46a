import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { User } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { compactPeers, encodeBytes, id20, scrapeFiles, START, text, trackerHarness, type Harness } from '../helpers/tracker-harness.js';
import { IH, PK, qb, seedSite, torrents, tr } from './fixtures.js';
import { economyContract } from './economy-contract.js';
import { ledgerContract } from './ledger-contract.js';

export interface ContractOptions {
  /** A fresh, unopened, empty store. */
  makeStore: () => Promise<Store>;
  /** False where leech slots are not counted (Redis Cluster: a user's leechers span hash slots). */
  leechSlots?: boolean;
}

const GIB = 1024 ** 3;

/**
 * The behaviour every store must show through the tracker: one suite, run against each store
 * (test/contract/*.test.ts). Requests go through the real fastify app with raw, binary URLs.
 */
export function storeContract(name: string, opts: ContractOptions): void {
  describe(`${name} store`, () => {
    let h: Harness;
    const setup = async (patch?: (c: Config) => void) => {
      if (h) await h.close();
      h = await trackerHarness(await opts.makeStore(), patch);
      await seedSite(h.store);
    };
    beforeEach(async () => {
      h = undefined as unknown as Harness;
      await setup();
    });
    afterEach(async () => {
      await h?.close();
    });

    const failure = async (p: Promise<Record<string, unknown>>) => text((await p)['failure reason']);

    ledgerContract(() => h, { leechSlots: opts.leechSlots ?? true });
    economyContract(() => h);

    describe('when the request is refused', () => {
      it('an unknown passkey fails with "unknown passkey"', async () => {
        expect(await failure(h.announce('x'.repeat(32), { infoHash: IH.plain, peerId: qb('a') }))).toBe('unknown passkey');
      });
      it('a disabled user fails with "account disabled"', async () => {
        expect(await failure(h.announce(PK.dave, { infoHash: IH.plain, peerId: qb('a') }))).toBe('account disabled');
      });
      it('an unregistered torrent fails with "unregistered torrent"', async () => {
        expect(await failure(h.announce(PK.alice, { infoHash: IH.unregistered, peerId: qb('a') }))).toBe('unregistered torrent');
      });
      it('a disabled torrent fails with its reason', async () => {
        expect(await failure(h.announce(PK.alice, { infoHash: IH.disabled, peerId: qb('a') }))).toBe('torrent removed: duplicate of #10');
      });
      it('a client off the whitelist fails with "client not whitelisted"', async () => {
        expect(await failure(h.announce(PK.alice, { infoHash: IH.plain, peerId: id20('-UT2210-xyz') }))).toBe('client not whitelisted');
      });
      it('with the whitelist switched off any client may announce', async () => {
        h.reconfigure((c) => (c.tracker.whitelist_enabled = false));
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: id20('-UT2210-xyz') });
        expect(r['failure reason']).toBeUndefined();
      });
      it('a user who may not leech fails with "user may not leech" but may seed', async () => {
        expect(await failure(h.announce(PK.carol, { infoHash: IH.plain, peerId: qb('c'), left: 100 }))).toBe('user may not leech');
        const seeding = await h.announce(PK.carol, { infoHash: IH.plain, peerId: qb('c'), left: 0 });
        expect(seeding['failure reason']).toBeUndefined();
      });
      it.each([
        ['info_hash', 'peer_id=' + encodeBytes(qb('a')) + '&port=1&uploaded=0&downloaded=0&left=0', 'malformed parameter info_hash: missing'],
        ['info_hash', 'info_hash=abc&peer_id=' + encodeBytes(qb('a')) + '&port=1&uploaded=0&downloaded=0&left=0', 'malformed parameter info_hash: must be 20 bytes, got 3'],
        ['info_hash', `info_hash=${encodeBytes(IH.plain)}&info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=0&downloaded=0&left=0`, 'malformed parameter info_hash: given more than once'],
        ['info_hash', `info_hash=%4${'x'.repeat(19)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=0&downloaded=0&left=0`, 'malformed parameter info_hash: bad percent-escape'],
        ['peer_id', `info_hash=${encodeBytes(IH.plain)}&port=1&uploaded=0&downloaded=0&left=0`, 'malformed parameter peer_id: missing'],
        ['port', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=70000&uploaded=0&downloaded=0&left=0`, 'malformed parameter port: must be between 1 and 65535'],
        ['uploaded', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=-5&downloaded=0&left=0`, 'malformed parameter uploaded: must be a whole number'],
        ['uploaded', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=9007199254740993&downloaded=0&left=0`, 'malformed parameter uploaded: must be between 0 and 9007199254740991'],
        ['downloaded', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=0&downloaded=1e5&left=0`, 'malformed parameter downloaded: must be a whole number'],
        ['event', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=0&downloaded=0&left=0&event=bogus`, 'malformed parameter event: must be started, stopped, completed, paused or empty'],
        ['numwant', `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('a'))}&port=1&uploaded=0&downloaded=0&left=0&numwant=lots`, 'malformed parameter numwant: must be a whole number'],
      ])('a malformed %s is named in the failure', async (_param, query, reason) => {
        expect(await failure(h.get(`/${PK.alice}/announce?${query}`))).toBe(reason);
      });
      it('an announce URL without a passkey fails with a reason the user can read', async () => {
        expect(await failure(h.get('/announce?info_hash=x'))).toBe('missing passkey in the announce URL');
      });
      it('a full scrape (no info_hash) is refused', async () => {
        expect(await failure(h.get(`/${PK.alice}/scrape`))).toBe('malformed parameter info_hash: missing (full scrape is not offered)');
      });
      it('a scrape of more hashes than scrape_max_hashes is refused', async () => {
        h.reconfigure((c) => (c.tracker.scrape_max_hashes = 2));
        expect(await failure(h.scrape(PK.alice, [IH.plain, IH.binary, IH.plus]))).toBe('malformed parameter info_hash: at most 2 per scrape');
      });
      it('a scrape with an unknown passkey fails with "unknown passkey"', async () => {
        expect(await failure(h.scrape('z'.repeat(32), [IH.plain]))).toBe('unknown passkey');
      });
    });

    describe('when info_hash and peer_id hold arbitrary bytes', () => {
      it('hashes with %00, %FF, %2B, %20 and a literal "+" each reach their own torrent', async () => {
        for (const ih of [IH.binary, IH.plus, IH.space]) {
          const r = await h.announce(PK.alice, { infoHash: ih, peerId: qb('bin'), left: 0 });
          expect(r['failure reason']).toBeUndefined();
          expect(r.complete).toBe(1);
        }
        const files = scrapeFiles(await h.scrape(PK.alice, [IH.binary, IH.plus, IH.space]));
        expect(Object.keys(files).sort()).toEqual([IH.binary, IH.plus, IH.space].map((b) => b.toString('hex')).sort());
      });
      it('a literal "+" in the query is the byte 0x2B, the same as %2B', async () => {
        const literal = `info_hash=${'+'.repeat(20)}&peer_id=${encodeBytes(qb('lit'))}&port=1&uploaded=0&downloaded=0&left=0`;
        const r = await h.get(`/${PK.alice}/announce?${literal}`);
        expect(r['failure reason']).toBeUndefined();
        const again = await h.announce(PK.bob, { infoHash: IH.plus, peerId: qb('enc'), left: 5 });
        expect(again.complete).toBe(1);
      });
      it('peer_ids with NUL, 0xFF and ":" are distinct peers', async () => {
        const a = Buffer.concat([Buffer.from('-qB4'), Buffer.from('00ff3a00ff3a00ff3a00ff3a00ff3a00', 'hex')]);
        const b = Buffer.concat([Buffer.from('-qB4'), Buffer.from('00ff3a00ff3a00ff3a00ff3a00ff3a01', 'hex')]);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: a, left: 0 });
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: b, left: 0, compact: '0' });
        expect(r.complete).toBe(2);
      });
    });

    describe('peer lists', () => {
      it('are compact by default: 6 bytes per IPv4 peer and 18 per IPv6 peer in peers6', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('s4'), left: 0, port: 1111 }, '10.0.0.1');
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s6'), left: 0, port: 2222 }, '2001:db8::1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 10 }, '10.0.0.3');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.1:1111']);
        expect(compactPeers(r.peers6, 18)).toEqual(['[20010db8000000000000000000000001]:2222']);
        expect(r.interval).toBe(300);
        expect(r['min interval']).toBe(10);
      });
      it('with compact=0 are dictionaries with peer id, ip and port, the asker’s family first', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s6'), left: 0, port: 2222 }, '2001:db8::1');
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('s4'), left: 0, port: 1111 }, '10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 10, compact: '0' }, '10.0.0.3');
        const peers = r.peers as Array<Record<string, Uint8Array | number>>;
        expect(peers.map((p) => [text(p.ip), p.port])).toEqual([['10.0.0.1', 1111], ['2001:db8::1', 2222]]);
        expect(Buffer.from(peers[0]!['peer id'] as Uint8Array)).toEqual(qb('s4'));
      });
      it('with no_peer_id leave the peer id out', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 }, '10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 10, compact: '0', extra: 'no_peer_id=1' });
        const peers = r.peers as Array<Record<string, unknown>>;
        expect(peers).toHaveLength(1);
        expect(peers[0]!['peer id']).toBeUndefined();
      });
      it('never hold the asking peer', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('me'), left: 10 }, '10.0.0.1');
        h.advance(60);
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('me'), left: 10 }, '10.0.0.1');
        expect(compactPeers(r.peers, 6)).toEqual([]);
        expect(r.incomplete).toBe(1);
      });
      it('give a seeder leechers only', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s1'), left: 0 }, '10.0.0.1');
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('l1'), left: 5 }, '10.0.0.2');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('s2'), left: 0 }, '10.0.0.3');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.2:6881']);
      });
      it('give a paused partial seed (BEP 21) leechers only', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s1'), left: 0 }, '10.0.0.1');
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('l1'), left: 5 }, '10.0.0.2');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('p'), left: 7, event: 'paused' }, '10.0.0.3');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.2:6881']);
        expect(r.incomplete).toBe(2);
      });
      it('give a leecher seeders first', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('l1'), left: 5 }, '10.0.0.2');
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s1'), left: 0 }, '10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l2'), left: 9, numwant: 1 }, '10.0.0.3');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.1:6881']);
      });
      it('hold numwant peers at most, numwant_default when not asked, and never more than numwant_max', async () => {
        h.reconfigure((c) => {
          c.tracker.numwant_default = 4;
          c.tracker.numwant_max = 6;
          c.tracker.max_peers_per_user_torrent = 0;
        });
        for (let i = 0; i < 10; i++) await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb(`s${i}`), left: 0 }, `10.0.1.${i + 1}`);
        const ask = async (label: string, numwant?: number) =>
          compactPeers((await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb(label), left: 1, ...(numwant === undefined ? {} : { numwant }) }, '10.0.0.9')).peers, 6).length;
        expect(await ask('a', 2)).toBe(2);
        expect(await ask('b')).toBe(4);
        expect(await ask('c', 500)).toBe(6);
        expect(await ask('d', 0)).toBe(0);
      });
      it('rotate fairly: ten seeders shown three at a time all appear within four announces', async () => {
        h.reconfigure((c) => (c.tracker.max_peers_per_user_torrent = 0));
        for (let i = 0; i < 10; i++) await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb(`s${i}`), left: 0 }, `10.0.1.${i + 1}`);
        const seen = new Set<string>();
        for (let round = 0; round < 4; round++) {
          h.advance(30);
          const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1, numwant: 3 }, '10.0.0.9');
          for (const p of compactPeers(r.peers, 6)) seen.add(p);
        }
        expect(seen.size).toBe(10);
      });
      it('are withheld from an announce sooner than min interval, which is still accounted', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 }, '10.0.0.1');
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 100, downloaded: 0 }, '10.0.0.2');
        h.advance(3);
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 50, downloaded: 50 }, '10.0.0.2');
        expect(compactPeers(r.peers, 6)).toEqual([]);
        expect(text(r['warning message'])).toMatch(/min interval/);
        expect((await h.store.userStats(1)).downloaded).toBe(50);
        h.advance(10);
        const later = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 50, downloaded: 50 }, '10.0.0.2');
        expect(compactPeers(later.peers, 6)).toEqual(['10.0.0.1:6881']);
      });
      it('come out of IPv6 when ipv6 is switched off, and IPv6 clients are refused', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s6'), left: 0 }, '2001:db8::1');
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s4'), left: 0 }, '10.0.0.1');
        h.reconfigure((c) => (c.tracker.ipv6 = false));
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1 }, '10.0.0.2');
        expect(r.peers6).toBeUndefined();
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.1:6881']);
        expect(await failure(h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('v6'), left: 1 }, '2001:db8::9'))).toBe('IPv6 is disabled on this tracker');
      });
    });

    describe('counts and events', () => {
      it('complete, incomplete and downloaded report seeders, leechers and snatches', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 3 });
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l2'), left: 0, event: 'completed' });
        expect([r.complete, r.incomplete, r.downloaded]).toEqual([2, 1, 1]);
      });
      it('a stopped peer leaves the swarm and its last transfer is credited', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 100 });
        h.advance(60);
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 40, downloaded: 60, event: 'stopped' });
        expect(r.incomplete).toBe(0);
        expect((await h.store.userStats(1)).downloaded).toBe(60);
      });
      it('a stopped for a peer the swarm does not hold succeeds quietly with a warning', async () => {
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('ghost'), left: 0, event: 'stopped', port: 0 });
        expect(r['failure reason']).toBeUndefined();
        expect(text(r['warning message'])).toMatch(/not active/);
      });
      it('a stopped for an unregistered torrent succeeds quietly too', async () => {
        const r = await h.announce(PK.alice, { infoHash: IH.unregistered, peerId: qb('ghost'), event: 'stopped' });
        expect(r['failure reason']).toBeUndefined();
      });
      it('a snatch is counted once per user and torrent however often completed is sent', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('x'), left: 0, event: 'completed' });
        h.advance(60);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('y'), left: 0, event: 'completed' });
        const r = await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('z'), left: 0, event: 'completed' });
        expect(r.downloaded).toBe(2);
        expect((await h.store.userStats(1)).snatches).toBe(1);
        expect((await h.store.userTorrentStats(1, 10))?.snatched).toBe(true);
      });
      it('a leecher that leaves with left=0 after downloading, without completed, counts one snatch (aria2 --seed-time=0)', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a2'), left: 1000, event: 'started' });
        h.advance(30);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a2'), left: 0, downloaded: 1000, event: 'stopped' });
        expect((await h.store.userStats(1)).snatches).toBe(1);
        expect((await h.store.torrentStats(IH.plain.toString('hex'))).snatches).toBe(1);
        expect((await h.store.userTorrentStats(1, 10))?.snatched).toBe(true);
      });
      it('a seeder whose left falls to 0 by checking its data, nothing downloaded, counts no snatch', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('tr'), left: 1000, event: 'started' });
        h.advance(30);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('tr'), left: 0 });
        expect((await h.store.userStats(1)).snatches).toBe(0);
      });
    });

    describe('accounting', () => {
      const ann = (uploaded: number, downloaded: number, left = 10, extra: { infoHash?: Buffer; peerId?: Buffer; event?: string } = {}) =>
        h.announce(PK.alice, { infoHash: extra.infoHash ?? IH.plain, peerId: extra.peerId ?? qb('acct'), uploaded, downloaded, left, ...(extra.event ? { event: extra.event } : {}) });

      it('the first announce of a peer sets the baseline and later ones add the difference', async () => {
        await ann(1000, 2000);
        h.advance(300);
        await ann(1500, 2600);
        const u = await h.store.userStats(1);
        expect([u.uploaded, u.downloaded, u.uploadedRaw, u.downloadedRaw]).toEqual([500, 600, 500, 600]);
      });
      it('a counter that went down rebases and adds nothing', async () => {
        await ann(1000, 1000);
        h.advance(300);
        await ann(100, 1200);
        h.advance(300);
        await ann(400, 1300);
        const u = await h.store.userStats(1);
        expect([u.uploaded, u.downloaded]).toEqual([300, 300]);
      });
      it('an announce older than the peer’s last one (overtaken on the way) fails and changes nothing, so no delta counts twice', async () => {
        await ann(1000, 1000);
        h.advance(300);
        await ann(3000, 3000);
        // Sent before the previous one, run after it: what a hung Redis does behind a second connection.
        h.advance(-200);
        expect(await failure(ann(2000, 2000))).toBe('tracker storage unavailable');
        h.advance(500);
        await ann(4000, 4000);
        const u = await h.store.userStats(1);
        expect([u.uploadedRaw, u.downloadedRaw, u.announces]).toEqual([3000, 3000, 3]);
      });
      it('counters beyond 32 bits are exact', async () => {
        await ann(5_000_000_000_000, 0);
        h.advance(300);
        await ann(5_000_000_000_000 + 4_294_967_297, 2 ** 40);
        const u = await h.store.userStats(1);
        expect([u.uploadedRaw, u.downloadedRaw]).toEqual([4_294_967_297, 2 ** 40]);
      });
      it('credit follows the torrent multipliers while the raw figures stay as reported', async () => {
        await ann(0, 0, 10, { infoHash: IH.double });
        h.advance(300);
        await ann(1000, 700, 10, { infoHash: IH.double });
        const u = await h.store.userStats(1);
        expect([u.uploadedRaw, u.downloadedRaw, u.uploaded, u.downloaded]).toEqual([1000, 700, 2000, 0]);
        const t = await h.store.torrentStats(IH.double.toString('hex'));
        expect([t.uploadedRaw, t.downloadedRaw, t.uploaded, t.downloaded]).toEqual([1000, 700, 2000, 0]);
      });
      it('site-wide freeleech credits no download on any torrent', async () => {
        h.reconfigure((c) => (c.accounting.freeleech = true));
        await ann(0, 0);
        h.advance(300);
        await ann(100, 900);
        const u = await h.store.userStats(1);
        expect([u.uploaded, u.downloaded, u.downloadedRaw]).toEqual([100, 0, 900]);
      });
      it('a peer announcing over IPv4 and IPv6 is one peer with two endpoints, counted once', async () => {
        // About endpoints, not about who could be uploaded to: no leecher is needed for the credit.
        h.reconfigure((c) => (c.accounting.credit_without_leechers = true));
        const pid = qb('dual');
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: pid, left: 0, uploaded: 0 }, '10.0.0.1');
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: pid, left: 0, uploaded: 0 }, '2001:db8::1');
        h.advance(300);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: pid, left: 0, uploaded: 1000 }, '10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: pid, left: 0, uploaded: 1000 }, '2001:db8::1');
        expect(r.complete).toBe(1);
        expect((await h.store.userStats(1)).uploaded).toBe(1000);
        const leech = await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('l'), left: 5 }, '10.0.0.2');
        expect(compactPeers(leech.peers, 6)).toEqual(['10.0.0.1:6881']);
        expect(compactPeers(leech.peers6, 18)).toEqual(['[20010db8000000000000000000000001]:6881']);
      });
      it('seed time adds up while a peer seeds', async () => {
        await ann(0, 0, 0);
        h.advance(300);
        await ann(0, 0, 0);
        h.advance(200);
        await ann(0, 0, 0);
        expect((await h.store.userTorrentStats(1, 10))?.seedTime).toBe(500);
      });
      it('bonus points accumulate on every announce with the seed formula', async () => {
        h.reconfigure((c) => (c.accounting.credit_without_leechers = true));
        await ann(0, 0, 0);
        h.advance(300);
        await ann(GIB, 0, 0);
        const first = (await h.store.userStats(1)).bonus;
        // one seeder (itself), 1 GiB up, 300 s seeded, a full interval: (1 + 1 + (1/12 + 1) * 5 * 10) / 1000
        expect(first).toBeCloseTo((1 + 1 + (300 / 3600 + 1) * 5 * 10) / 1000, 9);
        h.advance(150);
        await ann(GIB, 0, 0);
        const second = (await h.store.userStats(1)).bonus;
        expect(second - first).toBeCloseTo(((1 + 1 + (450 / 3600 + 1) * 50) / 1000) * 0.5, 9);
      });
      it('an upload rate above the ceiling is clamped and recorded as a cheat event', async () => {
        h.reconfigure((c) => (c.accounting.max_upload_rate = 1000));
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('bob-l'), left: 5 });
        await ann(0, 0, 0);
        h.advance(100);
        await ann(1_000_000, 0, 0);
        const u = await h.store.userStats(1);
        expect([u.uploadedRaw, u.uploaded, u.cheats]).toEqual([1_000_000, 100_000, 1]);
        const [event] = await h.store.cheatEvents(10);
        expect(event).toMatchObject({ kind: 'upload_rate', userId: 1, torrentId: 10, rate: 10_000, reported: 1_000_000, allowed: 100_000, peerId: qb('acct').toString('hex') });
      });
      it('per-torrent totals add every user’s transfer', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 10 });
        h.advance(300);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0, uploaded: 10 });
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('b'), left: 0, downloaded: 10, event: 'completed' });
        const t = await h.store.torrentStats(IH.plain.toString('hex'));
        expect(t).toMatchObject({ seeders: 2, leechers: 0, snatches: 1, uploaded: 10, downloaded: 10, announces: 4 });
      });
    });

    describe('client address', () => {
      it('X-Forwarded-For from an untrusted address is ignored', async () => {
        await h.get(`/${PK.bob}/announce?info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('s'))}&port=1&uploaded=0&downloaded=0&left=0`, '10.0.0.1', { 'x-forwarded-for': '192.0.2.7' });
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1 }, '10.0.0.2');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.1:1']);
      });
      it('X-Forwarded-For from a trusted proxy gives the client address', async () => {
        h.reconfigure((c) => (c.tracker.trusted_proxies = ['10.9.0.0/16']));
        await h.get(`/${PK.bob}/announce?info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('s'))}&port=1&uploaded=0&downloaded=0&left=0`, '10.9.1.1', { 'x-forwarded-for': '192.0.2.7, 10.9.3.3' });
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1 }, '10.0.0.2');
        expect(compactPeers(r.peers, 6)).toEqual(['192.0.2.7:1']);
      });
      it('the ip parameter is ignored unless allow_client_ip is set', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0, extra: 'ip=192.0.2.1' }, '10.0.0.1');
        h.reconfigure((c) => (c.tracker.allow_client_ip = true));
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('t'), left: 0, extra: 'ip=192.0.2.2' }, '10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1 }, '10.0.0.2');
        expect(compactPeers(r.peers, 6).sort()).toEqual(['10.0.0.1:6881', '192.0.2.2:6881']);
      });
      it('an IPv4-mapped IPv6 socket address is treated as IPv4', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 }, '::ffff:10.0.0.1');
        const r = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l'), left: 1 }, '10.0.0.2');
        expect(compactPeers(r.peers, 6)).toEqual(['10.0.0.1:6881']);
      });
    });

    describe('expiry', () => {
      it('a peer silent longer than reap_interval is dropped and the counts follow', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('old'), left: 0 });
        h.advance(300);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('new'), left: 5 });
        h.advance(200);
        expect(await h.store.reap(h.now, 400)).toBe(1);
        const [entry] = await h.store.scrape([IH.plain.toString('hex')]);
        expect(entry).toMatchObject({ complete: 0, incomplete: 1 });
        expect(await h.store.reap(h.now, 400)).toBe(0);
      });
      it('a reaped peer that comes back starts from a new baseline', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('p'), left: 0, uploaded: 100 });
        h.advance(500);
        await h.store.reap(h.now, 400);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('p'), left: 0, uploaded: 900 });
        expect((await h.store.userStats(1)).uploaded).toBe(0);
      });
    });

    describe('scrape', () => {
      it('answers several info_hashes in one files dictionary and leaves unregistered ones out', async () => {
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 });
        await h.announce(PK.alice, { infoHash: IH.binary, peerId: qb('l'), left: 3 });
        const r = await h.get(`/scrape/${PK.alice}?info_hash=${encodeBytes(IH.plain)}&info_hash=${encodeBytes(IH.binary)}&info_hash=${encodeBytes(IH.unregistered)}`);
        const byHex = scrapeFiles(r);
        expect(Object.keys(byHex).sort()).toEqual([IH.binary.toString('hex'), IH.plain.toString('hex')].sort());
        expect(byHex[IH.plain.toString('hex')]).toEqual({ complete: 1, downloaded: 0, incomplete: 0 });
        expect(byHex[IH.binary.toString('hex')]).toEqual({ complete: 0, downloaded: 0, incomplete: 1 });
      });
      it('works on both URL layouts', async () => {
        for (const url of [`/${PK.alice}/scrape?info_hash=${encodeBytes(IH.plain)}`, `/scrape/${PK.alice}?info_hash=${encodeBytes(IH.plain)}`]) {
          expect((await h.get(url)).files).toBeDefined();
        }
      });
    });

    describe('registry changes', () => {
      it('announce works on both URL layouts', async () => {
        const q = `info_hash=${encodeBytes(IH.plain)}&peer_id=${encodeBytes(qb('x'))}&port=1&uploaded=0&downloaded=0&left=0`;
        expect((await h.get(`/announce/${PK.alice}?${q}`)).complete).toBe(1);
        expect((await h.get(`/${PK.alice}/announce?${q}`)).complete).toBe(1);
      });
      it('a rotated passkey works at once and the old one stops', async () => {
        await h.store.putUser({ id: 1, passkey: 'n'.repeat(32), name: 'alice', canLeech: true, enabled: true, leechSlots: 0 });
        expect(await failure(h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a') }))).toBe('unknown passkey');
        expect((await h.announce('n'.repeat(32), { infoHash: IH.plain, peerId: qb('a') }))['failure reason']).toBeUndefined();
      });
      it('a passkey held by another user is refused', async () => {
        await expect(h.store.putUser({ id: 9, passkey: PK.bob, name: 'eve', canLeech: true, enabled: true, leechSlots: 0 })).rejects.toThrow(/passkey/);
      });
      it('a deleted user’s passkey stops working', async () => {
        await h.store.deleteUser(2);
        expect(await failure(h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('b') }))).toBe('unknown passkey');
      });
      it('a torrent is found by its info_hash’s 20 bytes as by its hex, its latest record, and not once deleted', async () => {
        for (const ih of [IH.plain, IH.binary, IH.plus]) expect(h.store.torrentByInfoHashBytes(ih)).toEqual(h.store.torrentByInfoHash(ih.toString('hex')));
        expect(h.store.torrentByInfoHashBytes(IH.plain)?.infoHash).toBe(IH.plain.toString('hex'));
        expect(h.store.torrentByInfoHashBytes(IH.unregistered)).toBeUndefined();
        await h.store.putTorrent({ ...torrents[0]!, name: 'plain, renamed' });
        expect(h.store.torrentByInfoHashBytes(IH.plain)?.name).toBe('plain, renamed');
        await h.store.deleteTorrent(IH.plain.toString('hex'));
        expect(h.store.torrentByInfoHashBytes(IH.plain)).toBeUndefined();
        expect(h.store.torrentByInfoHashBytes(IH.binary)?.infoHash).toBe(IH.binary.toString('hex'));
      });
      it('a deleted torrent is unregistered', async () => {
        await h.store.deleteTorrent(IH.plain.toString('hex'));
        expect(await failure(h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a') }))).toBe('unregistered torrent');
      });
      it('a client removed from the whitelist is refused', async () => {
        await h.store.deleteWhitelist('-TR3');
        expect(await failure(h.announce(PK.alice, { infoHash: IH.plain, peerId: tr('a') }))).toBe('client not whitelisted');
        expect(h.store.whitelist().map((w) => w.prefix)).toEqual(['-qB4']);
      });
      it('a torrent’s new multipliers apply to the next announce', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 1 });
        await h.store.putTorrent({ ...torrents[0]!, multiDown: 0.5 });
        h.advance(300);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 1, downloaded: 1000 });
        expect((await h.store.userStats(1)).downloaded).toBe(500);
      });
    });

    describe('bulk registry writes', () => {
      const newUser = (id: number, passkey: string): User => ({ id, passkey, name: `u${id}`, canLeech: true, enabled: true, leechSlots: 0 });

      it('putUsers writes every user of the batch, each found by its passkey', async () => {
        const batch = [newUser(20, 'p'.repeat(32)), newUser(21, 'q'.repeat(32))];
        expect(await h.store.putUsers(batch)).toEqual([]);
        expect(h.store.userByPasskey('p'.repeat(32))).toEqual(batch[0]);
        expect(h.store.userById(21)).toEqual(batch[1]);
        expect((await h.announce('q'.repeat(32), { infoHash: IH.plain, peerId: qb('q') }))['failure reason']).toBeUndefined();
      });
      it('putUsers refuses a passkey held by an existing user or taken earlier in the batch, and writes the rest', async () => {
        const conflicts = await h.store.putUsers([newUser(20, PK.bob), newUser(21, 'r'.repeat(32)), newUser(22, 'r'.repeat(32)), newUser(23, 's'.repeat(32))]);
        expect(conflicts).toEqual([
          { userId: 20, holder: 2 },
          { userId: 22, holder: 21 },
        ]);
        expect(h.store.userById(20)).toBeUndefined();
        expect(h.store.userById(22)).toBeUndefined();
        expect(h.store.userByPasskey(PK.bob)?.id).toBe(2);
        expect(h.store.userByPasskey('r'.repeat(32))?.id).toBe(21);
        expect(h.store.userByPasskey('s'.repeat(32))?.id).toBe(23);
      });
      it('putUsers lets a later item take the passkey an earlier one gave up', async () => {
        const conflicts = await h.store.putUsers([newUser(1, 'n'.repeat(32)), newUser(20, PK.alice)]);
        expect(conflicts).toEqual([]);
        expect(h.store.userByPasskey(PK.alice)?.id).toBe(20);
        expect(h.store.userByPasskey('n'.repeat(32))?.id).toBe(1);
      });
      it('putTorrents registers every torrent of the batch and replaces existing ones', async () => {
        const fresh = { ...torrents[0]!, id: 30, infoHash: IH.unregistered.toString('hex'), name: 'fresh' };
        const renamed = { ...torrents[0]!, name: 'plain, renamed' };
        await h.store.putTorrents([fresh, renamed]);
        expect(h.store.torrentByInfoHash(fresh.infoHash)).toEqual(fresh);
        expect(h.store.torrentByInfoHash(renamed.infoHash)).toEqual(renamed);
        expect((await h.announce(PK.alice, { infoHash: IH.unregistered, peerId: qb('a') }))['failure reason']).toBeUndefined();
      });
      it('putWhitelistEntries admits every prefix of the batch', async () => {
        await h.store.putWhitelistEntries([
          { prefix: '-UT2210', client: 'µTorrent 2.2.1' },
          { prefix: '-DE', client: 'Deluge' },
        ]);
        expect(h.store.whitelistMatch(id20('-UT2210-xyz'))?.client).toBe('µTorrent 2.2.1');
        expect(h.store.whitelistMatch(id20('-DE13F0-abc'))?.client).toBe('Deluge');
        expect(h.store.whitelist().map((w) => w.prefix)).toEqual(['-DE', '-TR3', '-UT2210', '-qB4']);
        expect((await h.announce(PK.alice, { infoHash: IH.plain, peerId: id20('-UT2210-xyz') }))['failure reason']).toBeUndefined();
      });
      it('empty batches change nothing', async () => {
        expect(await h.store.putUsers([])).toEqual([]);
        await h.store.putTorrents([]);
        await h.store.putWhitelistEntries([]);
        expect(await h.store.deleteUsers([])).toBe(0);
        expect(await h.store.deleteTorrents([])).toBe(0);
        expect(h.store.whitelist()).toHaveLength(2);
        expect(h.store.counts()).toEqual({ users: 4, torrents: 6, whitelist: 2 });
      });
      it('userIds and infoHashes list every registered user and torrent', async () => {
        expect(h.store.userIds().sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
        expect(h.store.infoHashes().sort()).toEqual(torrents.map((t) => t.infoHash).sort());
      });
      it('deleteUsers removes a batch of users, counting those that were registered', async () => {
        expect(await h.store.deleteUsers([2, 3, 99])).toBe(2);
        expect(h.store.userIds().sort((a, b) => a - b)).toEqual([1, 4]);
        expect(await failure(h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('b') }))).toBe('unknown passkey');
        expect((await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a') }))['failure reason']).toBeUndefined();
      });
      it('deleteTorrents forgets a batch of torrents with their swarms, counting those that were registered', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
        await h.announce(PK.bob, { infoHash: IH.binary, peerId: qb('b'), left: 5 });
        expect(await h.store.deleteTorrents([IH.plain.toString('hex'), IH.binary.toString('hex'), IH.unregistered.toString('hex')])).toBe(2);
        expect(h.store.infoHashes()).not.toContain(IH.plain.toString('hex'));
        expect(await h.store.peers(IH.plain.toString('hex'))).toEqual([]);
        expect(await h.store.totals()).toEqual({ seeders: 0, leechers: 0 });
        expect(await failure(h.announce(PK.alice, { infoHash: IH.binary, peerId: qb('a') }))).toBe('unregistered torrent');
      });
    });

    describe('swarm listing', () => {
      const plain = IH.plain.toString('hex');

      it('peers lists IPv4 and IPv6 peers with endpoint and last state, seeders first', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l4'), left: 500, downloaded: 20, port: 1111 }, '10.0.0.1');
        h.advance(10);
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s6'), left: 0, uploaded: 70, port: 2222 }, '2001:db8::1');
        expect(await h.store.peers(plain)).toEqual([
          { userId: 2, peerId: qb('s6').toString('hex'), ipv6: '2001:db8::1', ipv6Port: 2222, uploaded: 70, downloaded: 0, left: 0, seeder: true, lastSeen: START + 10 },
          { userId: 1, peerId: qb('l4').toString('hex'), ipv4: '10.0.0.1', ipv4Port: 1111, uploaded: 0, downloaded: 20, left: 500, seeder: false, lastSeen: START },
        ]);
      });
      it('a peer announcing over both families shows both endpoints', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('dual'), left: 0, port: 1111 }, '10.0.0.1');
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('dual'), left: 0, port: 2222 }, '2001:db8::7');
        const [peer, ...rest] = await h.store.peers(plain);
        expect(rest).toEqual([]);
        expect(peer).toMatchObject({ ipv4: '10.0.0.1', ipv4Port: 1111, ipv6: '2001:db8::7', ipv6Port: 2222 });
      });
      it('a stopped peer is gone from peers, and an unknown swarm has none', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 3 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 3, event: 'stopped' });
        expect(await h.store.peers(plain)).toEqual([]);
        expect(await h.store.peers(IH.unregistered.toString('hex'))).toEqual([]);
      });
      it('peer_ids that differ only in bytes that are not UTF-8 are two peers', async () => {
        const a = Buffer.concat([Buffer.from('-qB4'), Buffer.alloc(16, 0xfe)]);
        const b = Buffer.concat([Buffer.from('-qB4'), Buffer.alloc(16, 0xff)]);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: a, left: 0 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: b, left: 0 });
        expect((await h.store.peers(plain)).map((p) => p.peerId).sort()).toEqual([a.toString('hex'), b.toString('hex')]);
      });

      it('userTorrents lists every torrent the user announced, by info_hash, and whether it was left with stopped', async () => {
        await h.announce(PK.alice, { infoHash: IH.space, peerId: qb('a'), left: 9 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 0 });
        h.advance(60);
        await h.announce(PK.alice, { infoHash: IH.space, peerId: qb('a'), left: 4, downloaded: 5, event: 'stopped' });
        await h.announce(PK.bob, { infoHash: IH.binary, peerId: qb('b'), left: 1 });
        const list = await h.store.userTorrents(1);
        const expected = [
          { infoHash: IH.plain.toString('hex'), torrentId: 10, stopped: false, left: 0, downloaded: 0 },
          { infoHash: IH.space.toString('hex'), torrentId: 13, stopped: true, left: 4, downloaded: 5 },
        ].sort((x, y) => (x.infoHash < y.infoHash ? -1 : 1));
        expect(list.map((e) => ({ infoHash: e.infoHash, torrentId: e.torrentId, stopped: e.stats.stopped, left: e.stats.left, downloaded: e.stats.downloaded }))).toEqual(expected);
        for (const e of list) expect(e.stats).toEqual(await h.store.userTorrentStats(1, e.torrentId));
        expect(await h.store.userTorrents(3)).toEqual([]);
      });
      it('a ledger announced again after a stopped is no longer stopped, and stays listed after its torrent is deleted', async () => {
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 2 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 2, event: 'stopped' });
        expect((await h.store.userTorrentStats(1, 10))?.stopped).toBe(true);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('a'), left: 2, event: 'started' });
        expect((await h.store.userTorrentStats(1, 10))?.stopped).toBe(false);
        await h.store.deleteTorrent(plain);
        expect((await h.store.userTorrents(1)).map((e) => [e.infoHash, e.torrentId])).toEqual([[plain, 10]]);
      });

      it('totals follow joins, side changes, stops, reaps and deleted torrents, and not re-announces', async () => {
        const totals = () => h.store.totals();
        expect(await totals()).toEqual({ seeders: 0, leechers: 0 });
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 5 });
        await h.announce(PK.alice, { infoHash: IH.binary, peerId: qb('l2'), left: 5 });
        expect(await totals()).toEqual({ seeders: 1, leechers: 2 });
        h.advance(60);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 3 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('ghost'), event: 'stopped' });
        expect(await totals()).toEqual({ seeders: 1, leechers: 2 });
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 0, event: 'completed' });
        expect(await totals()).toEqual({ seeders: 2, leechers: 1 });
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('s'), left: 0, event: 'stopped' });
        expect(await totals()).toEqual({ seeders: 1, leechers: 1 });
        h.advance(400);
        await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('l1'), left: 0 });
        expect(await h.store.reap(h.now, 400)).toBe(1); // l2, silent since the start
        expect(await totals()).toEqual({ seeders: 1, leechers: 0 });
        await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('l3'), left: 8 });
        await h.store.deleteTorrent(plain);
        expect(await totals()).toEqual({ seeders: 0, leechers: 0 });
      });
    });
  });
}
