import bencode from 'bencode';
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { announceQuery, failureOf, id20, type AnnounceArgs, type Reply } from '../helpers/tracker-harness.js';

// The attacks of issue 11, as a client would try them: real HTTP to a daemon's tracker port and
// its TLS API, real clocks. One suite for every store: a store joins with one line (cheat/*.test.ts).

export interface CheatSuiteOptions {
  /** A fresh, unopened, empty store. */
  makeStore: () => Promise<Store>;
}

const GIB = 1024 ** 3;
const MB = 1_000_000;
const IH = 'c0'.repeat(20);
const IH_OTHER = 'c1'.repeat(20);
const CHEAT = 'x'.repeat(32);
const HONEST = 'h'.repeat(32);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pid = (label: string) => id20(`-qB4630-${label}`);

export function cheatSuite(name: string, opts: CheatSuiteOptions): void {
  describe(`${name} store: the cheater's attacks are closed`, () => {
    let d: ApiDaemon | undefined;
    let agent: Agent | undefined;
    afterEach(async () => {
      await agent?.close();
      await d?.close();
      d = agent = undefined;
    });

    /** A daemon with `config` (the whitelist off), two users (cheater 1, honest 2) and torrent 10, all put through the API. */
    const start = async (config: Record<string, any> = {}, torrent: { multi_up?: number } = {}) => {
      d = await startApiDaemon(tempDir('cheat'), { store: await opts.makeStore(), config: { ...config, tracker: { whitelist_enabled: false, ...config.tracker } } });
      // One keep-alive connection, as a client hammering the tracker would use.
      agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 10_000 });
      expect((await d.api('POST', '/api/user', { body: { user_id: 1, passkey: CHEAT } })).status).toBe(201);
      expect((await d.api('POST', '/api/user', { body: { user_id: 2, passkey: HONEST } })).status).toBe(201);
      expect((await d.api('POST', '/api/torrent', { body: { torrent_id: 10, info_hash: IH, name: 'target', ...torrent } })).status).toBe(201);
      return d;
    };
    const announce = async (passkey: string, a: Omit<AnnounceArgs, 'infoHash'>): Promise<Reply> => {
      const res = await fetch(`http://127.0.0.1:${d!.daemon.trackerAddress.port}/${passkey}/announce?${announceQuery({ infoHash: Buffer.from(IH, 'hex'), ...a })}`, { dispatcher: agent });
      return bencode.decode(Buffer.from(await res.arrayBuffer())) as Reply;
    };
    const user = async (id: number) => (await d!.api('GET', `/api/user/${id}`)).body;
    const ledger = async (id: number) => {
      const lists = (await d!.api('GET', `/api/user/${id}/torrents`)).body;
      return [...lists.active, ...lists.incomplete, ...lists.complete].find((t: { torrent_id: number }) => t.torrent_id === 10);
    };
    /** An honest leecher, so that seeders have someone to upload to. */
    const honestLeecher = () => announce(HONEST, { peerId: pid('honest-l'), left: 1000, port: 7000 });

    it('burst minting: ~300 announces in half a second, each 1 GiB more, credit at most max_upload_rate × (wall time + 1 s)', async () => {
      await start();
      await honestLeecher();
      const t0 = performance.now();
      await announce(CHEAT, { peerId: pid('burst'), left: 0, uploaded: 0 });
      let sent = 0;
      for (let i = 1; performance.now() - t0 < 500 && i <= 300; i++) {
        await announce(CHEAT, { peerId: pid('burst'), left: 0, uploaded: i * GIB });
        sent = i;
      }
      const wall = (performance.now() - t0) / 1000;
      const u = await user(1);
      expect(sent).toBeGreaterThan(10);
      expect(u.uploaded_raw).toBe(sent * GIB);
      expect(u.uploaded).toBeLessThanOrEqual(GIB * (wall + 1));
      expect(u.cheats).toBeGreaterThanOrEqual(1);
      const cheats = (await d!.api('GET', '/api/cheats?user_id=1&kind=upload_rate')).body;
      expect(cheats.cheats.length).toBeGreaterThanOrEqual(1);
      expect(cheats.cheats[0]).toMatchObject({ kind: 'upload_rate', user_id: 1, torrent_id: 10, peer_id: pid('burst').toString('hex') });
    });

    it('peer_id multiplication: three peer_ids share one upload allowance and one seed clock', async () => {
      await start({ accounting: { max_upload_rate: MB } });
      await honestLeecher();
      const t0 = performance.now();
      for (const label of ['m1', 'm2', 'm3']) await announce(CHEAT, { peerId: pid(label), left: 0, uploaded: 0 });
      await sleep(2100);
      // Each reports 2 MB: one peer_id's worth of time, three times over.
      for (const label of ['m1', 'm2', 'm3']) await announce(CHEAT, { peerId: pid(label), left: 0, uploaded: 2 * MB });
      const wall = (performance.now() - t0) / 1000;
      const u = await user(1);
      expect(u.uploaded_raw).toBe(6 * MB);
      expect(u.uploaded).toBeLessThanOrEqual(MB * (wall + 1));
      const l = await ledger(1);
      // Three seeders for about two seconds: two or three seconds of seed time, not six or nine.
      expect(l.seed_time).toBeGreaterThanOrEqual(1);
      expect(l.seed_time).toBeLessThanOrEqual(Math.ceil(wall) + 1);
    });

    it('swarm flooding: of 40 peer_ids of one user at most 3 are in the swarm, the rest get a failure reason', async () => {
      await start();
      const replies = [];
      for (let i = 0; i < 40; i++) replies.push(await announce(CHEAT, { peerId: pid(`flood-${i}`), left: 0, port: 10_000 + i }));
      const refused = replies.map(failureOf).filter((f) => f !== undefined);
      expect(refused).toHaveLength(37);
      for (const f of refused) expect(f).toMatch(/peer limit: at most 3 peers per user on one torrent/);
      const peers = (await d!.api('GET', `/api/torrent/${IH}/peers`)).body.peers;
      expect(peers).toHaveLength(3);
      const look = await announce(HONEST, { peerId: pid('look'), left: 5, numwant: 50 });
      expect(look.complete).toBe(3);
      // A stopped peer frees its place at once.
      await announce(CHEAT, { peerId: pid('flood-0'), left: 0, port: 10_000, event: 'stopped' });
      expect(failureOf(await announce(CHEAT, { peerId: pid('flood-39'), left: 0, port: 10_039 }))).toBeUndefined();
    });

    it('upload with nobody to upload to is a no_leechers cheat event and is not credited', async () => {
      await start();
      await announce(CHEAT, { peerId: pid('alone'), left: 0, uploaded: 0 });
      await sleep(1100);
      await announce(CHEAT, { peerId: pid('alone'), left: 0, uploaded: 50 * MB });
      const u = await user(1);
      expect([u.uploaded_raw, u.uploaded]).toEqual([50 * MB, 0]);
      const cheats = (await d!.api('GET', '/api/cheats?kind=no_leechers')).body;
      expect(cheats.cheats[0]).toMatchObject({ kind: 'no_leechers', user_id: 1, reported: 50 * MB, allowed: 0 });
      expect(cheats.counts).toEqual({ upload_rate: 0, no_leechers: 1 });
      const tls = new Agent({ connect: { ca: d!.ca, servername: 'localhost' } });
      const metrics = await fetch(`https://127.0.0.1:${d!.daemon.apiAddress!.port}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` }, dispatcher: tls });
      expect(await metrics.text()).toMatch(/mika_cheats_total\{kind="no_leechers"[^}]*\} 1/);
      await tls.close();
      expect((await d!.api('GET', '/api/stats')).body.cheats).toEqual({ upload_rate: 0, no_leechers: 1 });
    });

    it('registry races: 20 concurrent creates of one user_id give exactly one 201', async () => {
      await start();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => d!.api('POST', '/api/user', { body: { user_id: 77, passkey: String(i).padStart(32, 'r') } })));
      expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
      expect(replies.filter((r) => r.status === 409).every((r) => r.body.error.code === 'user_exists')).toBe(true);
      expect(replies.filter((r) => r.status === 409)).toHaveLength(19);
      const winner = replies.find((r) => r.status === 201)!.body.passkey;
      expect((await user(77)).passkey).toBe(winner);
    });

    it('user ids up to 2^53-1 are accepted and addressable by every route', async () => {
      await start();
      const id = Number.MAX_SAFE_INTEGER;
      expect((await d!.api('POST', '/api/user', { body: { user_id: id, passkey: 'm'.repeat(32) } })).status).toBe(201);
      expect((await d!.api('GET', `/api/user/${id}`)).body.user_id).toBe(id);
      expect((await d!.api('PATCH', `/api/user/${id}`, { body: { name: 'max' } })).body.name).toBe('max');
      expect(failureOf(await announce('m'.repeat(32), { peerId: pid('max'), left: 0 }))).toBeUndefined();
      expect((await d!.api('GET', `/api/user/${id}/torrents`)).status).toBe(200);
      expect((await d!.api('GET', `/api/cheats?user_id=${id}`)).status).toBe(200);
      expect((await d!.api('GET', `/api/user/${id + 1}`)).status).toBe(404);
      expect((await d!.api('DELETE', `/api/user/${id}`)).status).toBe(204);
    });

    it('a torrent_id reused by another info_hash gets 409 torrent_id_taken, in the API and in bulk; the same info_hash updates (202)', async () => {
      await start();
      const taken = await d!.api('POST', '/api/torrent', { body: { torrent_id: 10, info_hash: IH_OTHER, name: 'impostor' } });
      expect([taken.status, taken.body.error.code]).toEqual([409, 'torrent_id_taken']);
      expect((await d!.api('GET', `/api/torrent/${IH_OTHER}`)).status).toBe(404);
      const bulk = await d!.api('POST', '/api/bulk/torrents', { body: [{ torrent_id: 10, info_hash: IH_OTHER, name: 'impostor' }] });
      expect(bulk.body).toEqual({ written: 0, unchanged: 0, conflicts: [{ info_hash: IH_OTHER, torrent_id: 10, holder: IH }] });
      expect((await d!.api('POST', '/api/torrent', { body: { torrent_id: 10, info_hash: IH, name: 'renamed' } })).status).toBe(202);
    });

    it('the huge-number announce (multi_up 12, no rate ceiling, uploaded 2^53-1) changes nothing, however often retried', async () => {
      await start({ accounting: { max_upload_rate: 0 } }, { multi_up: 12 });
      await honestLeecher();
      await announce(CHEAT, { peerId: pid('huge'), left: 0, uploaded: 0 });
      const before = [await user(1), (await d!.api('GET', `/api/torrent/${IH}`)).body, await ledger(1)];
      for (let i = 0; i < 3; i++) {
        const r = await announce(CHEAT, { peerId: pid('huge'), left: 0, uploaded: Number.MAX_SAFE_INTEGER });
        expect(failureOf(r)).toBe('uploaded too large: the credited figure would exceed 2^53 - 1');
      }
      expect([await user(1), (await d!.api('GET', `/api/torrent/${IH}`)).body, await ledger(1)]).toEqual(before);
    });

    it('client policy: a denied peer_id pattern and a browser User-Agent are refused with their reasons', async () => {
      await start({ tracker: { require_client_user_agent: true } });
      expect((await d!.api('POST', '/api/blacklist', { body: { pattern: '-qB4630-ev?l', reason: 'modified client' } })).status).toBe(201);
      expect((await d!.api('GET', '/api/blacklist')).body).toEqual({ blacklist: [{ pattern: '-qB4630-ev?l', reason: 'modified client' }] });
      expect(failureOf(await announce(CHEAT, { peerId: pid('evil'), left: 0 }))).toBe('client banned: modified client');
      const browser = await fetch(`http://127.0.0.1:${d!.daemon.trackerAddress.port}/${CHEAT}/announce?${announceQuery({ infoHash: Buffer.from(IH, 'hex'), peerId: pid('ok'), left: 0 })}`, {
        headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/131.0' },
      });
      expect(failureOf(bencode.decode(Buffer.from(await browser.arrayBuffer())) as Reply)).toBe('client refused: browsers may not announce (use a BitTorrent client)');
      expect((await d!.api('DELETE', `/api/blacklist/${encodeURIComponent('-qB4630-ev?l')}`)).status).toBe(204);
      expect(failureOf(await announce(CHEAT, { peerId: pid('evil'), left: 0 }))).toBeUndefined();
    });

    it('an honest seeder loses nothing: 100 MB two seconds after started is credited in full', async () => {
      await start();
      await honestLeecher();
      await announce(HONEST, { peerId: pid('seed'), left: 0, uploaded: 0, event: 'started', port: 7001 });
      await sleep(2000);
      await announce(HONEST, { peerId: pid('seed'), left: 0, uploaded: 100 * MB, port: 7001 });
      const u = await user(2);
      expect([u.uploaded, u.cheats]).toEqual([100 * MB, 0]);
    });
  });
}
