import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Torrent, User } from '../src/store/records.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

// What a warmup's fresh load costs the Redis store, without the API and MariaDB around it: users
// and torrents put through RedisStore.putUsers / putTorrents in batches of 5,000, two in flight
// (as the bulk routes receive them), into an empty Redis each pass; prints rows/s and CPU µs per
// row of this process (the daemon's store half) and of redis-server. A diagnostic for
// docs/performance.md's Warmup section, not part of `npm run bench`:
//   npx tsx bench/put-micro.ts
// Knobs (env): BENCH_USERS (200000), BENCH_TORRENTS (100000), BENCH_PASSES (3), BENCH_BASE (a
// checkout of another tree: its RedisStore runs the same passes on the same redis-server, the two
// trees alternating, for a before/after in one run).

const USERS = Number(process.env.BENCH_USERS ?? 200_000);
const TORRENTS = Number(process.env.BENCH_TORRENTS ?? 100_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const BASE = process.env.BENCH_BASE;
const BATCH = 5000;
const IN_FLIGHT = 2;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const users: User[] = Array.from({ length: USERS }, (_, i) => ({ id: i + 1, passkey: sha1(`u${i}`), name: `user${i}`, canLeech: true, enabled: true, leechSlots: 0 }));
const torrents: Torrent[] = Array.from({ length: TORRENTS }, (_, i) => ({
  id: i + 1,
  infoHash: sha1(`t${i}`),
  name: `torrent ${i}`,
  multiUp: 1,
  multiDown: i % 10 === 0 ? 0 : 1,
  enabled: true,
  reason: '',
  size: 1_000_000 + i,
}));

type StoreClass = typeof RedisStore;
const redis = await startRedisServer();

/** Microseconds redis-server spent running scripts (INFO commandstats: evalsha and eval). */
async function scriptUsec(): Promise<number> {
  const info = await redis.command('INFO', 'commandstats');
  let total = 0;
  for (const m of info.matchAll(/cmdstat_eval(?:sha)?:calls=\d+,usec=(\d+)/g)) total += Number(m[1]);
  return total;
}

async function redisCpu(): Promise<number> {
  const info = await redis.command('INFO', 'cpu');
  let total = 0;
  for (const m of info.matchAll(/used_cpu_(?:user|sys):([\d.]+)/g)) total += Number(m[1]);
  return total;
}

/** Puts `items` in batches, IN_FLIGHT at once; copies, as the bulk route hands the store fresh records. */
async function putAll<T>(items: T[], put: (batch: T[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const from = next;
      next += BATCH;
      await put(items.slice(from, from + BATCH).map((x) => ({ ...x })));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function pass(name: string, Store: StoreClass): Promise<void> {
  await redis.flush();
  await redis.command('CONFIG', 'RESETSTAT');
  const store = new Store({ url: redis.url, keyPrefix: 'micro:' });
  await store.open();
  const [cpu0, redis0, wall0] = [process.cpuUsage(), await redisCpu(), performance.now()];
  await putAll(users, (b) => store.putUsers(b));
  await putAll(torrents, (b) => store.putTorrents(b));
  const [cpu, redisSeconds, wall] = [process.cpuUsage(cpu0), (await redisCpu()) - redis0, (performance.now() - wall0) / 1000];
  const scripts = (await scriptUsec()) / 1e6;
  await store.close();
  const rows = USERS + TORRENTS;
  const us = (seconds: number) => ((seconds * 1e6) / rows).toFixed(1);
  console.log(`${name.padEnd(30)} ${Math.round(rows / wall).toLocaleString('en-US').padStart(8)} rows/s   store process ${us((cpu.user + cpu.system) / 1e6)} µs/row   redis-server ${us(redisSeconds)} µs/row (in scripts ${us(scripts)})`);
}

const sides: Array<[string, StoreClass]> = [['this tree', RedisStore]];
if (BASE) sides.unshift([`base ${BASE}`, (await import(resolve(BASE, 'src/store/redis/redis-store.ts'))).RedisStore as StoreClass]);
try {
  console.log(`${USERS} users + ${TORRENTS} torrents per pass, batches of ${BATCH}, ${IN_FLIGHT} in flight`);
  for (let i = 0; i < PASSES; i++) for (const [name, Store] of sides) await pass(name, Store);
} finally {
  await redis.destroy();
}
