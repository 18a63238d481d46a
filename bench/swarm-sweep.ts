import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSwarmPaths } from './fixtures.js';
import { redisInfo, runWrk, runWrkMeasured, spawnServer, startRedis, stop, sumFailures, type WrkResult } from './processes.js';
import { announceOnce, compactPeers } from './sanity-announce.js';

// The swarm-size sweep of `npm run bench`: does an announce cost the same in a swarm of 10 peers as
// in one of 100,000? For each store, one mika server; its sweep torrent is grown to each size in
// turn (`fill N`, through the store, bench/mika-server.ts), then wrk replays re-announces of peers
// the swarm holds, numwant 50 (bench/swarm.lua), keep-alive. On the Redis store, INFO memory before
// the first fill and after the largest gives Redis memory per peer; on the others mika's heap
// (after a GC) and, on the embedded store, its data file's size give the same per peer.

export type SweepStore = 'memory' | 'embedded' | 'redis';

export interface SweepOptions {
  dir: string;
  stores: SweepStore[];
  sizes: number[];
  seconds: number;
  warmup: number;
  threads: number;
  connections: number;
}

export interface SweepRow {
  store: SweepStore;
  size: number;
  fillSeconds: number;
  /** Peers in the reply to one announce of the replayed set (a leecher's, so seeders count too). */
  replyPeers: number;
  result: WrkResult;
  failures: number;
  /** CPU time per request of mika and of redis-server, µs (undefined without /proc, or no Redis). */
  mikaCpu: number | undefined;
  redisCpu: number | undefined;
}

export interface RedisMemory {
  before: number;
  after: number;
  peers: number;
}

/** mika's own heap and (embedded store) its data file before the first fill and with the largest swarm. */
export interface ProcessMemory {
  store: SweepStore;
  heapBefore: number;
  heapAfter: number;
  dataBefore: number;
  dataAfter: number;
  peers: number;
}

interface MemoryFigures {
  heapUsed: number;
  dataBytes: number;
}

export async function benchSweep(o: SweepOptions): Promise<{ rows: SweepRow[]; memory?: RedisMemory; processMemory: ProcessMemory[] }> {
  const rows: SweepRow[] = [];
  let memory: RedisMemory | undefined;
  const processMemory: ProcessMemory[] = [];
  const sizes = [...o.sizes].sort((a, b) => a - b);
  for (const store of o.stores) {
    const redis = store === 'redis' ? await startRedis(o.dir) : undefined;
    try {
      const data = store === 'embedded' ? ['--data-dir', join(o.dir, 'sweep-embedded-data')] : [];
      const { server, port } = await spawnServer(`sweep ${store}`, 'bench/mika-server.ts', ['--store', store, ...data, ...(redis ? ['--redis-url', redis.url] : [])], ['--expose-gc']);
      const own = async () => (await server.ask('memory', 'memory')).memory as MemoryFigures;
      try {
        const before = redis ? await redisInfo(redis.port, 'memory', 'used_memory') : 0;
        const ownBefore = redis ? undefined : await own();
        for (const size of sizes) {
          process.stderr.write(`sweep ${store}: filling the swarm to ${size.toLocaleString('en-US')} peers\n`);
          const filled = await server.ask(`fill ${size}`, 'filled', 300_000);
          if (filled.peers !== size) throw new Error(`sweep ${store}: the swarm holds ${String(filled.peers)} peers after filling to ${size}`);
          if (redis && size === sizes.at(-1)) memory = { before, after: await redisInfo(redis.port, 'memory', 'used_memory'), peers: size };
          if (ownBefore && size === sizes.at(-1)) {
            const after = await own();
            processMemory.push({ store, heapBefore: ownBefore.heapUsed, heapAfter: after.heapUsed, dataBefore: ownBefore.dataBytes, dataAfter: after.dataBytes, peers: size });
          }
          const paths = join(o.dir, `swarm-${size}.txt`);
          writeSwarmPaths(paths, size);
          // A leecher's announce (a seeder is shown leechers only): how many peers a reply lists.
          const lines = readFileSync(paths, 'latin1').split('\n');
          const leecher = lines.find((l) => l !== '' && !l.includes('&left=0&')) ?? lines[0]!;
          const replyPeers = compactPeers(await announceOnce(port, leecher));
          const wrk = { port, mode: 'keep-alive' as const, threads: o.threads, connections: o.connections, script: 'bench/swarm.lua', env: { BENCH_PATHS: paths } };
          await runWrk({ ...wrk, seconds: o.warmup });
          const c0 = await server.counters();
          process.stderr.write(`sweep ${store}: ${size.toLocaleString('en-US')} peers, ${o.seconds} s\n`);
          const { result, cpuPerRequest } = await runWrkMeasured({ ...wrk, seconds: o.seconds }, [server.child.pid, redis?.child.pid]);
          const failures = sumFailures(await server.counters()) - sumFailures(c0);
          const [mikaCpu, redisCpu] = cpuPerRequest;
          rows.push({ store, size, fillSeconds: filled.seconds as number, replyPeers, result, failures, mikaCpu, redisCpu: redis ? redisCpu : undefined });
        }
      } finally {
        await stop(server.child);
      }
    } finally {
      if (redis) await stop(redis.child);
    }
  }
  return { rows, memory, processMemory };
}

const ms = (us: number) => (us / 1000).toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const cpu = (us: number | undefined) => (us === undefined ? '–' : us.toFixed(0));

export const SWEEP_HEAD = ['store', 'peers in swarm', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'mika CPU µs/req', 'Redis CPU µs/req', 'peers per reply', 'fill s', 'non-2xx', 'failure replies'];

export function sweepCells(rows: SweepRow[]): string[][] {
  return rows.map((r) => [
    `mika (${r.store})`,
    int(r.size),
    int(r.result.rps),
    ms(r.result.p50),
    ms(r.result.p90),
    ms(r.result.p99),
    cpu(r.mikaCpu),
    cpu(r.redisCpu),
    String(r.replyPeers),
    r.fillSeconds.toFixed(1),
    String(r.result.errors.status),
    String(r.failures),
  ]);
}

export function processMemoryLine(m: ProcessMemory): string {
  const per = (a: number, b: number) => int((b - a) / m.peers);
  const data = m.store === 'embedded' ? `; data file ${per(m.dataBefore, m.dataAfter)} bytes per peer (${(m.dataAfter / 1048576).toFixed(1)} MB)` : '';
  return `mika (${m.store}) with ${int(m.peers)} peers in the swarm: heap ${per(m.heapBefore, m.heapAfter)} bytes per peer${data}`;
}

export function memoryLine(m: RedisMemory): string {
  const mb = (b: number) => (b / 1048576).toFixed(1);
  return `Redis used_memory: ${mb(m.before)} MB before the sweep, ${mb(m.after)} MB with ${int(m.peers)} peers in the swarm: ${int((m.after - m.before) / m.peers)} bytes per peer`;
}
