import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { eventually } from '../helpers/eventually.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { id20, text, type Reply } from '../helpers/tracker-harness.js';

// Two daemons on one Redis, as a site runs them behind a load balancer: a change made through one
// daemon's API is seen by the next announce on the other, through the store's pub/sub.

const IH = 'ab'.repeat(20);
const PK = 'twodaemons'.padEnd(32, '0');
const peer = { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4650-two'), left: 0 };

let redis: RedisServer;
let dir: string;
let a: ApiDaemon;
let b: ApiDaemon;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'mika-two-'));
  const config = { tracker: { whitelist_enabled: false }, store: { type: 'redis', redis: { url: redis.url } } };
  // What each daemon's own config file says after an edit: A's and B's differ, as two hosts' may.
  const edited = (interval: number) => () =>
    parseConfig({ ...config, tracker: { ...config.tracker, interval, reap_interval: 1000 }, api: { keys: [API_KEY], username: 'site', password: 'secret-pass-of-16+chars' }, log: { level: 'silent' } });
  a = await startApiDaemon(mkdtempSync(join(dir, 'a-')), { config, rereadConfig: edited(600) });
  b = await startApiDaemon(mkdtempSync(join(dir, 'b-')), { config, rereadConfig: edited(900) });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The failure reason of B's announce, once the change has crossed over (one pub/sub hop). */
async function onB(expected: string | undefined): Promise<void> {
  let reply: Reply = {};
  await eventually(async () => {
    reply = await b.announce(PK, peer);
    return (reply['failure reason'] === undefined ? undefined : text(reply['failure reason'])) === expected;
  }, 2000);
  expect(reply['failure reason'] === undefined ? undefined : text(reply['failure reason'])).toBe(expected);
}

describe('two daemons sharing one Redis', () => {
  it('see each other\'s API changes on their next announce', async () => {
    expect(text((await b.announce(PK, peer))['failure reason'])).toBe('unknown passkey');
    expect((await a.api('POST', '/api/user', { body: { user_id: 7, passkey: PK } })).status).toBe(201);
    expect((await a.api('POST', '/api/torrent', { body: { torrent_id: 70, info_hash: IH, name: 'shared' } })).status).toBe(201);
    await onB(undefined);

    await a.api('DELETE', `/api/torrent/${IH}`, { body: { reason: 'removed: dupe' } });
    await onB('removed: dupe');
    await a.api('PATCH', `/api/torrent/${IH}`, { body: { enabled: true } });
    await onB(undefined);

    await a.api('PATCH', '/api/user/7', { body: { enabled: false } });
    await onB('account disabled');
    await a.api('DELETE', '/api/user/7');
    await onB('unknown passkey');

    // B's successful announces are in the shared store: A's API reads them.
    expect((await a.api('GET', `/api/torrent/${IH}`)).body.announces).toBeGreaterThanOrEqual(2);
  });

  it('a reload through the API of one makes the other re-read its own config', async () => {
    const pk = 'tworeload'.padEnd(32, '0');
    expect((await a.api('POST', '/api/user', { body: { user_id: 8, passkey: pk } })).status).toBe(201);
    await a.api('POST', '/api/torrent', { body: { torrent_id: 70, info_hash: IH, name: 'shared' } });
    const interval = async (d: ApiDaemon) => {
      const reply = await d.announce(pk, peer);
      return reply['failure reason'] === undefined ? reply.interval : text(reply['failure reason']);
    };
    await eventually(async () => (await interval(b)) === 300, 2000);

    const r = await a.api('POST', '/api/reload');
    expect(r.status).toBe(200);
    expect(r.body.changed).toContain('tracker.interval');
    expect(await interval(a)).toBe(600);
    await eventually(async () => (await interval(b)) === 900, 2000);
    expect(await interval(b)).toBe(900);
  });
});
