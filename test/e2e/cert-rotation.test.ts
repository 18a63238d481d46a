import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const KEY = 'rotation-test-key-of-some-length';

/** The SHA-256 fingerprint of the certificate the API serves now (not verified: it is what we check). */
function served(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

const onDisk = (dir: string) => new X509Certificate(readFileSync(join(dir, 'mika-api.crt'))).fingerprint256;

async function mika(dir: string, ...args: string[]) {
  const m = runMika(args, { cwd: dir });
  const { code } = await m.exited;
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

describe('certificate and key rotation without a restart', () => {
  it('after genkey -force, reload makes the API serve the new certificate and every command works; SIGHUP does the same', { timeout: 300_000 }, async () => {
    const dir = tempDir('rotation');
    expect((await mika(dir, 'genkey')).code).toBe(0);
    const [trackerPort, apiPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ tracker: { listen: `127.0.0.1:${trackerPort}` }, api: { listen: `127.0.0.1:${apiPort}`, keys: [KEY] }, pidfile: join(dir, 'mika.pid') }),
    );
    const serve = runMika(['serve'], { cwd: dir });
    try {
      await serve.waitFor(/API listening/);
      const first = await served(apiPort);
      expect(first).toBe(onDisk(dir));

      const renewed = await mika(dir, 'genkey', '-force');
      expect(renewed.code).toBe(0);
      expect(renewed.stdout).toContain('mika reload');
      expect(onDisk(dir)).not.toBe(first);
      // Until the reload, the CLI (trusting the new file) and the daemon (serving the old pair) disagree.
      expect((await mika(dir, 'whitelist', 'list')).stderr).toMatch(/^mika: cannot reach the API .*certificate/);

      const reload = await mika(dir, 'reload');
      expect(reload).toMatchObject({ code: 0, stderr: '' });
      expect(reload.stdout).toContain(`sent SIGUSR2 to ${serve.child.pid}`);
      expect(await served(apiPort)).toBe(onDisk(dir));
      expect(serve.stdout()).toMatch(/API certificate reloaded/);

      // Every command that calls the API works again, with no restart.
      expect(await mika(dir, 'whitelist', 'add', '-qB5', 'qBittorrent', '5', '-config', 'config.json')).toMatchObject({ code: 0, stdout: '> Added "-qB5": qBittorrent 5\n' });
      const listed = await mika(dir, 'whitelist', 'list', '-config', 'config.json', '-json');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual({ whitelist: [{ prefix: '-qB5', client: 'qBittorrent 5' }] });
      const top = await mika(dir, 'top', '-once', '-json', '-interval', '0.2');
      expect(top.code, top.stderr).toBe(0);
      expect(JSON.parse(top.stdout).certificate).toMatchObject({ days_left: 364, expiring: false });
      expect(await mika(dir, 'reload')).toMatchObject({ code: 0, stdout: '> Reloaded: nothing changed\n' });
      // A wrong key reads in top as in every other command.
      expect(await mika(dir, 'top', '-once', '-key', 'not-the-key-of-this-daemon')).toEqual({
        code: 1,
        stdout: '',
        stderr: "mika: the API refused the key (check api.keys: the first key is sent; without keys, api.username and api.password; they must match the daemon's)\n",
      });

      // SIGHUP, as a service manager's reload sends it: the daemon reloads (the new pair again) and lives on.
      expect((await mika(dir, 'genkey', '-force', '-days', '20')).code).toBe(0);
      serve.child.kill('SIGHUP');
      await eventually(async () => (await served(apiPort)) === onDisk(dir), 10_000, 100);
      expect(serve.child.exitCode).toBeNull();
      // Under 30 days left: health says so.
      const health = await mika(dir, 'top', '-once', '-json', '-interval', '0.2');
      expect(JSON.parse(health.stdout).certificate).toMatchObject({ days_left: 19, expiring: true });
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });

  it('reload diffs against the running config: a restart-only field set back is no change', { timeout: 90_000 }, async () => {
    const dir = tempDir('rotation-diff');
    expect((await mika(dir, 'genkey')).code).toBe(0);
    const [trackerPort, other, apiPort] = [await freePort(), await freePort(), await freePort()];
    const write = (port: number) =>
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${port}` }, api: { listen: `127.0.0.1:${apiPort}`, keys: [KEY] }, pidfile: join(dir, 'mika.pid') }));
    write(trackerPort);
    const serve = runMika(['serve'], { cwd: dir });
    try {
      await serve.waitFor(/API listening/);
      write(other);
      expect((await mika(dir, 'reload')).stdout).toBe('> Reloaded: tracker.listen\n> Needs a restart: tracker.listen\n');
      write(trackerPort);
      expect((await mika(dir, 'reload')).stdout).toBe('> Reloaded: nothing changed\n');
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });
});

describe('an API that is asked for and cannot start', () => {
  it('stops mika serve with exit 2 and one line naming the field and the file: missing, then garbage', { timeout: 60_000 }, async () => {
    const dir = tempDir('tls-missing');
    const config = { tracker: { listen: '127.0.0.1:0' }, api: { listen: '127.0.0.1:0', keys: [KEY], tls_key: join(dir, 'gone.key'), tls_cert: join(dir, 'gone.crt') }, pidfile: '' };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const missing = await mika(dir, 'serve');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`mika: config: api.tls_cert: cannot read ${join(dir, 'gone.crt')}: no such file (run mika genkey, or set api.enabled false to run without the API)\n`);

    expect((await mika(dir, 'genkey', '-config', 'config.json')).code).toBe(0);
    writeFileSync(join(dir, 'gone.key'), 'not a key\n');
    const garbage = await mika(dir, 'serve');
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(new RegExp(`^mika: config: api\\.tls_key: ${join(dir, 'gone.key')} is not a PEM private key \\(.*\\)\\n$`));

    // api.enabled false is the way to run without it.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, api: { ...config.api, enabled: false } }));
    const off = runMika(['serve'], { cwd: dir });
    try {
      expect(await off.waitFor(/tracker listening/)).toMatch(/"api":"off: api\.enabled is false"/);
    } finally {
      expect((await off.stop()).code).toBe(0);
    }
  });
});
