import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { id20, text } from '../helpers/tracker-harness.js';

// The original Mika's Python client (totv-python's TrackerClient) against mika: its routes, its
// bodies (requests' json=…, no body on DELETE) and basic auth, as docs/api.md lists the aliases.
// Then the routes that replace what it did by overwriting: adjustments, tokens, events, the HnR list.

const IH = 'c0'.repeat(20);
const PK = 's'.repeat(32);
const PK_NEW = 't'.repeat(32);
const BASIC = `Basic ${Buffer.from('site:secret-pass-of-16+chars').toString('base64')}`;
let now = 1_800_000_000;
let dir: string;
let d: ApiDaemon;

/** A request as the Python client makes it: basic auth, a JSON body only when it has a payload. */
const py = (method: 'get' | 'post' | 'delete', path: string, payload?: unknown) =>
  d.api(method.toUpperCase(), `/api${path}`, { auth: false, headers: { authorization: BASIC }, ...(payload !== undefined ? { body: payload } : {}) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-seed-client-'));
  d = await startApiDaemon(dir, { clock: () => now, config: { tracker: { whitelist_enabled: false }, accounting: { hnr: { seed_time: 3600, grace: 600 } } } });
});
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the original Mika Python client', () => {
  it('user_add, torrent_add (no name), torrent_get by torrent id, user_get', async () => {
    expect((await py('post', '/user', { user_id: 7, passkey: PK })).status).toBe(201);
    expect((await py('post', '/torrent', { info_hash: IH, torrent_id: 70 })).status).toBe(201);
    expect((await py('get', '/torrent/70')).body).toMatchObject({ torrent_id: 70, info_hash: IH, name: '' });
    expect((await py('get', `/torrent/${IH}`)).body).toMatchObject({ torrent_id: 70 });
    expect((await py('get', '/user/7')).body).toMatchObject({ user_id: 7, passkey: PK, uploaded: 0, downloaded: 0, can_leech: true });
  });

  it('user_update POSTs the user with the figures it read: the passkey changes, the figures earned meanwhile stay', async () => {
    const read = (await py('get', '/user/7')).body;
    // An announce between the client's read and its write earns credit…
    await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4650-seed1'), left: 1000 });
    now += 60;
    await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4650-seed1'), left: 500, downloaded: 500 });
    const r = await py('post', '/user/7', { uploaded: read.uploaded, downloaded: read.downloaded, can_leech: read.can_leech, passkey: PK_NEW });
    expect(r.status).toBe(200);
    // …which the echoed figures do not undo.
    expect(r.body).toMatchObject({ passkey: PK_NEW, downloaded: 500 });
    expect((await py('get', '/user/7')).body).toMatchObject({ passkey: PK_NEW, downloaded: 500 });
    const old = await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4650-seed1'), left: 500 });
    expect(text(old['failure reason'])).toBe('unknown passkey');
  });

  it('torrent_del passes the torrent id in the path: the torrent is disabled (the seed\'s soft delete)', async () => {
    const r = await py('delete', '/torrent/70');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ torrent_id: 70, enabled: false, reason: 'torrent deleted' });
    const a = await d.announce(PK_NEW, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4650-seed1'), left: 500 });
    expect(text(a['failure reason'])).toBe('torrent deleted');
    expect((await py('delete', '/torrent/71')).status).toBe(404);
  });

  it('DELETE /api/torrent names the torrent in the body (torrent_id or info_hash)', async () => {
    await py('post', '/torrent', { info_hash: 'c1'.repeat(20), torrent_id: 71, name: 'second' });
    expect((await d.api('DELETE', '/api/torrent', { body: { torrent_id: 71, reason: 'dupe' } })).body).toMatchObject({ torrent_id: 71, enabled: false, reason: 'dupe' });
    expect((await d.api('DELETE', '/api/torrent?purge=true', { body: { info_hash: 'c1'.repeat(20) } })).status).toBe(204);
    expect((await d.api('DELETE', '/api/torrent', { body: { reason: 'x' } })).status).toBe(400);
  });

  it('whitelist_add and whitelist_del', async () => {
    expect((await py('post', '/whitelist', { prefix: '-qB4', client: 'qBittorrent' })).status).toBeLessThan(300);
    expect((await py('delete', '/whitelist/-qB4')).status).toBeLessThan(300);
  });
});

