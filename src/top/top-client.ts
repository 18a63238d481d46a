import { readFileSync } from 'node:fs';
import { clientFromConfig, type ApiClient, type ApiClientOptions } from '../api/client.js';
import { explainApiError } from '../cli/with-api.js';
import type { Config } from '../config/schema.js';
import type { TopSource } from './top-feed.js';

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

/** The calls `mika top` makes, their failures read as in every other command that calls the API. */
export function explainedSource(client: ApiClient): TopSource {
  const explained =
    <A extends unknown[], R>(call: (...a: A) => Promise<R>) =>
    (...a: A) =>
      call(...a).catch((err: unknown) => Promise.reject(explainApiError(err)));
  return { stats: explained(client.stats), version: explained(client.version), activeTorrents: explained(client.activeTorrents) };
}
