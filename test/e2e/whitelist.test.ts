import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { failureOf, httpAnnounce, id20 } from '../helpers/tracker-harness.js';

// `mika whitelist list|add|remove` (the built binary) against `mika serve` on the memory store.

let dir: string;
let serve: MikaProcess;
let api: ApiClient;
let trackerPort: number;
let settings: Record<string, any>;
const PASSKEY = 'w'.repeat(32);
const HASH = id20('whitelist-e2e');

async function mika(...args: string[]) {
  const m = runMika(args, { cwd: dir });
  const { code } = await m.exited;
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

const failure = async (peerId: string) => failureOf(await httpAnnounce(trackerPort, PASSKEY, { infoHash: HASH, peerId: id20(peerId) }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-whitelist-e2e-'));
  const tls = await apiTls(dir);
  trackerPort = await freePort();
  settings = {
    tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: true },
    api: { listen: `127.0.0.1:${await freePort()}`, keys: [API_KEY], ...tls },
    pidfile: '',
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(settings));
  serve = runMika(['serve'], { cwd: dir });
  await serve.waitFor(/API listening/);
  api = new ApiClient({ baseUrl: `https://${settings.api.listen}`, ca: readFileSync(tls.tls_cert), apiKey: API_KEY });
  await api.createUser({ user_id: 1, passkey: PASSKEY });
  await api.putTorrent({ torrent_id: 1, info_hash: HASH.toString('hex'), name: 'whitelisted' });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mika whitelist', () => {
  it('adds prefixes that start with "-" as they are or after --, lists them, and the tracker follows', { timeout: 90_000 }, async () => {
    expect(await mika('whitelist', 'list')).toEqual({ code: 0, stderr: '', stdout: 'The whitelist is empty: with tracker.whitelist_enabled on, no client may announce\n' });
    expect(await failure('-qB4650-e2e')).toBe('client not whitelisted');

    const [qb, tr] = await Promise.all([mika('whitelist', 'add', '-qB4', 'qBittorrent', '4'), mika('whitelist', 'add', '--', '-TR3', 'Transmission')]);
    expect(qb).toEqual({ code: 0, stderr: '', stdout: '> Added "-qB4": qBittorrent 4\n' });
    expect(tr).toEqual({ code: 0, stderr: '', stdout: '> Added "-TR3": Transmission\n' });
    // A prefix that starts like the -c flag, with -c itself given too.
    expect(await mika('whitelist', 'add', '-c', 'config.json', '-cD1', 'C', 'Daemon')).toMatchObject({ code: 0, stdout: '> Added "-cD1": C Daemon\n' });
    expect(await failure('-qB4650-e2e')).toBeUndefined();

    const renamed = await mika('whitelist', 'add', '-qB4', 'qBittorrent 4.x', '--json');
    expect(renamed.code).toBe(0);
    expect(JSON.parse(renamed.stdout)).toEqual({ created: false, prefix: '-qB4', client: 'qBittorrent 4.x' });

    expect((await mika('whitelist', 'list')).stdout).toBe(['prefix  client', '"-TR3"  Transmission', '"-cD1"  C Daemon', '"-qB4"  qBittorrent 4.x', '3 clients', ''].join('\n'));
    const json = await mika('whitelist', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      whitelist: [
        { prefix: '-TR3', client: 'Transmission' },
        { prefix: '-cD1', client: 'C Daemon' },
        { prefix: '-qB4', client: 'qBittorrent 4.x' },
      ],
    });
  });

  it('removes a prefix, and says so in one line when it is not listed', { timeout: 90_000 }, async () => {
    expect(await mika('whitelist', 'remove', '-TR3')).toEqual({ code: 0, stderr: '', stdout: '> Removed "-TR3"\n' });
    expect(await failure('-TR3000-e2e')).toBe('client not whitelisted');
    expect(JSON.parse((await mika('whitelist', 'remove', '-cD1', '--json')).stdout)).toEqual({ removed: '-cD1' });
    expect(await mika('whitelist', 'remove', '-TR3')).toEqual({ code: 1, stdout: '', stderr: 'mika: no whitelist entry for prefix "-TR3"\n' });
  });

  it('list --deny shows the blacklist: patterns quoted, reasons without control characters', { timeout: 90_000 }, async () => {
    expect(await mika('whitelist', 'list', '--deny')).toEqual({ code: 0, stderr: '', stdout: 'The blacklist is empty: no client is refused by peer_id pattern\n' });
    await api.putBlacklist({ pattern: '-UT2', reason: 'uTorrent 2 \u001b[31mis not allowed' });
    expect(await mika('whitelist', 'add', '--deny', '-BC?', 'BitComet', 'leaks')).toMatchObject({ code: 0 });
    expect((await mika('whitelist', 'list', '--deny')).stdout).toBe(['pattern  reason', '"-BC?"   BitComet leaks', '"-UT2"   uTorrent 2 [31mis not allowed', '2 patterns denied', ''].join('\n'));
    expect(JSON.parse((await mika('whitelist', 'list', '--deny', '--json')).stdout).blacklist).toHaveLength(2);
    // The whitelist listing is the whitelist's alone.
    expect((await mika('whitelist', 'list')).stdout).not.toContain('-UT2');
    for (const p of ['-UT2', '-BC?']) await api.deleteBlacklist(p);
  });

  it('lists a client name from the site with terminal escapes in it without them', { timeout: 90_000 }, async () => {
    await api.putWhitelist({ prefix: '-EV\u009b1', client: '\u001b]0;PWNED\u0007\u001b[41mEVIL\u202e client' });
    const list = await mika('whitelist', 'list');
    expect(list.stdout).toContain('"-EV\\u009b1"  ]0;PWNED[41mEVIL client\n');
    expect(list.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    // --json keeps the text as it is: JSON escapes it.
    expect(JSON.parse((await mika('whitelist', 'list', '--json')).stdout).whitelist).toContainEqual({ prefix: '-EV\u009b1', client: '\u001b]0;PWNED\u0007\u001b[41mEVIL\u202e client' });
    await api.deleteWhitelist('-EV\u009b1');
  });

  it('says what to check when the daemon is not running or refuses the key, and refuses a missing argument', { timeout: 90_000 }, async () => {
    writeFileSync(join(dir, 'wrong-key.json'), JSON.stringify({ ...settings, api: { ...settings.api, keys: ['not-the-daemons-key-at-all'] } }));
    writeFileSync(join(dir, 'no-daemon.json'), JSON.stringify({ ...settings, api: { ...settings.api, listen: `127.0.0.1:${await freePort()}` } }));
    const [wrongKey, noDaemon, noClient] = await Promise.all([
      mika('whitelist', 'list', '-c', 'wrong-key.json'),
      mika('whitelist', 'add', '-c', 'no-daemon.json', '-qB5', 'qBittorrent 5'),
      mika('whitelist', 'add', '-qB5'),
    ]);
    expect(wrongKey).toEqual({ code: 1, stdout: '', stderr: "mika: the API refused the key (check api.keys: the first key is sent; without keys, api.username and api.password; they must match the daemon's)\n" });
    expect(noDaemon.code).toBe(1);
    expect(noDaemon.stderr).toMatch(/^mika: cannot reach the API at https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.* \(is mika serve running with this config\?\)\n$/);
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toMatch(/Missing 1 required arg:[\s›]+client /);
  });
});
