import { readFileSync } from 'node:fs';
import { clientFromConfig, type ApiClient, type ApiClientOptions } from '../api/client.js';
import type { Config } from '../config/schema.js';

/** Where `mika top` reads from: the config's API, with what the flags name instead. */
export interface TopTarget {
  url?: string | undefined;
  key?: string | undefined;
  /** Path of a PEM certificate to pin instead of api.tls_cert. */
  ca?: string | undefined;
  intervalMs: number;
}

export function topClient(config: Config, target: TopTarget): ApiClient {
  const overrides: Partial<ApiClientOptions> = {
    // A poll that hangs longer than this is a daemon that does not answer: say so, and try again.
    timeoutMs: Math.max(2000, 2 * target.intervalMs),
  };
  if (target.url !== undefined) overrides.baseUrl = target.url.replace(/\/+$/, '');
  if (target.key !== undefined) overrides.apiKey = target.key;
  if (target.ca !== undefined) {
    try {
      overrides.ca = readFileSync(target.ca);
    } catch (err) {
      throw new Error(`cannot read the certificate given with --ca: ${(err as Error).message}`, { cause: err });
    }
  }
  return clientFromConfig(config, overrides);
}
