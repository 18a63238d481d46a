import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { compactPeers, failureOf, id20 } from '../helpers/tracker-harness.js';

// Two mika instances on one 3-master Redis Cluster, as behind a load balancer: a client may reach
// either, and both must show one tracker.

let cluster: RedisCluster;
let dir: string;
let a: ApiDaemon;
let b: ApiDaemon;

const PASSKEY = 'p'.repeat(32);
const peer = (label: string) => id20(`-qB4630-${label}`);
/** Several torrents, so that the swarms spread over the three masters. */
const hashes = ['one', 'two', 'three', 'four'].map((l) => id20(`cluster-${l}`));

beforeAll(async () => {
  cluster = await startRedisCluster();
  dir = mkdtempSync(join(tmpdir(), 'mika-cluster-e2e-'));
  // One user plays every peer of each swarm: no per-user peer limit.
  const config = { tracker: { max_peers_per_user_torrent: 0 }, store: { type: 'redis', redis: { mode: 'cluster', nodes: cluster.seeds } } };
  a = await startApiDaemon(dir, { config });
  b = await startApiDaemon(dir, { config });
  // The site's records go in through one instance only.
  expect((await a.api('POST', '/api/whitelist', { body: { prefix: '-qB', client: 'qBittorrent' } })).status).toBe(201);
  expect((await a.api('POST', '/api/user', { body: { user_id: 7, passkey: PASSKEY, name: 'seven' } })).status).toBe(201);
  for (const [i, ih] of hashes.entries()) {
    expect((await a.api('POST', '/api/torrent', { body: { torrent_id: 100 + i, info_hash: ih.toString('hex'), name: `t${i}` } })).status).toBe(201);
  }
  await eventually(() => b.daemon.store.userByPasskey(PASSKEY) !== undefined && b.daemon.store.counts().torrents === hashes.length, 5000);
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await cluster?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two mika instances on one Redis Cluster', () => {
  it('announces spread over both instances see one swarm per torrent', async () => {
    for (const ih of hashes) {
      // Three seeders and three leechers, each announcing to the instance its turn gives.
      for (let i = 0; i < 6; i++) {
        const via = i % 2 === 0 ? a : b;
        const r = await via.announce(PASSKEY, { infoHash: ih, peerId: peer(`${ih[8]}-${i}`), port: 6881 + i, left: i < 3 ? 0 : 100, numwant: 50 });
        expect(failureOf(r)).toBeUndefined();
      }
      // A new leecher on each instance sees every peer of the swarm, whichever instance it used.
      for (const [n, via] of [a, b].entries()) {
        const r = await via.announce(PASSKEY, { infoHash: ih, peerId: peer(`${ih[8]}-new${n}`), port: 6900 + n, left: 100, numwant: 50 });
        expect([r.complete, r.incomplete]).toEqual([3, 4 + n]);
        expect(compactPeers(r.peers, 6)).toHaveLength(6 + n);
      }
    }
    const totals = await Promise.all([a.daemon.store.totals(), b.daemon.store.totals()]);
    expect(totals).toEqual([
      { seeders: 12, leechers: 20 },
      { seeders: 12, leechers: 20 },
    ]);
  });

  it("both instances count one user's transfer, exactly once", async () => {
    const ih = hashes[0]!;
    const before = (await b.api('GET', '/api/user/7')).body;
    // One client alternating between the instances, 1 MiB up between announces.
    for (let i = 1; i <= 10; i++) {
      const via = i % 2 === 0 ? a : b;
      const r = await via.announce(PASSKEY, { infoHash: ih, peerId: peer('ledger'), port: 7000, left: 0, uploaded: i * 1_048_576 });
      expect(failureOf(r)).toBeUndefined();
    }
    for (const via of [a, b]) {
      const after = (await via.api('GET', '/api/user/7')).body;
      expect(after.uploaded - before.uploaded).toBe(9 * 1_048_576);
      expect(after.announces - before.announces).toBe(10);
    }
  });

  it('API changes made on one instance are seen by the other on its next announce', async () => {
    const ih = hashes[1]!;
    const announceB = async () => failureOf(await b.announce(PASSKEY, { infoHash: ih, peerId: peer('api'), port: 7001, left: 100 }));

    expect((await a.api('PATCH', `/api/torrent/${ih.toString('hex')}`, { body: { enabled: false, reason: 'moved to #200' } })).status).toBe(200);
    await eventually(async () => (await announceB()) === 'moved to #200', 5000);
    expect((await a.api('PATCH', `/api/torrent/${ih.toString('hex')}`, { body: { enabled: true } })).status).toBe(200);
    await eventually(async () => (await announceB()) === undefined, 5000);

    expect((await a.api('PATCH', '/api/user/7', { body: { enabled: false } })).status).toBe(200);
    await eventually(async () => (await announceB()) === 'account disabled', 5000);
    expect((await a.api('PATCH', '/api/user/7', { body: { enabled: true } })).status).toBe(200);
    await eventually(async () => (await announceB()) === undefined, 5000);

    expect((await a.api('DELETE', '/api/whitelist/-qB')).status).toBe(204);
    await eventually(async () => (await announceB()) === 'client not whitelisted', 5000);
  });
});
