import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';

// POST /api/bulk/users/columns and /api/bulk/torrents/columns: the bulk imports with one array
// per field (what warmup sends). They must write exactly what the array-of-objects routes write
// for the same items, and refuse bad input with the API's JSON error naming the value at fault.

let dir: string;
let d: ApiDaemon;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-api-columns-'));
  d = await startApiDaemon(dir, { config: { tracker: { whitelist_enabled: false } } });
});
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

const invalid = (message: string) => ({ status: 400, body: { error: { code: 'invalid_request', message } } });
const pk = (c: string) => c.repeat(32);
const ih = (c: string) => c.repeat(40);

describe('POST /api/bulk/users/columns', () => {
  it('writes the same users as POST /api/bulk/users given the same items', async () => {
    const items = [
      { user_id: 1, passkey: pk('a'), name: 'alice', can_leech: false, enabled: true, leech_slots: 2, hnr_immune: true, freeleech_until: 2_000_000_000, multi_up: 1.5, multi_dn: 0.5 },
      { user_id: 2, passkey: pk('b'), name: 'bob', can_leech: true, enabled: false, leech_slots: 0, hnr_immune: false, freeleech_until: 0, multi_up: 1, multi_dn: 1 },
    ];
    const columns = Object.fromEntries(Object.keys(items[0]!).map((k) => [k, items.map((u) => u[k as keyof (typeof items)[number]])]));
    expect((await d.api('POST', '/api/bulk/users/columns', { body: columns })).body).toEqual({ written: 2, unchanged: 0, conflicts: [] });
    const viaColumns = [(await d.api('GET', '/api/user/1')).body, (await d.api('GET', '/api/user/2')).body];
    // The same items through the objects route change nothing: the records are equal.
    expect((await d.api('POST', '/api/bulk/users', { body: items })).body).toEqual({ written: 0, unchanged: 2, conflicts: [] });
    expect([(await d.api('GET', '/api/user/1')).body, (await d.api('GET', '/api/user/2')).body]).toEqual(viaColumns);
    expect(viaColumns[0]).toMatchObject({ name: 'alice', can_leech: false, leech_slots: 2, hnr_immune: true, multi_up: 1.5 });
  });

  it('gives every item the defaults of the columns left out, and lists passkey conflicts', async () => {
    const body = { user_id: [10, 11, 12], passkey: [pk('c'), pk('d'), pk('a')] };
    expect((await d.api('POST', '/api/bulk/users/columns', { body })).body).toEqual({ written: 2, unchanged: 0, conflicts: [{ user_id: 12, holder: 1 }] });
    expect((await d.api('GET', '/api/user/10')).body).toMatchObject({ name: '', can_leech: true, enabled: true, leech_slots: 0 });
    expect((await d.api('POST', '/api/bulk/users', { body: [{ user_id: 10, passkey: pk('c') }] })).body).toEqual({ written: 0, unchanged: 1, conflicts: [] });
    expect((await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [], passkey: [] } })).body).toEqual({ written: 0, unchanged: 0, conflicts: [] });
  });

  it('refuses a bad value, an unknown or missing column, columns of unequal length, an array body and more than 10,000 items', async () => {
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [20, 21], passkey: [pk('e'), 'short'] } })).toEqual(
      invalid('body.passkey.1 must NOT have fewer than 32 characters'),
    );
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [20], passkey: [pk('e')], can_leech: ['yes'] } })).toEqual(invalid('body.can_leech.0 must be boolean'));
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [20], passkey: [pk('e')], tokens: [[]] } })).toEqual(invalid('body has unknown field "tokens"'));
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [20] } })).toEqual(invalid('body is missing field "passkey"'));
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: [20, 21], passkey: [pk('e'), pk('f')], name: ['only one'] } })).toEqual(
      invalid('body.name has 1 values, body.user_id 2: every column needs one value per item'),
    );
    expect(await d.api('POST', '/api/bulk/users/columns', { body: [{ user_id: 20, passkey: pk('e') }] })).toEqual(invalid('body must be object'));
    const many = Array.from({ length: 10_001 }, (_, i) => i);
    expect(await d.api('POST', '/api/bulk/users/columns', { body: { user_id: many, passkey: many.map(() => pk('g')) } })).toEqual(
      invalid('body.user_id must NOT have more than 10000 items'),
    );
    expect((await d.api('POST', '/api/bulk/users/columns', { rawBody: '{"user_id":[1', headers: { 'content-type': 'application/json' } })).body.error.code).toBe('bad_request');
    expect((await d.api('GET', '/api/user/20')).status).toBe(404);
  });
});

describe('POST /api/bulk/torrents/columns', () => {
  it('writes the same torrents as POST /api/bulk/torrents given the same items, defaults for the columns left out', async () => {
    const items = [
      { torrent_id: 1, info_hash: ih('A'), name: 'one', multi_up: 2, multi_dn: 0, size: 123_456_789, enabled: false, reason: 'pending' },
      { torrent_id: 2, info_hash: ih('b'), name: 'two', multi_up: 1, multi_dn: 1, size: 0, enabled: true, reason: '' },
    ];
    const columns = Object.fromEntries(Object.keys(items[0]!).map((k) => [k, items.map((t) => t[k as keyof (typeof items)[number]])]));
    expect((await d.api('POST', '/api/bulk/torrents/columns', { body: columns })).body).toEqual({ written: 2, unchanged: 0, conflicts: [] });
    expect((await d.api('POST', '/api/bulk/torrents', { body: items })).body).toEqual({ written: 0, unchanged: 2, conflicts: [] });
    expect((await d.api('GET', `/api/torrent/${ih('a')}`)).body).toMatchObject({ torrent_id: 1, name: 'one', multi_up: 2, multi_dn: 0, size: 123_456_789, enabled: false, reason: 'pending' });

    const bare = { torrent_id: [3, 1], info_hash: [ih('c'), ih('d')] };
    expect((await d.api('POST', '/api/bulk/torrents/columns', { body: bare })).body).toEqual({ written: 1, unchanged: 0, conflicts: [{ info_hash: ih('d'), torrent_id: 1, holder: ih('a') }] });
    expect((await d.api('GET', `/api/torrent/${ih('c')}`)).body).toMatchObject({ name: '', multi_up: 1, multi_dn: 1, enabled: true, reason: '' });
  });

  it('refuses a bad info_hash and columns of unequal length', async () => {
    expect(await d.api('POST', '/api/bulk/torrents/columns', { body: { torrent_id: [5], info_hash: ['xyz'] } })).toEqual(invalid('body.info_hash.0 must match pattern "^[0-9a-fA-F]{40}$"'));
    expect(await d.api('POST', '/api/bulk/torrents/columns', { body: { torrent_id: [5, 6], info_hash: [ih('e')] } })).toEqual(
      invalid('body.info_hash has 1 values, body.torrent_id 2: every column needs one value per item'),
    );
    expect(await d.api('POST', '/api/bulk/torrents/columns', { body: { torrent_id: [5], info_hash: [ih('e')], multi_up: [-1] } })).toEqual(invalid('body.multi_up.0 must be >= 0'));
    expect((await d.api('GET', `/api/torrent/${ih('e')}`)).status).toBe(404);
  });
});
