import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';

/** Days before expiry from which health, metrics and `mika top` warn. */
export const EXPIRY_WARNING_DAYS = 30;

/** The API's key and certificate as read from their files, checked to be usable together. */
export interface ApiTls {
  key: Buffer;
  cert: Buffer;
  expiresAt: Date;
  fingerprint256: string;
}

function readPem(field: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError(field, `cannot read ${path}: ${why} (run mika genkey, or set api.enabled false to run without the API)`);
  }
}

/**
 * Reads api.tls_key and api.tls_cert and checks them: a PEM private key, a PEM certificate, the two
 * a pair. Every failure is a ConfigError naming the field and the file.
 */
export function readApiTls(api: { tls_key: string; tls_cert: string }): ApiTls {
  const cert = readPem('api.tls_cert', api.tls_cert);
  const key = readPem('api.tls_key', api.tls_key);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError('api.tls_cert', `${api.tls_cert} is not a PEM certificate (${(err as Error).message}; mika genkey writes one)`);
  }
  try {
    createPrivateKey(key);
  } catch (err) {
    throw new ConfigError('api.tls_key', `${api.tls_key} is not a PEM private key (${(err as Error).message}; mika genkey writes one)`);
  }
  try {
    createSecureContext({ key, cert });
  } catch (err) {
    throw new ConfigError('api.tls_key', `${api.tls_key} does not go with the certificate ${api.tls_cert} (${(err as Error).message}; mika genkey --force writes a new pair)`);
  }
  return { key, cert, expiresAt: new Date(x509.validTo), fingerprint256: x509.fingerprint256 };
}

/** What health, stats and top say about the API certificate. */
export interface CertificateView {
  expires_at: string;
  days_left: number;
  /** True under EXPIRY_WARNING_DAYS days: renew it (docs/operations.md). */
  expiring: boolean;
}

export function certificateView(tls: ApiTls, now = Date.now()): CertificateView {
  const days = Math.floor((tls.expiresAt.getTime() - now) / 86_400_000);
  return { expires_at: tls.expiresAt.toISOString(), days_left: days, expiring: days < EXPIRY_WARNING_DAYS };
}
