import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { runWrk, spawnServer, stop, sumFailures, type ServerProcess } from './processes.js';

// The scale-out figures of `npm run bench` (target `scale-out`): announces/s of one and of two mika
// processes on one redis-server, and on a 3-master Redis Cluster, all on this machine. wrk drives
// each mika process with its own share of the connections (-t1, half of them each when there are
// two), the same announce.lua load; the figure is the sum. Every server it starts (redis-server and
// the cluster's three, from the test helpers; the mika processes) is stopped before it returns. Keep-alive only.

export interface ScaleOutRow {
  redis: 'one redis-server' | 'cluster (3 masters)';
  instances: 1 | 2;
  rps: number;
  /** Worst p99 over the wrk processes, ms. */
  p99Ms: number;
  /** Announces the instances answered with a `failure reason` (HTTP 200, invisible to wrk). */
  failures: number;
}

interface Opts {
  dir: string;
  fixtures: string;
  seconds: number;
  warmup: number;
  connections: number;
}

/** Runs the four scale-out cases; rows in the order one/two on one Redis, one/two on the cluster. */
export async function benchScaleOut(o: Opts): Promise<ScaleOutRow[]> {
  const rows: ScaleOutRow[] = [];
  const single = await startRedisServer();
  try {
    for (const instances of [1, 2] as const) {
      await single.flush();
      rows.push({ redis: 'one redis-server', instances, ...(await drive(o, instances, ['--redis-url', single.url])) });
    }
  } finally {
    await single.destroy();
  }
  const cluster = await startRedisCluster();
  try {
    for (const instances of [1, 2] as const) {
      await cluster.flush();
      rows.push({ redis: 'cluster (3 masters)', instances, ...(await drive(o, instances, ['--redis-nodes', cluster.seeds.join(',')])) });
    }
  } finally {
    await cluster.destroy();
  }
  return rows;
}

/** The rows as lines for the console and as a markdown table for docs/performance.md. */
export function scaleOutLines(rows: ScaleOutRow[]): string[] {
  const base = (r: ScaleOutRow) => rows.find((b) => b.instances === 1 && b.redis === 'one redis-server')?.rps ?? r.rps;
  return [
    '',
    'Scale-out (keep-alive, wrk split over the instances):',
    '',
    '| Redis | mika instances | req/s | × one instance on one Redis | p99 ms | failure replies |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.redis} | ${r.instances} | ${Math.round(r.rps).toLocaleString('en-US')} | ${(r.rps / base(r)).toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.failures} |`),
  ];
}

async function drive(o: Opts, instances: 1 | 2, storeArgs: string[]): Promise<{ rps: number; p99Ms: number; failures: number }> {
  const servers: ServerProcess[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < instances; i++) {
      const { server, port } = await spawnServer(`mika-${i + 1}`, 'bench/mika-server.ts', ['--store', 'redis', ...storeArgs]);
      servers.push(server);
      ports.push(port);
    }
    const per = Math.max(1, Math.floor(o.connections / instances));
    // Each wrk process its own thread number, hence its own peers: one peer never announces through
    // two instances at once (a real client's announces are minutes apart).
    const wrk = (port: number, i: number, seconds: number) =>
      runWrk({ port, seconds, mode: 'keep-alive', threads: 1, connections: per, script: 'bench/announce.lua', env: { BENCH_FIXTURES: o.fixtures, BENCH_THREAD_BASE: String(i) } });
    await Promise.all(ports.map((p, i) => wrk(p, i, o.warmup)));
    const results = await Promise.all(ports.map((p, i) => wrk(p, i, o.seconds)));
    const failures = (await Promise.all(servers.map((s) => s.counters()))).reduce((n, c) => n + sumFailures(c), 0);
    return { rps: results.reduce((n, r) => n + r.rps, 0), p99Ms: Math.max(...results.map((r) => r.p99 / 1000)), failures };
  } finally {
    await Promise.all(servers.map((s) => stop(s.child)));
  }
}
