import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ApiClient } from '../src/api/client.js';
import { parseConfig } from '../src/config/load.js';
import { silentProgress } from '../src/warmup/progress.js';
import type { WarmupReport } from '../src/warmup/report.js';
import { warmup } from '../src/warmup/warmup.js';
import { startMariaDb, type MariaDbServer } from '../test/helpers/mariadb-server.js';
import { seedSite } from '../test/helpers/site-schema.js';
import { BENCH_API_KEY } from './fixtures.js';
import { cpuSeconds, mainThreadSeconds } from './processes.js';

// The warmup figure of `npm run bench`: `mika warmup` (the same function, in the bench process)
// from a MariaDB of its own, seeded with the seed's schema, into a mika daemon on the Redis store
// (a process of its own, started by run.ts with --api-dir), through the API over TLS. Run twice: a
// fresh load, then the same rows again (nothing changes: the idempotent path).

export const WARMUP_ROWS = { whitelist: 12, users: 200_000, torrents: 100_000 };

export interface WarmupFigures {
  rows: number;
  /** Seconds MariaDB took to generate the rows (not part of the figure). */
  seedSeconds: number;
  /** The store the daemon ran on (BENCH_WARMUP_STORE). */
  store: string;
  first: WarmupReport;
  second: WarmupReport;
  /** CPU µs per row read, per process, of each run (undefined where /proc is not readable). */
  firstCpu: ProcessCpu;
  secondCpu: ProcessCpu;
  /** Of the fresh load's wall time, each main thread's share on a CPU and waiting for one. */
  firstThreads: MainThreads;
}

/** The processes whose CPU the figure counts: the daemon, its redis-server (none on the embedded store), MariaDB. */
export interface WarmupPids {
  daemon: number | undefined;
  redis: number | undefined;
  mariadbd: number | undefined;
}

/** CPU µs per row: the warmup (the bench process itself), the daemon, redis-server, mariadbd. */
export type ProcessCpu = Record<'warmup' | keyof WarmupPids, number | undefined>;

const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';
/** Items per bulk request and requests in flight (BENCH_WARMUP_BATCH, BENCH_WARMUP_IN_FLIGHT): `mika warmup`'s defaults unless set. */
const BATCH = process.env.BENCH_WARMUP_BATCH ? Number(process.env.BENCH_WARMUP_BATCH) : undefined;
const IN_FLIGHT = process.env.BENCH_WARMUP_IN_FLIGHT ? Number(process.env.BENCH_WARMUP_IN_FLIGHT) : undefined;

export function warmupSkipReason(): string | undefined {
  return existsSync(MARIADBD) ? undefined : `${MARIADBD} not found (apt install mariadb-server, or set MARIADBD)`;
}

