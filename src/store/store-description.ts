import { resolve } from 'node:path';
import type { StoreConfig } from '../config/schema.js';
import { DATA_FILE } from './embedded/layout.js';

/** What `mika serve` says at start-up about its store: which one, where its data lives, whether it survives a restart. */
export interface StoreDescription {
  store: StoreConfig['type'];
  data: string;
  durable: boolean;
  /** One line for the log. */
  line: string;
}

/** The URL without its password: the start-up line goes to logs. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export function describeStore(config: StoreConfig): StoreDescription {
  if (config.type === 'embedded') {
    const data = resolve(config.path, DATA_FILE);
    return { store: 'embedded', data, durable: true, line: `store: embedded, data in ${data}, durable: every change is on disk before its reply` };
  }
  if (config.type === 'memory') {
    return {
      store: 'memory',
      data: 'this process',
      durable: false,
      line: 'store: memory, keeps nothing: users, torrents and every ledger are lost when mika stops (store.type "embedded" keeps them)',
    };
  }
  const r = config.redis;
  const data = r.mode === 'cluster' ? `redis cluster ${r.nodes.join(',')}` : r.mode === 'sentinel' ? `redis master "${r.sentinel_name}" via sentinels ${r.sentinels.join(',')}` : redacted(r.url);
  return { store: 'redis', data, durable: true, line: `store: redis, data in ${data}, durable as far as that Redis persists (appendonly: docs/operations.md)` };
}
