import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/config-error.js';
import type { Config } from '../../src/config/schema.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { id20, text } from '../helpers/tracker-harness.js';

// Every route over real TLS against a daemon on the memory store; the Redis store passes the same
// store contract (test/contract), and two-daemons.test.ts runs the API on Redis.

const IH = 'aa'.repeat(20);
const IH2 = 'bb'.repeat(20);
const PK = 'p'.repeat(32);
const PK2 = 'q'.repeat(32);
const ihBuf = (hex: string) => Buffer.from(hex, 'hex');

let dir: string;
let d: ApiDaemon;
let now = 1_800_000_000;
let nextConfig: Config | Error;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-api-routes-'));
  nextConfig = parseConfig({});
  d = await startApiDaemon(dir, {
    clock: () => now,
    config: { tracker: { whitelist_enabled: false, interval: 300 }, accounting: { hnr: { seed_time: 3600, grace: 0 } } },
    rereadConfig: () => {
      if (nextConfig instanceof Error) throw nextConfig;
      return nextConfig;
    },
  });
});
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

const torrent = (over: Record<string, unknown> = {}) => ({ torrent_id: 1, info_hash: IH, name: 'Ubuntu', ...over });
const user = (over: Record<string, unknown> = {}) => ({ user_id: 1, passkey: PK, ...over });
const invalid = (message: string) => ({ status: 400, body: { error: { code: 'invalid_request', message } } });

