import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface GenkeyOptions {
  keyPath: string;
  certPath: string;
  /** Extra DNS names or addresses for the certificate, beside localhost, 127.0.0.1 and ::1. */
  hosts: string[];
  days: number;
  /** 'ec' = ECDSA P-256 (default), 'rsa' = RSA 2048. */
  keyType: 'ec' | 'rsa';
  /** Replace existing files; without it an existing key or certificate is an error. */
  force: boolean;
}

export interface GeneratedKey {
  keyPath: string;
  certPath: string;
  fingerprint256: string;
  subjectAltName: string;
  validTo: string;
}

/** A file genkey will not replace without --force. */
export class KeyExistsError extends Error {
  override readonly name = 'KeyExistsError';
}

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * Writes a new private key (mode 0600) and a self-signed certificate for the API listener. The
 * certificate names localhost, 127.0.0.1, ::1 and every `hosts` entry as subject alternative names,
 * which is what TLS clients check (the common name is not).
 */
export async function genkey(o: GenkeyOptions): Promise<GeneratedKey> {
  for (const path of [o.keyPath, o.certPath]) {
    if (!o.force && existsSync(path)) throw new KeyExistsError(`${path} exists: pass --force to replace it`);
  }
  const hosts = [...new Set([...DEFAULT_HOSTS, ...o.hosts])];
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate.getTime() + o.days * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: o.hosts[0] ?? 'localhost' }], {
    keyType: o.keyType,
    ...(o.keyType === 'rsa' ? { keySize: 2048 } : { curve: 'P-256' }),
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    ],
  });
  for (const path of [o.keyPath, o.certPath]) {
    mkdirSync(dirname(path), { recursive: true });
    // A new file gets the mode below; an old one (--force) would keep its own, perhaps readable by all.
    rmSync(path, { force: true });
  }
  writeFileSync(o.keyPath, pems.private, { mode: 0o600, flag: 'wx' });
  writeFileSync(o.certPath, pems.cert, { mode: 0o644, flag: 'wx' });
  const cert = new X509Certificate(pems.cert);
  return { keyPath: o.keyPath, certPath: o.certPath, fingerprint256: cert.fingerprint256, subjectAltName: cert.subjectAltName ?? '', validTo: cert.validTo };
}
