import type { AddressInfo } from 'node:net';
import { clientFromConfig } from '../api/client.js';
import type { Config } from '../config/schema.js';
import { silentProgress } from '../warmup/progress.js';
import { warmup } from '../warmup/warmup.js';
import type { Logger } from './logger.js';

/**
 * store.auto_warmup: `mika warmup` run by the daemon on itself, the same code through its own API
 * (bound at `api`), so what it loads and refuses is what the command would.
 */
export function autoWarmup(config: () => Config, api: AddressInfo, logger: Logger): () => Promise<void> {
  return async () => {
    const c = config();
    const any = api.address === '::' || api.address === '0.0.0.0';
    const host = any ? (api.family === 'IPv6' ? '::1' : '127.0.0.1') : api.address;
    const client = clientFromConfig(c, { baseUrl: `https://${host.includes(':') ? `[${host}]` : host}:${api.port}` });
    try {
      const report = await warmup({ sql: c.sql, api: client, prune: false, progress: silentProgress });
      const written = Object.fromEntries(report.entities.map((e) => [e.kind, e.written]));
      logger.info({ written, seconds: report.seconds }, 'automatic warmup: registry reloaded from the site database (store.auto_warmup)');
    } finally {
      await client.close();
    }
  };
}