describe('torrent routes', () => {
  it('POST /api/torrent registers a torrent (201), then updates it (202) keeping multipliers not given', async () => {
    const created = await d.api('POST', '/api/torrent', { body: torrent({ info_hash: IH.toUpperCase(), multi_up: 2, multi_dn: 0 }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ torrent_id: 1, info_hash: IH, name: 'Ubuntu', multi_up: 2, multi_dn: 0, enabled: true, reason: '', seeders: 0, leechers: 0, snatches: 0 });
    const updated = await d.api('POST', '/api/torrent', { body: torrent({ name: 'Ubuntu 26.04' }) });
    expect(updated.status).toBe(202);
    expect(updated.body).toMatchObject({ name: 'Ubuntu 26.04', multi_up: 2, multi_dn: 0 });
  });

  it.each([
    ['an unknown field', torrent({ seeders: 5 }), 'body has unknown field "seeders"'],
    // (name may be left out: the seed's client sends none, test/api/seed-client.test.ts)
    ['a missing field', { info_hash: IH, name: 'x' }, 'body is missing field "torrent_id"'],
    ['a short info_hash', torrent({ info_hash: 'abc' }), 'body.info_hash must match pattern "^[0-9a-fA-F]{40}$"'],
    ['a torrent_id as text', torrent({ torrent_id: '1' }), 'body.torrent_id must be integer'],
    ['a negative multiplier', torrent({ multi_up: -1 }), 'body.multi_up must be >= 0'],
  ])('POST /api/torrent refuses %s with a 400 naming the field', async (_what, body, message) => {
    expect(await d.api('POST', '/api/torrent', { body })).toEqual(invalid(message));
  });

  it('refuses a body that is not JSON with a 400', async () => {
    const r = await d.api('POST', '/api/torrent', { rawBody: '{nope', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('bad_request');
  });

  it('GET /api/torrent/:info_hash answers the torrent, 404 for an unknown one, 400 for a bad hash', async () => {
    expect((await d.api('GET', `/api/torrent/${IH}`)).body).toMatchObject({ torrent_id: 1, info_hash: IH });
    expect(await d.api('GET', `/api/torrent/${IH2}`)).toEqual({ status: 404, body: { error: { code: 'not_found', message: `no torrent with info_hash ${IH2}` } } });
    expect((await d.api('GET', '/api/torrent/xyz')).body.error.message).toMatch(/^params\.info_hash must match pattern/);
  });

  it('PATCH /api/torrent/:info_hash changes only the fields given; an empty patch is a 400', async () => {
    const r = await d.api('PATCH', `/api/torrent/${IH}`, { body: { multi_dn: 0.5 } });
    expect(r).toMatchObject({ status: 200, body: { name: 'Ubuntu 26.04', multi_up: 2, multi_dn: 0.5 } });
    expect(await d.api('PATCH', `/api/torrent/${IH}`, { body: {} })).toEqual(invalid('body must NOT have fewer than 1 properties'));
    expect((await d.api('PATCH', `/api/torrent/${IH2}`, { body: { name: 'x' } })).status).toBe(404);
  });

  it('DELETE /api/torrent/:info_hash disables it: announces fail with the reason; PATCH enabled brings it back', async () => {
    await d.api('POST', '/api/user', { body: user({ user_id: 50, passkey: 'd'.repeat(32) }) });
    const r = await d.api('DELETE', `/api/torrent/${IH}`, { body: { reason: 'dupe of #7' } });
    expect(r).toMatchObject({ status: 200, body: { enabled: false, reason: 'dupe of #7' } });
    const reply = await d.announce('d'.repeat(32), { infoHash: ihBuf(IH), peerId: id20('-qB4650-del') });
    expect(text(reply['failure reason'])).toBe('dupe of #7');
    expect((await d.api('PATCH', `/api/torrent/${IH}`, { body: { enabled: true } })).body).toMatchObject({ enabled: true, reason: '' });
    expect((await d.announce('d'.repeat(32), { infoHash: ihBuf(IH), peerId: id20('-qB4650-del') }))['failure reason']).toBeUndefined();
  });

  it('DELETE without a body uses a default reason; ?purge=true forgets the torrent (204)', async () => {
    await d.api('POST', '/api/torrent', { body: torrent({ torrent_id: 2, info_hash: IH2 }) });
    expect((await d.api('DELETE', `/api/torrent/${IH2}`)).body).toMatchObject({ enabled: false, reason: 'torrent deleted' });
    expect(await d.api('DELETE', `/api/torrent/${IH2}?purge=true`)).toEqual({ status: 204, body: undefined });
    expect((await d.api('GET', `/api/torrent/${IH2}`)).status).toBe(404);
    expect((await d.api('DELETE', `/api/torrent/${IH2}?purge=yes`)).body.error.message).toMatch(/^querystring\.purge/);
  });

  it('GET /api/torrent/:info_hash/peers lists the swarm, and /api/counts the totals', async () => {
    await d.api('POST', '/api/user', { body: user({ user_id: 51, passkey: 'e'.repeat(32) }) });
    await d.announce('e'.repeat(32), { infoHash: ihBuf(IH), peerId: id20('-qB4650-seed'), port: 7001, left: 0 });
    const r = await d.api('GET', `/api/torrent/${IH}/peers`);
    expect(r.status).toBe(200);
    expect(r.body.peers.find((p: { user_id: number }) => p.user_id === 51)).toMatchObject({ user_id: 51, peer_id: id20('-qB4650-seed').toString('hex'), ipv4: '127.0.0.1', ipv4_port: 7001, seeder: true, left: 0 });
    expect(r.body.peers).toHaveLength(2);
    expect((await d.api('GET', `/api/torrent/${IH2}/peers`)).status).toBe(404);
    expect((await d.api('GET', '/api/counts')).body).toEqual({ torrents: 1, users: 2, whitelist: 0, seeders: 2, leechers: 0 });
  });
});

describe('user routes', () => {
  it('POST /api/user registers a user (201); a taken user_id or passkey is a 409', async () => {
    const r = await d.api('POST', '/api/user', { body: user({ name: 'alice', can_leech: false }) });
    expect(r).toEqual({
      status: 201,
      body: {
        user_id: 1,
        passkey: PK,
        name: 'alice',
        can_leech: false,
        enabled: true,
        leech_slots: 0,
        hnr_immune: false,
        freeleech_until: 0,
        multi_up: 1,
        multi_dn: 1,
        tokens: [],
        uploaded: 0,
        downloaded: 0,
        uploaded_raw: 0,
        downloaded_raw: 0,
        bonus: 0,
        snatches: 0,
        announces: 0,
        cheats: 0,
        hnr_count: 0,
      },
    });
    expect((await d.api('POST', '/api/user', { body: user({ passkey: PK2 }) })).body.error.code).toBe('user_exists');
    expect(await d.api('POST', '/api/user', { body: user({ user_id: 2 }) })).toMatchObject({ status: 409, body: { error: { code: 'passkey_taken' } } });
    expect(await d.api('POST', '/api/user', { body: user({ user_id: 2, passkey: 'short' }) })).toEqual(invalid('body.passkey must NOT have fewer than 32 characters'));
  });

  it('leech_slots is set by POST and PATCH /api/user and bulk users (0 = no limit by default); a negative figure is a 400', async () => {
    const pk = 'leech-slots-user-60'.padEnd(32, '0');
    expect((await d.api('POST', '/api/user', { body: { user_id: 60, passkey: pk, leech_slots: 4 } })).body.leech_slots).toBe(4);
    expect((await d.api('PATCH', '/api/user/60', { body: { leech_slots: 1 } })).body).toMatchObject({ leech_slots: 1, passkey: pk });
    expect((await d.api('PATCH', '/api/user/60', { body: { name: 'x' } })).body.leech_slots).toBe(1);
    expect((await d.api('PATCH', '/api/user/60', { body: { leech_slots: -1 } })).status).toBe(400);
    expect((await d.api('POST', '/api/bulk/users', { body: [{ user_id: 61, passkey: 'leech-slots-user-61'.padEnd(32, '0'), leech_slots: 7 }] })).body.written).toBe(1);
    expect((await d.api('GET', '/api/user/61')).body.leech_slots).toBe(7);
    expect((await d.api('POST', '/api/user', { body: { user_id: 62, passkey: 'leech-slots-user-62'.padEnd(32, '0') } })).body.leech_slots).toBe(0);
    for (const id of [60, 61, 62]) expect((await d.api('DELETE', `/api/user/${id}`)).status).toBe(204);
  });

  it('GET /api/user/:user_id answers raw and credited transfer after announces; 404 for an unknown user', async () => {
    await d.api('POST', '/api/torrent', { body: torrent({ torrent_id: 3, info_hash: IH2, multi_up: 2 }) });
    const peer = { infoHash: ihBuf(IH2), peerId: id20('-qB4650-u1'), left: 0 };
    // Someone to upload to (user 50's leecher): upload into an empty swarm is not credited.
    await d.announce('d'.repeat(32), { infoHash: ihBuf(IH2), peerId: id20('-qB4650-l50'), left: 10 });
    await d.announce(PK, { ...peer, event: 'started' });
    now += 600;
    await d.announce(PK, { ...peer, uploaded: 1000 });
    const r = await d.api('GET', '/api/user/1');
    expect(r.body).toMatchObject({ user_id: 1, uploaded_raw: 1000, uploaded: 2000, announces: 2 });
    expect(r.body.bonus).toBeGreaterThan(0);
    expect((await d.api('GET', '/api/user/999')).status).toBe(404);
    expect((await d.api('GET', '/api/user/abc')).body.error.message).toMatch(/^params\.user_id must match pattern/);
  });

  it('GET /api/user/:user_id/torrents sorts the history into active, incomplete, complete and hnr', async () => {
    // Torrent IH2: seeding now (active). Torrent IH: snatched, seeded briefly, stopped (complete + hnr).
    await d.api('PATCH', '/api/user/1', { body: { can_leech: true } });
    const p = { infoHash: ihBuf(IH), peerId: id20('-qB4650-u1b') };
    await d.announce(PK, { ...p, left: 100, event: 'started' });
    now += 60;
    await d.announce(PK, { ...p, left: 0, downloaded: 100, event: 'completed' });
    now += 60;
    await d.announce(PK, { ...p, left: 0, downloaded: 100, event: 'stopped' });
    const r = (await d.api('GET', '/api/user/1/torrents')).body;
    expect(r.active.map((t: { info_hash: string }) => t.info_hash)).toEqual([IH2]);
    expect(r.complete.map((t: { info_hash: string }) => t.info_hash)).toEqual([IH]);
    expect(r.hnr).toEqual(r.complete);
    expect(r.hnr[0]).toMatchObject({ torrent_id: 1, snatched: true, seed_time: 60, downloaded_raw: 100 });
    expect(r.incomplete).toEqual([]);
    expect((await d.api('GET', '/api/user/998/torrents')).status).toBe(404);
  });

  it('PATCH /api/user/:user_id rotates the passkey: the old one stops working, the new one works', async () => {
    const r = await d.api('PATCH', '/api/user/1', { body: { passkey: PK2, name: 'alice2' } });
    expect(r.body).toMatchObject({ passkey: PK2, name: 'alice2', can_leech: true });
    const peer = { infoHash: ihBuf(IH2), peerId: id20('-qB4650-u1'), left: 0 };
    expect(text((await d.announce(PK, peer))['failure reason'])).toBe('unknown passkey');
    expect((await d.announce(PK2, peer))['failure reason']).toBeUndefined();
    expect((await d.api('PATCH', '/api/user/1', { body: { passkey: 'd'.repeat(32) } })).status).toBe(409);
    expect(await d.api('PATCH', '/api/user/1', { body: { admin: true } })).toEqual(invalid('body has unknown field "admin"'));
    expect((await d.api('PATCH', '/api/user/997', { body: { name: 'x' } })).status).toBe(404);
  });

  it('DELETE /api/user/:user_id removes the user: its passkey fails at once, a second DELETE is a 404', async () => {
    expect(await d.api('DELETE', '/api/user/1')).toEqual({ status: 204, body: undefined });
    expect(text((await d.announce(PK2, { infoHash: ihBuf(IH2), peerId: id20('-qB4650-u1') }))['failure reason'])).toBe('unknown passkey');
    expect((await d.api('GET', '/api/user/1')).status).toBe(404);
    expect((await d.api('DELETE', '/api/user/1')).status).toBe(404);
  });
});

describe('whitelist routes', () => {
  it('POST adds (201) or renames (200), GET lists, DELETE of a percent-encoded prefix removes (204, then 404)', async () => {
    expect(await d.api('POST', '/api/whitelist', { body: { prefix: '-qB4', client: 'qBittorrent 4' } })).toEqual({ status: 201, body: { prefix: '-qB4', client: 'qBittorrent 4' } });
    expect((await d.api('POST', '/api/whitelist', { body: { prefix: '-qB4', client: 'qBittorrent' } })).status).toBe(200);
    await d.api('POST', '/api/whitelist', { body: { prefix: '-TR 3', client: 'Transmission' } });
    expect((await d.api('GET', '/api/whitelist')).body).toEqual({ whitelist: [{ prefix: '-TR 3', client: 'Transmission' }, { prefix: '-qB4', client: 'qBittorrent' }] });
    expect((await d.api('DELETE', `/api/whitelist/${encodeURIComponent('-TR 3')}`)).status).toBe(204);
    expect((await d.api('DELETE', `/api/whitelist/${encodeURIComponent('-TR 3')}`)).status).toBe(404);
    expect(await d.api('POST', '/api/whitelist', { body: { prefix: '', client: 'x' } })).toEqual(invalid('body.prefix must NOT have fewer than 1 characters'));
  });
});

describe('bulk routes', () => {
  it('POST /api/bulk/users writes the batch and lists passkey conflicts', async () => {
    const users = Array.from({ length: 500 }, (_, i) => ({ user_id: 1000 + i, passkey: `bulk${String(i).padStart(28, '0')}` }));
    users.push({ user_id: 2000, passkey: users[0]!.passkey });
    const r = await d.api('POST', '/api/bulk/users', { body: users });
    expect(r).toEqual({ status: 200, body: { written: 500, unchanged: 0, conflicts: [{ user_id: 2000, holder: 1000 }] } });
    expect((await d.api('GET', '/api/user/1499')).body.passkey).toBe(users[499]!.passkey);
  });

  it('POST /api/bulk/torrents and /api/bulk/whitelist write whole records', async () => {
    const torrents = [torrent({ torrent_id: 10, info_hash: 'cc'.repeat(20), enabled: false, reason: 'pending' }), torrent({ torrent_id: 11, info_hash: 'dd'.repeat(20) })];
    expect((await d.api('POST', '/api/bulk/torrents', { body: torrents })).body).toEqual({ written: 2, unchanged: 0, conflicts: [] });
    expect((await d.api('GET', `/api/torrent/${'cc'.repeat(20)}`)).body).toMatchObject({ enabled: false, reason: 'pending', multi_up: 1 });
    expect((await d.api('POST', '/api/bulk/whitelist', { body: [{ prefix: '-DE2', client: 'Deluge' }] })).body.written).toBe(1);
  });

  it('writes only what differs from the registry: the same batch again is all unchanged', async () => {
    const users = (canLeech: boolean) => [user({ user_id: 3000, passkey: 'u'.repeat(32), name: 'same' }), user({ user_id: 3001, passkey: 'v'.repeat(32), can_leech: canLeech })];
    expect((await d.api('POST', '/api/bulk/users', { body: users(false) })).body).toEqual({ written: 2, unchanged: 0, conflicts: [] });
    expect((await d.api('POST', '/api/bulk/users', { body: users(false) })).body).toEqual({ written: 0, unchanged: 2, conflicts: [] });
    expect((await d.api('POST', '/api/bulk/users', { body: users(true) })).body).toEqual({ written: 1, unchanged: 1, conflicts: [] });
    const torrents = [torrent({ torrent_id: 12, info_hash: 'EE'.repeat(20), multi_dn: 0 })];
    expect((await d.api('POST', '/api/bulk/torrents', { body: torrents })).body).toMatchObject({ written: 1, unchanged: 0 });
    expect((await d.api('POST', '/api/bulk/torrents', { body: torrents })).body).toMatchObject({ written: 0, unchanged: 1 });
    expect((await d.api('POST', '/api/bulk/whitelist', { body: [{ prefix: '-DE2', client: 'Deluge' }, { prefix: '-DE1', client: 'Deluge 1' }] })).body).toMatchObject({
      written: 1,
      unchanged: 1,
    });
  });

  it('POST /api/bulk/blacklist adds patterns and changes reasons, unchanged ones not written; the tracker refuses them', async () => {
    const items = [{ pattern: '-XX1', reason: 'fake ratio client' }, { pattern: '-Y?2', reason: 'leaks' }];
    expect((await d.api('POST', '/api/bulk/blacklist', { body: items })).body).toEqual({ written: 2, unchanged: 0, conflicts: [] });
    expect((await d.api('POST', '/api/bulk/blacklist', { body: [items[0], { pattern: '-Y?2', reason: 'leaks peers' }] })).body).toEqual({ written: 1, unchanged: 1, conflicts: [] });
    expect((await d.api('GET', '/api/blacklist')).body.blacklist).toEqual(expect.arrayContaining([items[0], { pattern: '-Y?2', reason: 'leaks peers' }]));
    expect((await d.api('POST', '/api/bulk/blacklist', { body: [{ pattern: '-XX1' }] })).status).toBe(400);
    for (const e of items) expect((await d.api('DELETE', `/api/blacklist/${encodeURIComponent(e.pattern)}`)).status).toBe(204);
  });

  it('GET /api/users/ids and /api/torrents/hashes list the registry; the bulk deletes remove from it', async () => {
    const { ids } = (await d.api('GET', '/api/users/ids')).body;
    expect(ids).toEqual(expect.arrayContaining([1000, 1499, 3000, 3001]));
    expect(ids).toHaveLength((await d.api('GET', '/api/counts')).body.users);
    expect((await d.api('GET', '/api/torrents/hashes')).body.info_hashes).toEqual(expect.arrayContaining(['cc'.repeat(20), 'ee'.repeat(20)]));

    expect(await d.api('POST', '/api/bulk/users/delete', { body: { ids: [3000, 3001, 99_999] } })).toEqual({ status: 200, body: { deleted: 2 } });
    expect((await d.api('GET', '/api/user/3000')).status).toBe(404);
    expect(await d.api('POST', '/api/bulk/torrents/delete', { body: { info_hashes: ['EE'.repeat(20)] } })).toEqual({ status: 200, body: { deleted: 1 } });
    expect((await d.api('GET', `/api/torrent/${'ee'.repeat(20)}`)).status).toBe(404);
    expect(await d.api('POST', '/api/bulk/torrents/delete', { body: { info_hashes: ['xyz'] } })).toEqual(invalid('body.info_hashes.0 must match pattern "^[0-9a-fA-F]{40}$"'));
    expect(await d.api('POST', '/api/bulk/users/delete', { body: [1] })).toEqual(invalid('body must be object'));
  });

  it('refuses more than 10,000 items, and an item with an unknown field, naming it', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ prefix: `-X${i}`, client: 'x' }));
    expect(await d.api('POST', '/api/bulk/whitelist', { body: many })).toEqual(invalid('body must NOT have more than 10000 items'));
    expect(await d.api('POST', '/api/bulk/users', { body: [user(), user({ user_id: 3, bogus: 1 })] })).toEqual(invalid('body.1 has unknown field "bogus"'));
  });
});

