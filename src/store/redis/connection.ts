import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { VAR_SCRIPTS } from './scripts.js';

// Opens the store's connections to the Redis the config names: one server, the master a set of
// Sentinels names, or a Redis Cluster. Every kind keeps the store's rule that a command whose reply
// was lost is never sent again (a resent announce would count twice).

/** Which Redis: config store.redis (mode, url, nodes, sentinels). */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; url: string; sentinels: string[]; name: string; sentinelPassword?: string | undefined }
  | { mode: 'cluster'; nodes: string[] };

/** Reconnect backoff: 100 ms, 200 ms, … capped at 2 s, forever. */
export const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2000);

/** "host:port" or "[v6]:port" as ioredis takes a node. */
export function hostPort(s: string): { host: string; port: number } {
  const at = s.lastIndexOf(':');
  return { host: s.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(at + 1)) };
}

/** The username and password a redis:// URL carries, decoded; empty when it has none. */
function urlCredentials(url: string): { username?: string; password?: string } {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * The URL without its credentials when `options` has a password (store.redis.password), and the
 * credentials to connect with: the configured password wins over the URL's, as docs/config.md says.
 * ioredis itself lets the URL win (it fills only what the URL left out from the options).
 */
function passwordWins(url: string, options: RedisOptions): { url: string; credentials: { username?: string } } {
  if (!options.password) return { url, credentials: {} };
  const { username } = urlCredentials(url);
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return { url: bare.toString(), credentials: username ? { username } : {} };
}

/**
 * A connection to `target` with the store's `options`. A Cluster is returned typed as a Redis: the
 * store calls only commands both have, on keys of one slot per command (docs/redis-keys.md).
 */
export function openConnection(target: RedisTarget, options: RedisOptions): Redis {
  switch (target.mode) {
    case 'standalone': {
      const { url, credentials } = passwordWins(target.url, options);
      return new Redis(url, { ...options, ...credentials });
    }
    case 'sentinel':
      return new Redis({
        ...options,
        // The URL gives the scheme, and the master's credentials when store.redis.password does not.
        ...(options.password ? {} : urlCredentials(target.url)),
        ...(target.url.startsWith('rediss:') ? { tls: {} } : {}),
        sentinels: target.sentinels.map(hostPort),
        name: target.name,
        role: 'master',
        ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
        sentinelRetryStrategy: retryStrategy,
        // A master demoted to replica answers writes with READONLY: reconnect (asking the sentinels
        // again) and fail the command (1, not 2: a command is never resent). A dead master closes
        // the link, and the reconnect asks them too. No failoverDetector: its disconnect on
        // +switch-master, landing amid a reconnect after the master died, ended the connection
        // for good in the failover test.
        reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
      });
    case 'cluster': {
      // A cluster has database 0 only (no SELECT).
      const { lazyConnect, connectionName, db: _db, ...node } = options;
      return new Cluster(target.nodes.map(hostPort), {
        lazyConnect,
        enableOfflineQueue: false,
        clusterRetryStrategy: retryStrategy,
        // ioredis resends a command whose connection closed after this delay; it may have run, so
        // never (MOVED, ASK, TRYAGAIN and CLUSTERDOWN replies, which mean "not run", are still followed).
        retryDelayOnFailover: 0,
        slotsRefreshTimeout: 2000,
        scaleReads: 'master',
        // Commands sent in one tick go to each node as one write: the cluster store's batches span
        // nodes, which an ioredis pipeline may not.
        enableAutoPipelining: true,
        // ioredis 5.11 drops the command name of callBuffer() when it auto-pipelines it (peers()
        // sends HGETALL that way for the raw binary reply), and routes a -var script by its first
        // argument, the key count, instead of its first key.
        autoPipeliningIgnoredCommands: ['HGETALL', ...VAR_SCRIPTS],
        redisOptions: { ...node, ...(connectionName ? { connectionName } : {}) },
      }) as unknown as Redis;
    }
  }
}

/**
 * Connects every master node of a cluster connection and waits until they are all ready, at most
 * `ms`. ioredis opens a node's connection on its first command, which (offline queue off) fails
 * while it connects: the store opens them all before it serves.
 */
export async function mastersReady(conn: Redis, ms: number): Promise<void> {
  const cluster = conn as unknown as Cluster;
  const deadline = Date.now() + ms;
  for (const n of cluster.nodes('master')) if (n.status === 'wait') n.connect().catch(() => undefined);
  while (!cluster.nodes('master').every((n) => n.status === 'ready')) {
    if (Date.now() > deadline) throw new Error('redis cluster: not every master node connected');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether every master of the cluster holds no key at all (a new cluster: nothing to look through). */
export async function mastersEmpty(conn: Redis): Promise<boolean> {
  const sizes = await Promise.all((conn as unknown as Cluster).nodes('master').map((n) => n.dbsize()));
  return sizes.every((n) => n === 0);
}
