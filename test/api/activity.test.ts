import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/api/client.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { id20 } from '../helpers/tracker-harness.js';

// GET /api/torrents/active over real TLS: announces counted per torrent, busiest first.

const hash = (c: string) => c.repeat(40);
const PK = 'p'.repeat(32);

let dir: string;
let d: ApiDaemon;
let now = 1_800_000_000; // a whole minute: the window starts fresh

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-api-activity-'));
  // One user plays every peer of each swarm: no per-user peer limit.
  d = await startApiDaemon(dir, { clock: () => now, config: { tracker: { whitelist_enabled: false, max_peers_per_user_torrent: 0 } } });
  await d.api('POST', '/api/user', { body: { user_id: 1, passkey: PK } });
  for (const [i, c] of ['a', 'b', 'c'].entries()) {
    await d.api('POST', '/api/torrent', { body: { torrent_id: i + 1, info_hash: hash(c), name: `torrent ${c}` } });
  }
});
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `times` announces on the torrent, each from its own peer; the first `seeders` of them seed. */
async function announce(c: string, times: number, seeders = 0): Promise<void> {
  for (let i = 0; i < times; i++) {
    await d.announce(PK, { infoHash: Buffer.from(hash(c), 'hex'), peerId: id20(`-qB4-${c}${i}`), left: i < seeders ? 0 : 100 });
  }
}

describe('GET /api/torrents/active', () => {
  it('answers an empty list before any announce', async () => {
    expect(await d.api('GET', '/api/torrents/active')).toEqual({ status: 200, body: [] });
  });

  it('lists the torrents by announces in the last minute, busiest first, with their swarms', async () => {
    await announce('b', 5, 2);
    await announce('a', 2, 1);
    await announce('c', 3);
    now += 10;
    const r = await d.api('GET', '/api/torrents/active');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { info_hash: hash('b'), torrent_id: 2, name: 'torrent b', announces_last_minute: 5, seeders: 2, leechers: 3 },
      { info_hash: hash('c'), torrent_id: 3, name: 'torrent c', announces_last_minute: 3, seeders: 0, leechers: 3 },
      { info_hash: hash('a'), torrent_id: 1, name: 'torrent a', announces_last_minute: 2, seeders: 1, leechers: 1 },
    ]);
  });

  it('answers at most `limit` torrents', async () => {
    const r = await d.api('GET', '/api/torrents/active?limit=1');
    expect(r.body.map((t: { info_hash: string }) => t.info_hash)).toEqual([hash('b')]);
  });

  it.each(['0', '101', 'ten', '-1'])('refuses limit=%s with a 400 naming the field', async (limit) => {
    const r = await d.api('GET', `/api/torrents/active?limit=${limit}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^querystring\.limit must match pattern/) });
  });

  it('needs credentials', async () => {
    expect((await d.api('GET', '/api/torrents/active', { auth: false })).status).toBe(401);
  });

  it('leaves out a torrent purged since its announces', async () => {
    expect((await d.api('DELETE', `/api/torrent/${hash('c')}?purge=true`)).status).toBe(204);
    const r = await d.api('GET', '/api/torrents/active');
    expect(r.body.map((t: { info_hash: string }) => t.info_hash)).toEqual([hash('b'), hash('a')]);
  });

  it('forgets announces older than a minute', async () => {
    now += 120;
    expect((await d.api('GET', '/api/torrents/active')).body).toEqual([]);
  });

  it('is the typed client\'s activeTorrents()', async () => {
    await announce('a', 1);
    const client = new ApiClient({ baseUrl: `https://localhost:${d.daemon.apiAddress!.port}`, ca: d.ca, apiKey: API_KEY });
    try {
      expect(await client.activeTorrents(5)).toEqual([expect.objectContaining({ info_hash: hash('a'), announces_last_minute: 1 })]);
    } finally {
      await client.close();
    }
  });
});
