import { afterAll, beforeAll, beforeEach } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from './eventually.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

// A 3-master Redis Cluster of the test's own: three redis-servers in cluster mode on free ports in
// temp dirs, joined by `redis-cli --cluster create` (16384 slots split three ways, no replicas).

export interface RedisCluster {
  readonly nodes: RedisServer[];
  /** "127.0.0.1:<port>" of each node: the seed list for store.redis.nodes. */
  readonly seeds: string[];
  /** FLUSHALL on every node. */
  flush(): Promise<void>;
  /** Stops every node and removes their dirs. */
  destroy(): Promise<void>;
}

const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // nodes.conf is written in the server's --dir.
      nodes.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const seeds = nodes.map((n) => `127.0.0.1:${n.port}`);
    await promisify(execFile)(REDIS_CLI, ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await eventually(async () => {
      const infos = await Promise.all(nodes.map((n) => n.command('CLUSTER', 'INFO')));
      return infos.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_assigned:16384'));
    }, 30_000);
    return {
      nodes,
      seeds,
      async flush() {
        await Promise.all(nodes.map((n) => n.flush()));
      },
      async destroy() {
        await Promise.all(nodes.map((n) => n.destroy()));
      },
    };
  } catch (err) {
    await Promise.all(nodes.map((n) => n.destroy()));
    throw err;
  }
}

/**
 * A Redis Cluster for the calling test file: started before its tests, flushed before each one,
 * removed after them. Read it through the getter.
 */
export function useRedisCluster(): () => RedisCluster {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  beforeEach(async () => {
    await cluster!.flush();
  });
  return () => cluster!;
}