describe('operation routes', () => {
  it('GET /api/stats answers counters, totals, rates and storage latency', async () => {
    const s = (await d.api('GET', '/api/stats')).body;
    expect(s.announces).toBeGreaterThan(5);
    expect(s.errors).toMatchObject({ unknown_passkey: 2, torrent_disabled: 1 });
    expect(s).toMatchObject({ torrents: expect.any(Number), users: expect.any(Number), seeders: expect.any(Number), leechers: expect.any(Number), storage: { kind: 'memory', up: true } });
    expect(Object.keys(s.requests_per_second)).toEqual(['1s', '10s', '60s']);
    expect(s.storage.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('POST /api/reload applies the re-read config and lists what changed and what needs a restart', async () => {
    nextConfig = parseConfig({ tracker: { listen: '127.0.0.1:1', whitelist_enabled: false, interval: 900, reap_interval: 1000 }, api: { keys: [API_KEY], username: 'site', password: 'secret-pass-of-16+chars' }, log: { level: 'silent' } });
    const r = await d.api('POST', '/api/reload');
    expect(r.status).toBe(200);
    expect(r.body.changed).toEqual(expect.arrayContaining(['tracker.interval', 'tracker.listen']));
    expect(r.body.needs_restart).toEqual(expect.arrayContaining(['tracker.listen']));
    expect(r.body.needs_restart).not.toContain('tracker.interval');
    expect((await d.announce('e'.repeat(32), { infoHash: ihBuf(IH), peerId: id20('-qB4650-seed'), left: 0 })).interval).toBe(900);
  });

  it('POST /api/reload with a config that fails validation is a 422 and keeps the old config', async () => {
    nextConfig = new ConfigError('tracker.interval', 'must be >= 1');
    const r = await d.api('POST', '/api/reload');
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('invalid_config');
    expect((await d.announce('e'.repeat(32), { infoHash: ihBuf(IH), peerId: id20('-qB4650-seed'), left: 0 })).interval).toBe(900);
  });

  it('GET /api/openapi.json is an OpenAPI 3 document of every route, without credentials', async () => {
    const r = await d.api('GET', '/api/openapi.json', { auth: false });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(['/api/torrent', '/api/torrent/{info_hash}', '/api/torrent/{info_hash}/peers', '/api/user/{user_id}/torrents', '/api/bulk/users', '/api/stats', '/api/reload', '/api/whitelist/{prefix}']),
    );
    expect(r.body.paths['/api/torrent'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('every route but health and openapi.json needs credentials; basic auth works on them too', async () => {
    expect((await d.api('GET', '/api/counts', { auth: false })).status).toBe(401);
    expect((await d.api('POST', '/api/bulk/users', { auth: false, body: [] })).status).toBe(401);
    const basic = `Basic ${Buffer.from('site:secret-pass-of-16+chars').toString('base64')}`;
    expect((await d.api('GET', '/api/counts', { auth: false, headers: { authorization: basic } })).status).toBe(200);
  });
});
