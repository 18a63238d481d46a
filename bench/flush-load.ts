import { startMariaDb } from '../test/helpers/mariadb-server.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { documentedSchema, siteMapping } from '../test/flush/site-docs.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWrk, runWrkMeasured, spawnServer, stop, sumFailures, type ServerProcess } from './processes.js';

// The SQL flush under load (target `flush` of `npm run bench`): mika with the flush on, the site
// rows too (history, peers, snatches into mika's default tables, made from docs/operations.md's
// statements, on a MariaDB of the bench's own), driven by the same announce.lua load as the other
// targets, and the same store without the flush and with the flush of the stats alone in the same
// run for the A/B; mika's and MariaDB's CPU per announce say where the time goes on a loaded
// machine, where req/s mostly says what else ran. While wrk runs, the
// batches pending in the store are sampled every second: if the flush keeps up they stay at 0 or 1
// (one batch between its prepare and its commit); if it fell behind they would grow. After the
// load the flush is given time to catch up, then the site's peers table is compared with the swarms.

export type FlushStore = 'memory' | 'redis';
/** off: no flush; stats: per-user and per-torrent rows only; site: the history, peers and snatches too. */
export type FlushMode = 'off' | 'stats' | 'site';

export interface FlushRow {
  store: FlushStore;
  mode: FlushMode;
  rps: number;
  /** CPU µs per announce answered: mika's process, MariaDB's. */
  mikaCpu?: number | undefined;
  mariadbCpu?: number | undefined;
  p99Ms: number;
  failures: number;
  /** Pending batches: most seen while wrk ran, and at its end. */
  pendingMax?: number | undefined;
  pendingAtEnd?: number | undefined;
  /** Seconds after the load until nothing was pending and the peers table matched the swarms. */
  drainSeconds?: number | undefined;
  /** Rows of the site tables after the drain, and the peers the store holds. */
  peerRows?: number | undefined;
  swarmPeers?: number | undefined;
  historyRows?: number | undefined;
  batches?: number | undefined;
}

interface Opts {
  dir: string;
  fixtures: string;
  seconds: number;
  warmup: number;
  threads: number;
  connections: number;
  stores: FlushStore[];
}

export async function benchFlush(o: Opts): Promise<FlushRow[]> {
  const rows: FlushRow[] = [];
  const mariadb = await startMariaDb();
  const redis = o.stores.includes('redis') ? await startRedisServer() : undefined;
  try {
    for (const store of o.stores) {
      for (const mode of ['off', 'stats', 'site'] as const) {
        await redis?.flush();
        const database = await mariadb.createDatabase(`flush_${store}_${mode}`);
        const db = await mariadb.connect(database);
        await db.query(documentedSchema());
        await db.query(siteMapping('').schema);
        await db.end();
        const flushArgs = mode === 'off' ? [] : ['--flush-url', mariadb.url(database), ...(mode === 'stats' ? ['--flush-stats-only'] : [])];
        const args = ['--store', store, ...(store === 'redis' ? ['--redis-url', redis!.url] : []), ...flushArgs];
        const { server, port } = await spawnServer(`mika-${store}-${mode}`, 'bench/mika-server.ts', args);
        const mariadbPid = Number(readFileSync(join(mariadb.dir, 'mysqld.pid'), 'utf8'));
        try {
          rows.push({ store, mode, ...(await drive(o, server, port, mode, [server.child.pid, mariadbPid], () => mariadb.connect(database))) });
        } finally {
          await stop(server.child);
        }
      }
    }
  } finally {
    await redis?.destroy();
    await mariadb.destroy();
  }
  return rows;
}

type Query = () => Promise<{ query(sql: string): Promise<unknown>; end(): Promise<void> }>;

async function count(connect: Query, sql: string): Promise<number> {
  const c = await connect();
  try {
    const [rows] = (await c.query(sql)) as [Array<{ n: number | string }>];
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

async function drive(o: Opts, server: ServerProcess, port: number, mode: FlushMode, pids: Array<number | undefined>, connect: Query): Promise<Omit<FlushRow, 'store' | 'mode'>> {
  const flush = mode !== 'off';
  const run = (seconds: number) => ({ port, seconds, mode: 'keep-alive' as const, threads: o.threads, connections: o.connections, script: 'bench/announce.lua', env: { BENCH_FIXTURES: o.fixtures } });
  const wrk = (seconds: number) => runWrk(run(seconds));
  const pending = async () => (await server.ask('flush', 'flush')).flush as { pending: number | null };
  await wrk(o.warmup);
  const before = sumFailures(await server.counters());
  const samples: number[] = [];
  let sampling = flush;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 1000));
      if (sampling) samples.push((await pending()).pending ?? Number.NaN);
    }
  })();
  const { result, cpuPerRequest } = await runWrkMeasured(run(o.seconds), pids);
  sampling = false;
  await sampler;
  const failures = sumFailures(await server.counters()) - before;
  const base = { rps: result.rps, mikaCpu: cpuPerRequest[0], mariadbCpu: cpuPerRequest[1], p99Ms: result.p99 / 1000, failures };
  if (!flush) return base;

  // The load is over: how long until nothing is pending and the peers table holds every peer.
  const stopped = performance.now();
  const swarmPeers = async () => {
    const c = (await server.ask('swarm', 'swarm')).swarm as { peers: number };
    return c.peers;
  };
  let peerRows = 0;
  let peers = 0;
  for (let i = 0; i < 120; i++) {
    const p = (await pending()).pending;
    peerRows = await count(connect, 'SELECT COUNT(*) AS n FROM mika_peers');
    peers = await swarmPeers();
    if (p === 0 && (mode === 'stats' || peerRows === peers)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    ...base,
    pendingMax: Math.max(0, ...samples),
    pendingAtEnd: samples.at(-1),
    drainSeconds: (performance.now() - stopped) / 1000,
    peerRows,
    swarmPeers: peers,
    historyRows: await count(connect, 'SELECT COUNT(*) AS n FROM mika_history'),
    batches: await count(connect, 'SELECT COUNT(*) AS n FROM mika_flush_log'),
  };
}

/** The rows as lines for the console and a markdown table for docs/performance.md. */
export function flushLines(rows: FlushRow[]): string[] {
  const off = (r: FlushRow) => rows.find((b) => b.store === r.store && b.mode === 'off')?.rps ?? r.rps;
  const n = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
  const label = { off: 'off', stats: 'stats only', site: 'stats + history, peers, snatches' };
  return [
    '',
    'SQL flush under load (keep-alive, interval 3 s; pending batches sampled every second while wrk ran):',
    '',
    '| store | flush | req/s | × flush off | mika CPU µs/req | MariaDB CPU µs/req | p99 ms | failure replies | pending batches (max / at end) | drain after load, s | peers rows / swarm peers | history rows | batches |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const head = `| ${r.store} | ${label[r.mode]} | ${n(r.rps)} | ${(r.rps / off(r)).toFixed(2)} | ${n(r.mikaCpu)} | ${n(r.mariadbCpu)} | ${r.p99Ms.toFixed(2)} | ${r.failures} |`;
      if (r.mode === 'off') return `${head} | | | | |`;
      const peers = r.mode === 'site' ? `${n(r.peerRows)} / ${n(r.swarmPeers)}` : '';
      return `${head} ${r.pendingMax} / ${r.pendingAtEnd ?? '–'} | ${r.drainSeconds?.toFixed(1)} | ${peers} | ${r.mode === 'site' ? n(r.historyRows) : ''} | ${n(r.batches)} |`;
    }),
  ];
}
