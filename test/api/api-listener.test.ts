import { request } from 'node:https';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { genkey } from '../../src/tls/genkey.js';
import { VERSION } from '../../src/version.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const KEY = 'k'.repeat(40);
let dir: string;
let daemon: Daemon;
let ca: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-api-'));
  const tls = { keyPath: join(dir, 'api.key'), certPath: join(dir, 'api.crt') };
  await genkey({ ...tls, hosts: [], days: 1, keyType: 'ec', force: false });
  ca = readFileSync(tls.certPath);
  const config = parseConfig({
    tracker: { listen: '127.0.0.1:0' },
    store: { type: 'memory' },
    api: { listen: '127.0.0.1:0', tls_key: tls.keyPath, tls_cert: tls.certPath, keys: ['x'.repeat(20), KEY], username: 'site', password: 'secret-pass-of-16+chars' },
    log: { level: 'silent' },
  });
  daemon = await startDaemon({ config, logger: createLogger('silent') });
});
afterAll(async () => {
  await daemon?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Res {
  status: number;
  body: Record<string, unknown>;
}

function api(path: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: daemon.apiAddress!.port, path, servername: 'localhost', ca, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The protocol a handshake pinned to one TLS version ends with, or the error it fails with. */
function handshake(version: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so a refusal is the server's.
    const s = connect({ host: '127.0.0.1', port: daemon.apiAddress!.port, servername: 'localhost', ca, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(s.getProtocol() ?? 'none');
      s.end();
    });
    s.on('error', (err) => resolve(`error: ${err.message}`));
  });
}

const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('the API listener', () => {
  it('refuses a TLS 1.1 handshake and accepts TLS 1.2 and 1.3', async () => {
    expect(await handshake('TLSv1.1')).toMatch(/^error: .*(protocol version|unsupported protocol)/i);
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
  });

  it('answers GET /api/health without credentials, with the storage and registry state, and warns of a certificate that expires within 30 days', async () => {
    // This file's certificate is valid for one day: a warning (200, the tracker serves), not a failure.
    const { status, body } = await api('/api/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', storage: 'up', store: 'memory', flush: null, certificate: { days_left: 0, expiring: true } });
    // Nothing registered yet either: every announce would fail "unknown passkey".
    expect(body.registry).toBe('empty');
    expect(body.reasons).toEqual([
      expect.stringMatching(/^certificate: the API certificate expires in 0 days/),
      'registry: registry empty: no users and no torrents registered in the memory store',
    ]);
  });

  it.each([
    ['no credentials', {}, 'credentials required: Authorization: Bearer <api key>, or basic auth'],
    ['a wrong API key', { authorization: `Bearer ${'z'.repeat(40)}` }, 'invalid credentials'],
    ['a wrong basic password', basic('site', 'nope'), 'invalid credentials'],
    ['an unknown scheme', { authorization: 'Digest abc' }, 'invalid credentials'],
  ])('answers 401 with a JSON error to %s', async (_what, headers, message) => {
    expect(await api('/api/version', headers)).toEqual({ status: 401, body: { error: { code: 'unauthorized', message } } });
  });

  it('accepts any configured API key and the basic-auth pair', async () => {
    for (const headers of [{ authorization: `Bearer ${KEY}` }, { authorization: `bearer ${'x'.repeat(20)}` }, basic('site', 'secret-pass-of-16+chars')]) {
      expect(await api('/api/version', headers)).toEqual({ status: 200, body: { name: 'mika', version: VERSION } });
    }
  });

  it('tells its uptime', async () => {
    const { status, body } = await api('/api/uptime', { authorization: `Bearer ${KEY}` });
    expect(status).toBe(200);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(String(body.started_at))).toBeLessThanOrEqual(Date.now());
  });

  it('answers an unknown route with a 404 JSON error', async () => {
    expect(await api('/api/nope', { authorization: `Bearer ${KEY}` })).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no route GET /api/nope' } } });
  });
});

describe('without a TLS key and certificate', () => {
  it('the API is off, the log says why, and the tracker still runs', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn');
    logger.warn = ((obj: unknown, msg?: string) => void lines.push(typeof obj === 'string' ? obj : (msg ?? ''))) as typeof logger.warn;
    const config = parseConfig({ tracker: { listen: '127.0.0.1:0' }, store: { type: 'memory' }, api: { listen: '127.0.0.1:0', tls_key: join(dir, 'none.key'), tls_cert: join(dir, 'none.crt') } });
    const d = await startDaemon({ config, logger });
    try {
      expect(d.apiAddress).toBeUndefined();
      expect(lines.join('\n')).toMatch(/API off: no TLS key and certificate at .*none\.crt, .*none\.key \(run mika genkey\)/);
    } finally {
      await d.close();
    }
  });
});
