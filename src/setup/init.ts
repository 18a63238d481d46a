import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseConfig } from '../config/load.js';
import { genkey, KeyExistsError, type GeneratedKey } from '../tls/genkey.js';

export interface InitOptions {
  /** The config file to write. */
  path: string;
  /** Extra names for the API certificate (see genkey). */
  hosts: string[];
  force: boolean;
}

export interface InitResult {
  path: string;
  apiKey: string;
  tls: GeneratedKey;
}

/**
 * `mika init`: a config file ready to serve, beside its API key pair: a new random API key in
 * api.keys, the TLS files next to the config. A config named without a folder gets bare file names
 * (relative paths are read from the working directory: a container's or unit's WorkingDirectory);
 * one in another folder gets absolute paths, which every command finds from anywhere. Everything
 * else stays at its default, so the file shows only what init chose.
 */
export async function initConfig(o: InitOptions): Promise<InitResult> {
  if (!o.force && existsSync(o.path)) throw new KeyExistsError(`${o.path} exists (pass -force to replace it; the old API key then stops working)`);
  const dir = dirname(o.path);
  const file = (name: string) => (dir === '.' ? name : resolve(dir, name));
  const apiKey = randomBytes(24).toString('base64url');
  const config = { api: { keys: [apiKey], tls_key: file('mika-api.key'), tls_cert: file('mika-api.crt') } };
  // The file written is one mika serve accepts.
  parseConfig(structuredClone(config));
  const tls = await genkey({ keyPath: config.api.tls_key, certPath: config.api.tls_cert, hosts: o.hosts, days: 365, keyType: 'ec', force: o.force });
  // It holds the API key: readable by its owner only.
  writeFileSync(o.path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { path: o.path, apiKey, tls };
}