/** A MariaDB of the bench's own with the seed's tables filled; the caller destroys it. */
export async function seededSite(): Promise<{ server: MariaDbServer; url: string; seedSeconds: number }> {
  const server = await startMariaDb();
  try {
    const started = performance.now();
    const database = await seedSite(server, 'bench', WARMUP_ROWS);
    return { server, url: server.url(database), seedSeconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await server.destroy();
    throw err;
  }
}

/** Shares of a run's wall time, per process's main thread: on a CPU, and runnable but waiting for one. */
export type MainThreads = Partial<Record<'warmup' | 'daemon' | 'redis', { run: number; wait: number }>>;

function mainThreadsNow(pids: WarmupPids): MainThreads {
  const out: MainThreads = {};
  for (const [name, pid] of [['warmup', process.pid], ['daemon', pids.daemon], ['redis', pids.redis]] as const) {
    const t = mainThreadSeconds(pid);
    if (t) out[name] = t;
  }
  return out;
}

/** User + kernel CPU seconds of each process so far (the warmup's own from process.cpuUsage). */
function cpuNow(pids: WarmupPids): Record<keyof ProcessCpu, number | undefined> {
  const own = process.cpuUsage();
  return { warmup: (own.user + own.system) / 1e6, daemon: cpuSeconds(pids.daemon), redis: cpuSeconds(pids.redis), mariadbd: cpuSeconds(pids.mariadbd) };
}

/** Two warmups from `siteUrl` into the daemon whose API is on `apiPort` (certificate `ca`), with each process's CPU per row. */
export async function benchWarmup(siteUrl: string, apiPort: number, ca: Buffer, pids: WarmupPids): Promise<Omit<WarmupFigures, 'seedSeconds' | 'store'>> {
  const api = new ApiClient({ baseUrl: `https://127.0.0.1:${apiPort}`, ca, apiKey: BENCH_API_KEY, timeoutMs: 60_000 });
  const { sql } = parseConfig({ sql: { url: siteUrl } });
  const run = async (): Promise<{ report: WarmupReport; cpu: ProcessCpu; threads: MainThreads }> => {
    const [before, threadsBefore] = [cpuNow(pids), mainThreadsNow(pids)];
    const report = await warmup({ sql, api, batchSize: BATCH, inFlight: IN_FLIGHT, prune: false, progress: silentProgress });
    const [after, threadsAfter] = [cpuNow(pids), mainThreadsNow(pids)];
    const threads: MainThreads = {};
    for (const k of ['warmup', 'daemon', 'redis'] as const) {
      const [b, a] = [threadsBefore[k], threadsAfter[k]];
      if (b && a && report.seconds > 0) threads[k] = { run: (a.run - b.run) / report.seconds, wait: (a.wait - b.wait) / report.seconds };
    }
    const rows = report.entities.reduce((n, e) => n + e.rows, 0);
    const perRow = (k: keyof ProcessCpu) => {
      const [b, a] = [before[k], after[k]];
      return b === undefined || a === undefined || rows === 0 ? undefined : ((a - b) * 1e6) / rows;
    };
    return { report, cpu: { warmup: perRow('warmup'), daemon: perRow('daemon'), redis: perRow('redis'), mariadbd: perRow('mariadbd') }, threads };
  };
  try {
    const first = await profiled(run);
    const second = await run();
    return { rows: first.report.entities.reduce((n, e) => n + e.rows, 0), first: first.report, second: second.report, firstCpu: first.cpu, secondCpu: second.cpu, firstThreads: first.threads };
  } finally {
    await api.close();
  }
}

/**
 * `fn` under the V8 profiler when BENCH_WARMUP_PROFILE names a file: the warmup process's side of
 * the fresh load (mysql2, the row readers, the request bodies), as BENCH_PROFILE gives the daemon's.
 */
async function profiled<T>(fn: () => Promise<T>): Promise<T> {
  const file = process.env.BENCH_WARMUP_PROFILE;
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** "warmup 8.1, daemon 14.0, redis 9.2, mariadbd 2.0 = 33.3 µs CPU per row" */
function cpuLine(cpu: ProcessCpu): string {
  const known = Object.entries(cpu).filter((e): e is [string, number] => e[1] !== undefined);
  if (known.length === 0) return '';
  const total = known.reduce((n, [, v]) => n + v, 0);
  return `; ${known.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} = ${total.toFixed(1)} µs CPU per row`;
}

/** "warmup 35/12 %, daemon 70/20 %, redis 45/10 % of the wall time on a CPU/waiting for one" */
function threadsLine(threads: MainThreads): string[] {
  const known = Object.entries(threads);
  if (known.length === 0) return [];
  const pct = (x: number) => Math.round(x * 100);
  return [`    main threads, on a CPU / waiting for one, % of the wall time: ${known.map(([k, t]) => `${k} ${pct(t.run)}/${pct(t.wait)}`).join(', ')}`];
}

/** The figure as the bench prints it. */
export function warmupLines(f: WarmupFigures, target: number): string[] {
  const rate = (r: WarmupReport) => `${r.rowsPerSecond.toLocaleString('en-US')} rows/s (${r.seconds.toFixed(2)} s)`;
  const { whitelist, users, torrents } = WARMUP_ROWS;
  return [
    `warmup, MariaDB → API → ${f.store} store: ${whitelist} clients + ${users.toLocaleString('en-US')} users + ${torrents.toLocaleString('en-US')} torrents (seeded in ${f.seedSeconds.toFixed(1)} s)`,
    `  first run (all written):       ${rate(f.first)}${cpuLine(f.firstCpu)}`,
    ...threadsLine(f.firstThreads),
    `  second run (nothing changed):  ${rate(f.second)}${cpuLine(f.secondCpu)}`,
    `${f.first.rowsPerSecond >= target ? 'met    ' : 'NOT met'}  warmup ≥ ${target.toLocaleString('en-US')} rows/s into the ${f.store} store: ${f.first.rowsPerSecond.toLocaleString('en-US')}`,
  ];
}