describe('what replaces overwriting figures', () => {
  it('POST /api/user/:id/adjust adds a signed amount, lists it, and refuses to go below 0', async () => {
    const r = await d.api('POST', '/api/user/7/adjust', { body: { uploaded: 1000, downloaded: -200, reason: 'seedbox refund' } });
    expect(r).toEqual({ status: 201, body: { user_id: 7, uploaded: 1000, downloaded: -200, reason: 'seedbox refund', at: now } });
    expect((await d.api('GET', '/api/user/7')).body).toMatchObject({ uploaded: 1000, downloaded: 300 });
    expect((await d.api('GET', '/api/user/7/adjustments')).body).toEqual({ adjustments: [{ user_id: 7, uploaded: 1000, downloaded: -200, reason: 'seedbox refund', at: now }] });
    expect((await d.api('POST', '/api/user/7/adjust', { body: { downloaded: -301, reason: 'too much' } })).body.error.code).toBe('negative_figure');
    expect((await d.api('POST', '/api/user/7/adjust', { body: { reason: 'nothing' } })).status).toBe(400);
    expect((await d.api('POST', '/api/user/999/adjust', { body: { uploaded: 1, reason: 'x' } })).status).toBe(404);
  });

  it('tokens, personal freeleech and class factors are set through the user, events through /api/events', async () => {
    await d.api('POST', '/api/torrent', { body: { info_hash: 'c2'.repeat(20), torrent_id: 72, name: 'third', size: 1000 } });
    let u = (await d.api('POST', '/api/user/7/tokens', { body: { torrent_id: 72, until: now + 600 } })).body;
    expect(u.tokens).toEqual([{ torrent_id: 72, until: now + 600 }]);
    u = (await d.api('PATCH', '/api/user/7', { body: { freeleech_until: now + 10, multi_up: 1.25, hnr_immune: true } })).body;
    expect(u).toMatchObject({ freeleech_until: now + 10, multi_up: 1.25, multi_dn: 1, hnr_immune: true });
    expect((await d.api('DELETE', '/api/user/7/tokens/72')).body.tokens).toEqual([]);

    const e = await d.api('POST', '/api/events', { body: { kind: 'freeleech', start: now, end: now + 60, name: 'launch' } });
    expect(e).toEqual({ status: 201, body: { id: 1, source: 'api', kind: 'freeleech', start: now, end: now + 60, name: 'launch', active: true } });
    // The next announce is freeleech: downloaded 400 credits nothing, and the ledger names the event.
    const ih = Buffer.from('c2'.repeat(20), 'hex');
    await d.announce(PK_NEW, { infoHash: ih, peerId: id20('-qB4650-ev'), left: 1000 });
    now += 30;
    await d.announce(PK_NEW, { infoHash: ih, peerId: id20('-qB4650-ev'), left: 600, downloaded: 400 });
    const hist = (await d.api('GET', '/api/user/7/torrents')).body;
    expect(hist.active.find((t: { torrent_id: number }) => t.torrent_id === 72)).toMatchObject({ downloaded: 0, downloaded_raw: 400, rule: 'dn=event:0 up=normal+class:1.25' });
    expect((await d.api('GET', '/api/events')).body.events).toHaveLength(1);
    expect((await d.api('DELETE', '/api/events/1')).status).toBe(204);
    expect((await d.api('DELETE', '/api/events/1')).status).toBe(404);
    expect((await d.api('POST', '/api/events', { body: { kind: 'freeleech', start: now, end: now } })).status).toBe(400);
  });

  it('GET /api/user/:id/hnr lists what the user owes, and the user view counts its hit-and-runs', async () => {
    await d.api('PATCH', '/api/user/7', { body: { hnr_immune: false } });
    const r = (await d.api('GET', '/api/user/7/hnr')).body;
    expect(r).toMatchObject({ user_id: 7, hnr_count: 0, pending_count: 1 });
    expect(r.torrents).toEqual([expect.objectContaining({ torrent_id: 72, state: 'pending', size: 1000, downloaded_raw: 400, seed_time_required: 3600, deadline: now + 600 })]);
    now += 600;
    expect((await d.api('GET', '/api/user/7/hnr')).body).toMatchObject({ hnr_count: 1, pending_count: 0 });
    expect((await d.api('GET', '/api/user/7')).body.hnr_count).toBe(1);
    expect((await d.api('GET', '/api/user/7/torrents')).body.hnr).toEqual([expect.objectContaining({ torrent_id: 72, hnr: 'hnr' })]);
  });
});
