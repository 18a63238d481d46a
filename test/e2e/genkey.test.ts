import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('mika genkey', () => {
  it('writes the key and certificate named in config, then refuses to overwrite them without --force', async () => {
    const cwd = tempDir('genkey-cli');
    const first = runMika(['genkey', '--host', 'tracker.example.org'], { cwd });
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toMatch(/^> Generating new keys\.\.\.$/m);
    expect(first.stdout()).toContain('DNS:tracker.example.org');
    expect(statSync(join(cwd, 'mika-api.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, 'mika-api.crt'))).toBe(true);

    const again = runMika(['genkey'], { cwd });
    expect((await again.exited).code).toBe(1);
    expect(again.stderr()).toBe('mika: mika-api.key exists: pass --force to replace it\n');

    const forced = runMika(['genkey', '-force', '-days', '30'], { cwd });
    expect((await forced.exited).code).toBe(0);
  });
});

describe('mika genkey then mika serve', () => {
  it('gives a working TLS API with no other step', async () => {
    const cwd = tempDir('genkey-serve');
    expect((await runMika(['genkey'], { cwd }).exited).code).toBe(0);
    const [tracker, apiPort] = [await freePort(), await freePort()];
    const m = runMika(['serve'], { cwd, env: { MIKA_TRACKER_LISTEN: `127.0.0.1:${tracker}`, MIKA_API_LISTEN: `127.0.0.1:${apiPort}`, MIKA_API_KEYS: 'a-key-of-sixteen-chars' } });
    try {
      await m.waitFor(/API listening/);
      const ca = readFileSync(join(cwd, 'mika-api.crt'));
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: apiPort, path: '/api/version', servername: 'localhost', ca, headers: { authorization: 'Bearer a-key-of-sixteen-chars' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ name: 'mika' });
    } finally {
      expect((await m.stop()).code).toBe(0);
    }
  });
});
