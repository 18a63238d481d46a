import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientFromConfig } from '../../src/api/client.js';
import { parseConfig } from '../../src/config/load.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { announceQuery, id20 } from '../helpers/tracker-harness.js';

const KEY = 'reload-test-key-of-some-length';
const PASSKEY = 'p'.repeat(32);
const HASH = id20('reload-e2e-torrent');

describe('mika reload', () => {
  it('applies an edited config through the API and by SIGUSR2, and refuses one that fails validation', { timeout: 90_000 }, async () => {
    const dir = tempDir('reload');
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    const [trackerPort, apiPort] = [await freePort(), await freePort()];
    const path = join(dir, 'config.json');
    const settings = (tracker: Record<string, unknown>) => ({
      tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: false, reap_interval: 3600, ...tracker },
      api: { listen: `127.0.0.1:${apiPort}`, keys: [KEY], tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') },
      pidfile: join(dir, 'mika.pid'),
    });
    const writeConfig = (tracker: Record<string, unknown>) => writeFileSync(path, JSON.stringify(settings(tracker)));
    const reload = async (...args: string[]) => {
      const m = runMika(['reload', ...args], { cwd: dir });
      return { ...(await m.exited), stdout: m.stdout(), stderr: m.stderr() };
    };
    const interval = async () => {
      const res = await fetch(`http://127.0.0.1:${trackerPort}/${PASSKEY}/announce?${announceQuery({ infoHash: HASH, peerId: id20('-qB4630-reload'), left: 0 })}`);
      const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
      return /8:intervali(\d+)e/.exec(body)?.[1] ?? body;
    };

    writeConfig({ interval: 300 });
    const serve = runMika(['serve'], { cwd: dir });
    // The site's side: the typed client on the same config, the certificate pinned.
    const client = clientFromConfig(parseConfig(settings({ interval: 300 }) as Record<string, unknown>));
    try {
      await serve.waitFor(/API listening/);
      await client.createUser({ user_id: 7, passkey: PASSKEY, name: 'reloader' });
      expect(await client.putTorrent({ torrent_id: 70, info_hash: HASH.toString('hex'), name: 'reload me' })).toMatchObject({ created: true });
      expect(await interval()).toBe('300');

      writeConfig({ interval: 900 });
      const api = await reload();
      expect(api).toMatchObject({ code: 0, stderr: '' });
      expect(api.stdout).toBe('> Reloaded: tracker.interval\n');
      expect(await interval()).toBe('900');

      writeConfig({ interval: 1200 });
      const signalled = await reload('--signal');
      expect(signalled.code).toBe(0);
      expect(signalled.stdout).toBe(`> Sent SIGUSR2 to ${serve.child.pid}\n`);
      await eventually(async () => (await interval()) === '1200', 5000);

      // Checked on this side first: a bad file is a bad config (exit 2), and the daemon is not asked.
      writeConfig({ interval: -1 });
      const local = await reload();
      expect(local.code).toBe(2);
      expect(local.stderr).toMatch(/^mika: config: tracker\.interval: /);
      // From a config that only says where the API is, the daemon judges its own file: 422, exit 1, its reason.
      const reachOnly = join(dir, 'client.json');
      writeFileSync(reachOnly, JSON.stringify({ api: settings({}).api }));
      const refused = await reload('--config', reachOnly);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^mika: .*tracker\.interval/);
      expect(await interval()).toBe('1200');
    } finally {
      await client.close();
      expect((await serve.stop()).code).toBe(0);
    }
  });

  it('with no daemon running says so in one line and exits 1, by API and by signal', async () => {
    const dir = tempDir('reload-none');
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ api: { listen: `127.0.0.1:${await freePort()}`, keys: [KEY] } }));
    const api = runMika(['reload'], { cwd: dir });
    expect((await api.exited).code).toBe(1);
    expect(api.stderr()).toMatch(/^mika: cannot reach the API at https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.* \(is mika serve running with this config\? .*\)\n$/);
    const signal = runMika(['reload', '--signal'], { cwd: dir });
    expect((await signal.exited).code).toBe(1);
    expect(signal.stderr()).toBe('mika: no pidfile at mika.pid: is mika serve running with this config (pidfile)?\n');
  });
});
