import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiClientError, clientFromConfig } from '../../src/api/client.js';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { VERSION } from '../../src/version.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';

let dir: string;
let d: ApiDaemon;
/** The config an operator's `mika reload` would read: where the API is and how to get in. */
let config: Config;
let client: ApiClient;
/** What the daemon reads on POST /api/reload. */
let reread: () => Config;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-client-'));
  // ":port" listens on every address; clientFromConfig reaches it on 127.0.0.1.
  const api = { listen: `:${await freePort()}`, tls_cert: join(dir, 'api.crt'), keys: [API_KEY], username: 'site', password: 'secret-pass-of-16+chars' };
  config = parseConfig({ api });
  reread = () => config;
  d = await startApiDaemon(dir, { config: { api }, rereadConfig: () => reread() });
  client = clientFromConfig(config);
});
afterAll(async () => {
  await client?.close();
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a call rejects with: an ApiClientError as a plain object. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof ApiClientError ? { status: err.status, code: err.code, message: err.message } : err),
  );
const direct = (opts: Partial<ConstructorParameters<typeof ApiClient>[0]>) => new ApiClient({ baseUrl: `https://127.0.0.1:${d.daemon.apiAddress!.port}`, ...opts });

const HASH = 'ab'.repeat(20);

describe('the API client', () => {
  it('reaches a ":port" API on loopback with the pinned certificate and the first API key', async () => {
    expect(await client.version()).toEqual({ name: 'mika', version: VERSION });
    // Nothing registered in this daemon: degraded, with the reason.
    expect(await client.health()).toMatchObject({ status: 'degraded', storage: 'up', store: 'memory', registry: 'empty', reasons: [expect.stringMatching(/^registry: registry empty/)] });
  });

  it('uses basic auth when the config has no API key', async () => {
    const basic = clientFromConfig({ ...config, api: { ...config.api, keys: [] } });
    try {
      expect((await basic.uptime()).uptime_seconds).toBeGreaterThanOrEqual(0);
    } finally {
      await basic.close();
    }
  });

  it('throws ApiClientError with the status, code and message of the JSON error', async () => {
    const wrong = direct({ ca: d.ca, apiKey: 'z'.repeat(20) });
    try {
      expect(await failure(wrong.version())).toEqual({ status: 401, code: 'unauthorized', message: 'invalid credentials' });
    } finally {
      await wrong.close();
    }
    expect(await failure(client.torrent('cd'.repeat(20)))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('tells a created torrent from an updated one, disables it, then purges it', async () => {
    const body = { torrent_id: 1, info_hash: HASH, name: 'first' };
    expect(await client.putTorrent(body)).toMatchObject({ created: true, torrent: { info_hash: HASH, name: 'first', enabled: true } });
    expect(await client.putTorrent({ ...body, name: 'renamed', multi_dn: 0 })).toMatchObject({ created: false, torrent: { name: 'renamed', multi_dn: 0 } });
    expect(await client.deleteTorrent(HASH, { reason: 'dupe' })).toMatchObject({ enabled: false, reason: 'dupe' });
    expect(await client.deleteTorrent(HASH, { purge: true })).toBeUndefined();
    expect(await failure(client.torrent(HASH))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('creates a user once: a second time is 409 user_exists', async () => {
    const user = { user_id: 42, passkey: 'q'.repeat(32), name: 'quinn' };
    expect(await client.createUser(user)).toMatchObject({ user_id: 42, passkey: user.passkey, can_leech: true, enabled: true });
    expect(await failure(client.createUser(user))).toMatchObject({ status: 409, code: 'user_exists' });
    expect(await client.patchUser(42, { can_leech: false })).toMatchObject({ can_leech: false });
    await client.deleteUser(42);
    expect(await failure(client.user(42))).toMatchObject({ status: 404 });
  });

  it('adds, renames and removes a whitelist prefix', async () => {
    expect(await client.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' })).toEqual({ created: true, item: { prefix: '-qB4', client: 'qBittorrent' } });
    expect((await client.putWhitelist({ prefix: '-qB4', client: 'qBittorrent 4' })).created).toBe(false);
    expect((await client.whitelist()).whitelist).toContainEqual({ prefix: '-qB4', client: 'qBittorrent 4' });
    await client.deleteWhitelist('-qB4');
    expect((await client.whitelist()).whitelist).not.toContainEqual(expect.objectContaining({ prefix: '-qB4' }));
  });

  it('reloads, listing what changed; a config that fails validation is 422 invalid_config', async () => {
    reread = () => ({ ...config, tracker: { ...config.tracker, interval: 900, reap_interval: 1000 }, api: { ...config.api, listen: ':1' } });
    const reply = await client.reload();
    expect(reply.changed).toEqual(expect.arrayContaining(['api.listen', 'tracker.interval', 'tracker.reap_interval']));
    expect(reply.needs_restart).toContain('api.listen');
    expect(reply.needs_restart).not.toContain('tracker.interval');
    reread = () => {
      throw new ConfigError('tracker.interval', 'must be >= 1');
    };
    expect(await failure(client.reload())).toMatchObject({ status: 422, code: 'invalid_config', message: expect.stringMatching(/tracker\.interval: must be >= 1/) });
  });

  it('refuses an API whose certificate is not the pinned one, naming the address', async () => {
    const unpinned = direct({ apiKey: API_KEY });
    try {
      await expect(unpinned.version()).rejects.toThrow(/^cannot reach the API at https:\/\/127\.0\.0\.1:\d+: .*certificate/);
    } finally {
      await unpinned.close();
    }
  });
});
