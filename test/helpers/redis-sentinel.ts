import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';
import { Redis } from 'ioredis';
import { hostPort } from '../../src/store/redis/connection.js';
import { REDIS_SERVER_BINARY, startRedisServer, waitForPong, type RedisServer } from './redis-server.js';
import { serverProcess, type ServerProcess } from './server-process.js';

// A master, its replica and three sentinels watching them, each on a free port in a temp dir of the
// test's own. The sentinels call the master down after 1 s of silence, so a test sees a failover
// within a few seconds of killing it.

export interface RedisSentinelSet {
  /** The master at start (a replica, or dead, after a failover). */
  readonly master: RedisServer;
  readonly replica: RedisServer;
  /** "127.0.0.1:<port>" of each sentinel. */
  readonly sentinels: string[];
  /** The master's name in the sentinels' config. */
  readonly name: string;
  /** Resolves once the replica is in sync and the first sentinel knows it and the two other sentinels (a failover can then happen). */
  ready(): Promise<void>;
  /** The port the sentinels name as master now. */
  currentMasterPort(): Promise<number>;
  /** Stops everything and removes the temp dirs. */
  destroy(): Promise<void>;
}

const NAME = 'mymaster';

export async function startRedisSentinelSet(): Promise<RedisSentinelSet> {
  // No delay before the master streams its dataset to a new replica (7.0 waits 5 s by default).
  const master = await startRedisServer({ appendonly: true, args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startRedisServer({ appendonly: true, args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const dir = mkdtempSync(join(tmpdir(), 'mika-sentinel-'));
  const procs: ServerProcess[] = [];
  const sentinels: string[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // The sentinel rewrites its config file as it learns the set: it must be writable.
      const conf = join(dir, `sentinel-${i}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${NAME} 1000`,
          `sentinel failover-timeout ${NAME} 5000`,
          `sentinel parallel-syncs ${NAME} 1`,
          `logfile ${join(dir, `sentinel-${i}.log`)}`,
          '',
        ].join('\n'),
      );
      const proc = serverProcess(REDIS_SERVER_BINARY, [conf, '--sentinel', '--loglevel', 'warning'], (p) => waitForPong(port, p));
      procs.push(proc);
      await proc.start();
      sentinels.push(`127.0.0.1:${port}`);
    }
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all([master.destroy(), replica.destroy()]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // The sentinels' replies are arrays: read them with a real client.
  const sentinel = new Redis({ ...hostPort(sentinels[0]!), lazyConnect: true, maxRetriesPerRequest: 1 });
  const ask = async (...args: string[]) => (await sentinel.call('SENTINEL', ...args)) as string[];
  return {
    master,
    replica,
    sentinels,
    name: NAME,
    async ready() {
      await eventually(async () => {
        const flat = await ask('master', NAME).catch((): string[] => []);
        const field = (name: string) => Number(flat[flat.indexOf(name) + 1] ?? 0);
        if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
        // The replica holds the master's dataset (a failover before that would promote an empty one).
        return (await replica.command('INFO', 'replication')).includes('master_link_status:up');
      }, 30_000);
    },
    async currentMasterPort() {
      const [, port] = await ask('get-master-addr-by-name', NAME);
      return Number(port);
    },
    async destroy() {
      sentinel.disconnect();
      await Promise.all(procs.map((p) => p.stop()));
      await Promise.all([master.destroy(), replica.destroy()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
