import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { genkey, KeyExistsError } from '../../src/tls/genkey.js';
import { tempDir } from '../helpers/temp-dir.js';

const paths = () => {
  const dir = tempDir('genkey');
  return { keyPath: join(dir, 'api.key'), certPath: join(dir, 'certs', 'api.crt') };
};
const base = { hosts: [], days: 30, keyType: 'ec' as const, force: false };

/** Completes a TLS 1.2+ handshake against a server using the files, trusting the certificate for `host`. */
async function handshake(keyPath: string, certPath: string, host: string): Promise<string> {
  const server = createServer({ key: readFileSync(keyPath), cert: readFileSync(certPath), minVersion: 'TLSv1.2' }, (s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: host, ca: readFileSync(certPath), minVersion: 'TLSv1.2' });
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('genkey', () => {
  it('writes an ECDSA P-256 key with mode 0600 and a certificate naming localhost, 127.0.0.1, ::1 and the extra hosts', async () => {
    const p = paths();
    await genkey({ ...p, ...base, hosts: ['tracker.example.org'] });
    expect(statSync(p.keyPath).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(p.certPath));
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:tracker.example.org');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(p.keyPath)))).toBe(true);
    expect(createPrivateKey(readFileSync(p.keyPath)).asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('writes an RSA 2048 key when asked', async () => {
    const p = paths();
    await genkey({ ...p, ...base, keyType: 'rsa' });
    expect(createPrivateKey(readFileSync(p.keyPath)).asymmetricKeyDetails).toMatchObject({ modulusLength: 2048 });
  });

  it('gives files a TLS 1.2+ server can use for the names in the certificate', async () => {
    const p = paths();
    await genkey({ ...p, ...base, hosts: ['tracker.example.org'] });
    expect(await handshake(p.keyPath, p.certPath, 'localhost')).toBe('ok');
    expect(await handshake(p.keyPath, p.certPath, 'tracker.example.org')).toBe('ok');
    await expect(handshake(p.keyPath, p.certPath, 'other.example.org')).rejects.toThrow(/altnames/);
  });

  it('refuses to replace existing files without force, and with force replaces the key at mode 0600', async () => {
    const p = paths();
    await genkey({ ...p, ...base });
    const first = readFileSync(p.keyPath, 'utf8');
    await expect(genkey({ ...p, ...base })).rejects.toThrow(KeyExistsError);
    expect(readFileSync(p.keyPath, 'utf8')).toBe(first);
    chmodSync(p.keyPath, 0o644);
    await genkey({ ...p, ...base, force: true });
    expect(readFileSync(p.keyPath, 'utf8')).not.toBe(first);
    expect(statSync(p.keyPath).mode & 0o777).toBe(0o600);
  });
});
