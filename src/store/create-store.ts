import type { StoreConfig } from '../config/schema.js';
import { MemoryStore } from './memory/memory-store.js';
import type { Store } from './store.js';

export interface StoreLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

/**
 * The store the config names. The embedded store (and lmdb) and the Redis store (and ioredis) are
 * loaded only when asked for. `flush` (config sql.flush.enabled) makes it track changes for the SQL
 * flush, `flushCheats` (a sql.flush.cheats.table too) cheat events for it, `flushSite` (a history,
 * peers or snatches table) the peers and ledgers for the site rows.
 */
export async function createStore(config: StoreConfig, logger: StoreLogger, opts: { flush?: boolean; flushCheats?: boolean; flushSite?: boolean } = {}): Promise<Store> {
  if (config.type === 'memory') return new MemoryStore(opts);
  if (config.type === 'embedded') {
    // lmdb (a native module) is loaded only when the embedded store is asked for.
    const { EmbeddedStore } = await import('./embedded/embedded-store.js');
    return new EmbeddedStore({ path: config.path, flush: opts.flush, flushCheats: opts.flushCheats, flushSite: opts.flushSite });
  }
  const r = config.redis;
  const { RedisStore } = await import('./redis/redis-store.js');
  // A cluster needs scripts and batches that stay within one hash slot each (docs/redis-keys.md).
  const Store = r.mode === 'cluster' ? (await import('./redis/redis-cluster-store.js')).RedisClusterStore : RedisStore;
  return new Store({
    url: r.url,
    mode: r.mode,
    nodes: r.nodes,
    sentinels: r.sentinels,
    sentinelName: r.sentinel_name,
    sentinelPassword: r.sentinel_password || undefined,
    password: r.password || undefined,
    db: r.db,
    keyPrefix: r.key_prefix,
    logger,
    flush: opts.flush,
    flushCheats: opts.flushCheats,
    flushSite: opts.flushSite,
  });
}
