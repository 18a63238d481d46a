import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { summariseProfile } from './cpu-profile.js';
import { writeFixtureFile } from './fixtures.js';
import { opentrackerSkipReason, startOpentracker } from './opentracker.js';
import { pids, removeTempDir, ROOT, runWrk, runWrkMeasured, spawnServer, startRedis, stop, sumFailures, tempDir, type Counters, type Mode, type WrkResult } from './processes.js';
import { sanityAnnounce } from './sanity-announce.js';
import { mergeSlices, roundOrder, roundRatios, type Slice } from './slices.js';
import { benchFlush, flushLines, type FlushStore } from './flush-load.js';
import { benchScaleOut, scaleOutLines } from './scale-out.js';
import { benchSweep, memoryLine, processMemoryLine, SWEEP_HEAD, sweepCells, type ProcessMemory, type SweepRow, type SweepStore, type RedisMemory } from './swarm-sweep.js';
import { benchWarmup, seededSite, warmupLines, warmupSkipReason, type WarmupFigures } from './warmup.js';

// `npm run bench`: a bare node:http server, mika on the memory, embedded and Redis stores, the npm
// bittorrent-tracker server and Debian's opentracker, each driven by wrk with the same announce load
// (announce.lua; mika gets `/<passkey>/announce`, the others `/announce`), keep-alive then
// `Connection: close`. Prints req/s, p50/p90/p99 and the ratios to mika (memory) and to the bare
// server, then the same table as markdown for docs/performance.md; the embedded store's durable
// write is stated as announces per commit (one fsync each) and its CPU beside the memory store's.
// Then the swarm-size sweep (bench/swarm-sweep.ts: announce latency in one torrent of 10 … 100,000
// peers, mika on every store, and memory per peer: Redis's, mika's heap, the embedded data file), then the warmup figure: rows/s from a MariaDB of its own into mika on
// the Redis store through the API (bench/warmup.ts). Loopback only; every process it starts
// (servers, redis-server, opentracker, mariadbd) it stops.
//
// Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_THREADS (2),
// BENCH_TARGETS (bare,memory,embedded,redis,bittorrent-tracker,opentracker,sweep,warmup,scale-out: one and
// two mika processes on one Redis and on a 3-master Redis Cluster, bench/scale-out.ts; flush: the SQL
// flush with the site rows on under load, pending batches sampled, bench/flush-load.ts; not in the
// default list, it needs MariaDB), BENCH_SWEEP_SIZES
// (10,1000,10000,100000), BENCH_SWEEP_STORES (memory,embedded,redis: any subset), BENCH_WARMUP_STORE (redis or embedded), BENCH_WARMUP_BATCH / BENCH_WARMUP_IN_FLIGHT / BENCH_WARMUP_PROFILE (bench/warmup.ts), BENCH_SWEEP_DURATION (s, 3), BENCH_PROFILE=1 (run mika under --cpu-prof and
// print where the time goes; figures are then lower than without it), BENCH_PROFILE_KEEP (a folder: the
// .cpuprofile files are copied there before the bench's temp folder goes, for a closer look),
// BENCH_THREADS=1 (after each measured run, each busy thread's share of a CPU: mika's main thread
// against libuv's pool, lmdb-js's writer and V8's GC), BENCH_ROUNDS (1: each target runs alone, one
// after the other; N > 1: the table's targets all run at once and each mode's measured run is cut
// into N slices of BENCH_DURATION / N seconds (at least 2) that alternate between the targets, the
// order rotated every round, so that this machine's drift over the minutes moves them alike; the
// rows merge the slices (bench/slices.ts) and a line gives each round's ratios).

const env = process.env;
const DURATION = positive('BENCH_DURATION', 10);
const WARMUP = positive('BENCH_WARMUP', 2);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const THREADS = positive('BENCH_THREADS', 2);
const SWEEP_DURATION = positive('BENCH_SWEEP_DURATION', 3);
const ROUNDS = positive('BENCH_ROUNDS', 1);
const WARMUP_STORE = (env.BENCH_WARMUP_STORE ?? 'redis') as 'redis' | 'embedded';
if (WARMUP_STORE !== 'redis' && WARMUP_STORE !== 'embedded') throw new Error(`BENCH_WARMUP_STORE must be redis or embedded, got "${WARMUP_STORE}"`);
const SWEEP_SIZES = (env.BENCH_SWEEP_SIZES ?? '10,1000,10000,100000').split(',').map((n) => Number(n.trim()));
const TARGETS = (env.BENCH_TARGETS ?? 'bare,memory,embedded,redis,bittorrent-tracker,opentracker,sweep,warmup,scale-out').split(',').map((t) => t.trim());
const PROFILE = env.BENCH_PROFILE === '1';
const WRK = env.WRK ?? 'wrk';
const REDIS_SERVER = env.REDIS_SERVER ?? '/usr/bin/redis-server';
const TARGETS_MET = { memory: 0.75, redis: 0.45, p99Ms: 10, warmupRowsPerSecond: 100_000, embeddedVsMemory: 0.8 };

type Target = 'bare' | 'memory' | 'embedded' | 'redis' | 'bittorrent-tracker' | 'opentracker';
const KNOWN: readonly string[] = ['bare', 'memory', 'embedded', 'redis', 'bittorrent-tracker', 'opentracker', 'sweep', 'warmup', 'scale-out', 'flush'];
const isMika = (t: Target) => t === 'memory' || t === 'embedded' || t === 'redis';

interface Row {
  target: Target;
  mode: Mode;
  result: WrkResult;
  /** Announces the tracker answered with a `failure reason` during the run (mika, bittorrent-tracker). */
  failures: number | undefined;
  /** The server process's CPU time (user + kernel) per request, µs; undefined without /proc. */
  cpuPerRequest: number | undefined;
  /** The embedded store's batches written (one transaction and fsync each) during the run. */
  commits?: number | undefined;
}

/** A target under load: where it listens, and how to read its counters and stop it. */
interface Running {
  port: number;
  pid: number | undefined;
  counters?: () => Promise<Counters>;
  /** Batches the embedded store wrote so far. */
  commits?: () => Promise<number>;
  stop: () => Promise<void>;
}

function positive(name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}"`);
  return n;
}

async function startServer(target: 'bare' | 'memory' | 'embedded' | 'redis', dir: string, redisUrl?: string, extra: string[] = []): Promise<Awaited<ReturnType<typeof spawnServer>>> {
  const flags = PROFILE && target !== 'bare' ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, `prof-${target}${extra.length > 0 ? '-warmup' : ''}`)}`] : [];
  if (target === 'bare') return spawnServer(target, 'bench/bare-server.ts', [], flags);
  // The warmup's daemon (extra flags) starts on a folder of its own: a fresh load, not the earlier target's registry.
  const data = target === 'embedded' ? ['--data-dir', join(dir, extra.length > 0 ? 'embedded-warmup-data' : 'embedded-data')] : [];
  return spawnServer(target, 'bench/mika-server.ts', ['--store', target, ...data, ...(redisUrl ? ['--redis-url', redisUrl] : []), ...extra], flags);
}

async function startTarget(target: Target, dir: string, redisUrl?: string): Promise<Running> {
  if (target === 'opentracker') {
    const ot = await startOpentracker();
    return { port: ot.port, pid: ot.child.pid, stop: ot.stop };
  }
  const { server, port } =
    target === 'bittorrent-tracker' ? await spawnServer(target, 'bench/bittorrent-tracker-server.ts', []) : await startServer(target, dir, redisUrl);
  return {
    port,
    pid: server.child.pid,
    counters: target === 'bare' ? undefined : () => server.counters(),
    commits: target === 'embedded' ? async () => ((await server.ask('memory', 'memory')).memory as { commits: number }).commits : undefined,
    stop: () => stop(server.child),
  };
}

/** The wrk run of a target: mika gets `/<passkey>/announce`, the others `/announce`. */
function wrkFor(target: Target, port: number, fixtures: string) {
  const style = isMika(target) ? 'passkey' : 'plain';
  return { port, threads: THREADS, connections: CONNECTIONS, script: 'bench/announce.lua', env: { BENCH_FIXTURES: fixtures, BENCH_PATH: style } };
}

/** One real announce checked, then the warm-up run. */
async function warmUp(target: Target, running: Running, fixtures: string): Promise<void> {
  if (target !== 'bare') await sanityAnnounce(running.port, isMika(target) ? 'passkey' : 'plain');
  process.stderr.write(`${target}: listening on 127.0.0.1:${running.port}, warm-up ${WARMUP} s\n`);
  await runWrk({ ...wrkFor(target, running.port, fixtures), seconds: WARMUP, mode: 'keep-alive' });
}

/** One measured wrk run of a target, with the server's CPU, failure replies and commits over it. */
async function measure(target: Target, running: Running, fixtures: string, mode: Mode, seconds: number, label: string): Promise<Row> {
  const before = await running.counters?.();
  const commitsBefore = await running.commits?.();
  process.stderr.write(`${target}: ${mode}, ${label}${seconds} s\n`);
  const { result, cpuPerRequest: [cpuPerRequest] } = await runWrkMeasured({ ...wrkFor(target, running.port, fixtures), seconds, mode }, [running.pid]);
  const after = await running.counters?.();
  const commitsAfter = await running.commits?.();
  const commits = commitsBefore === undefined || commitsAfter === undefined ? undefined : commitsAfter - commitsBefore;
  const failures = before && after ? sumFailures(after) - sumFailures(before) : undefined;
  if (before && after) {
    const detail = failures ? `: ${JSON.stringify(after.failures)}` : '';
    process.stderr.write(`${target}: ${after.announces - before.announces} announces answered, ${failures} failure replies${detail}\n`);
  }
  return { target, mode, result, failures, cpuPerRequest, commits };
}

async function benchTarget(target: Target, dir: string, fixtures: string, redisUrl?: string): Promise<Row[]> {
  const running = await startTarget(target, dir, redisUrl);
  const rows: Row[] = [];
  try {
    await warmUp(target, running, fixtures);
    for (const mode of ['keep-alive', 'close'] as const) rows.push(await measure(target, running, fixtures, mode, DURATION, ''));
  } finally {
    await running.stop();
  }
  if (PROFILE && isMika(target)) printProfile(target, join(dir, `prof-${target}`));
  return rows;
}

/**
 * BENCH_ROUNDS > 1: the targets started together, warmed up, then measured in alternating slices
 * (see the header). Returns one row per target and mode, and a line per compared pair giving each
 * round's ratio.
 */
async function benchInterleaved(wanted: Target[], dir: string, fixtures: string, note: (line: string) => void): Promise<{ rows: Row[]; lines: string[] }> {
  const seconds = Math.max(2, Math.round(DURATION / ROUNDS));
  const running = new Map<Target, Running>();
  const redis = wanted.includes('redis') ? await startRedis(dir) : undefined;
  const targets: Target[] = [];
  const byMode: Row[] = [];
  const lines: string[] = [];
  const sum = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a + b);
  try {
    for (const target of wanted) {
      try {
        const r = await startTarget(target, dir, redis?.url);
        running.set(target, r);
        await warmUp(target, r, fixtures);
        targets.push(target);
      } catch (err) {
        // As one after the other: mika on the memory store and the bare server need nothing but Node.
        if (target === 'memory' || target === 'bare') throw err;
        note(`${target} skipped: ${(err as Error).message.split('\n').slice(0, 3).join(' / ')}`);
      }
    }
    for (const mode of ['keep-alive', 'close'] as const) {
      const slices = new Map<Target, Slice[]>(targets.map((t) => [t, []]));
      const totals = new Map<Target, { failures: number | undefined; commits: number | undefined }>(targets.map((t) => [t, { failures: 0, commits: 0 }]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of roundOrder(targets, round)) {
          const row = await measure(target, running.get(target)!, fixtures, mode, seconds, `round ${round + 1} of ${ROUNDS}, `);
          slices.get(target)!.push(row);
          const t = totals.get(target)!;
          totals.set(target, { failures: sum(t.failures, row.failures), commits: sum(t.commits, row.commits) });
        }
      }
      for (const target of targets) {
        const { result, cpuPerRequest } = mergeSlices(slices.get(target)!);
        byMode.push({ target, mode, result, cpuPerRequest, ...totals.get(target)! });
      }
      const pairs: Array<[Target, Target]> = [['memory', 'bare'], ['redis', 'bare'], ['embedded', 'memory']];
      for (const [a, b] of pairs) {
        if (!slices.has(a) || !slices.has(b)) continue;
        const each = roundRatios(slices.get(a)!, slices.get(b)!).map((x) => x.toFixed(2)).join(', ');
        lines.push(`${mode}, ${LABELS[a]} × ${LABELS[b]} round by round: ${each}`);
      }
    }
  } finally {
    for (const r of running.values()) await r.stop();
    if (redis) await stop(redis.child);
  }
  if (PROFILE) for (const target of targets) if (isMika(target)) printProfile(target, join(dir, `prof-${target}`));
  // As the one-after-the-other runs list them: a target's keep-alive row, then its close row.
  const rows = targets.flatMap((t) => byMode.filter((r) => r.target === t));
  return { rows, lines };
}

function printProfile(target: Target, profDir: string): void {
  const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) return void process.stdout.write(`${target}: no CPU profile written\n`);
  if (env.BENCH_PROFILE_KEEP) {
    mkdirSync(env.BENCH_PROFILE_KEEP, { recursive: true });
    copyFileSync(join(profDir, file), join(env.BENCH_PROFILE_KEEP, `${target}-${Date.now()}.cpuprofile`));
  }
  const s = summariseProfile(join(profDir, file), 25, ROOT);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  process.stdout.write(`\nCPU profile of mika (${target} store), ${(s.totalMs / 1000).toFixed(1)} s sampled — self time by layer:\n`);
  for (const l of s.layers) process.stdout.write(`  ${pct(l.share)}  ${l.name}\n`);
  process.stdout.write('Top functions by self time:\n');
  for (const f of s.functions) process.stdout.write(`  ${pct(f.share)}  ${f.name}\n`);
}

/** wrk saw about one read error (the server closing the socket) per request answered. */
const closesEveryConnection = (r: Row) => r.mode === 'keep-alive' && r.result.errors.read >= 0.9 * r.result.requests;

const LABELS: Record<Target, string> = {
  bare: 'bare node:http',
  memory: 'mika (memory)',
  embedded: 'mika (embedded)',
  redis: 'mika (redis)',
  'bittorrent-tracker': 'bittorrent-tracker (npm)',
  opentracker: 'opentracker (Debian)',
};
const ms = (us: number) => (us / 1000).toFixed(2);

function table(rows: Row[]): string[][] {
  const rpsOf = (t: Target) => new Map(rows.filter((r) => r.target === t).map((r) => [r.mode, r.result.rps]));
  const bare = rpsOf('bare');
  const mika = rpsOf('memory');
  const ratio = (rps: number, base: number | undefined) => (base ? (rps / base).toFixed(2) : '–');
  return rows.map((r) => {
    const e = r.result.errors;
    const socket = e.connect + e.read + e.write + e.timeout;
    return [
      LABELS[r.target],
      r.mode,
      Math.round(r.result.rps).toLocaleString('en-US'),
      ms(r.result.p50),
      ms(r.result.p90),
      ms(r.result.p99),
      ratio(r.result.rps, mika.get(r.mode)),
      ratio(r.result.rps, bare.get(r.mode)),
      r.cpuPerRequest === undefined ? '–' : r.cpuPerRequest.toFixed(0),
      String(e.status),
      String(socket),
      r.failures === undefined ? '–' : String(r.failures),
    ];
  });
}

const HEAD = ['target', 'mode', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', '× mika (memory)', '× bare', 'CPU µs/req', 'non-2xx', 'socket err', 'failure replies'];

/** Columns before `textColumns` are left-aligned text, the rest right-aligned figures. */
function printTable(head: string[], cells: string[][], textColumns: number): void {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < textColumns ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${cells.map(line).join('\n')}\n`);
}

function markdown(head: string[], cells: string[][], textColumns: number): string {
  const row = (c: string[]) => `| ${c.join(' | ')} |`;
  return [row(head), row(head.map((_, i) => (i < textColumns ? '---' : '---:'))), ...cells.map(row)].join('\n');
}

function verdicts(rows: Row[]): string[] {
  const find = (t: Target, m: Mode) => rows.find((r) => r.target === t && r.mode === m)?.result;
  const bare = find('bare', 'keep-alive');
  const out: string[] = [];
  for (const target of ['memory', 'redis'] as const) {
    const ka = find(target, 'keep-alive');
    if (!ka || !bare) continue;
    const ratio = ka.rps / bare.rps;
    const want = TARGETS_MET[target];
    out.push(`${ratio >= want ? 'met    ' : 'NOT met'}  mika (${target}) keep-alive ≥ ${want} × bare: ${ratio.toFixed(2)}`);
    for (const mode of ['keep-alive', 'close'] as const) {
      const r = find(target, mode);
      if (!r) continue;
      const p99 = r.p99 / 1000;
      out.push(`${p99 <= TARGETS_MET.p99Ms ? 'met    ' : 'NOT met'}  mika (${target}) ${mode} p99 ≤ ${TARGETS_MET.p99Ms} ms at ${CONNECTIONS} connections: ${p99.toFixed(2)} ms`);
    }
  }
  return [...out, ...embeddedVerdicts(rows)];
}

/** The embedded store against the memory store of the same run, and what its durable write costs. */
function embeddedVerdicts(rows: Row[]): string[] {
  const row = (t: Target, m: Mode) => rows.find((r) => r.target === t && r.mode === m);
  const out: string[] = [];
  const embedded = row('embedded', 'keep-alive');
  const memory = row('memory', 'keep-alive');
  if (embedded && memory) {
    const ratio = embedded.result.rps / memory.result.rps;
    const want = TARGETS_MET.embeddedVsMemory;
    out.push(`${ratio >= want ? 'met    ' : 'NOT met'}  mika (embedded) keep-alive ≥ ${want} × mika (memory): ${ratio.toFixed(2)}`);
  }
  for (const mode of ['keep-alive', 'close'] as const) {
    const e = row('embedded', mode);
    const m = row('memory', mode);
    if (!e?.commits) continue;
    const announces = e.result.requests / e.commits;
    const cpu = e.cpuPerRequest !== undefined && m?.cpuPerRequest !== undefined ? `, mika CPU ${(e.cpuPerRequest - m.cpuPerRequest).toFixed(0)} µs per announce above the memory store's` : '';
    out.push(`durable write (${mode}): ${Math.round(e.commits / e.result.seconds).toLocaleString('en-US')} commits/s (one LMDB transaction + fsync each), ${announces.toFixed(1)} announces per commit${cpu}`);
  }
  return out;
}

function machine(): string {
  let wrk = '';
  try {
    wrk = execFileSync(WRK, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    wrk = (err as { stdout?: string }).stdout ?? '';
  }
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${availableParallelism()} CPUs (${model}), node ${process.version}, ${wrk.split('\n')[0]?.replace(/ Copyright.*/, '') || 'wrk ?'}, ${load()}`;
}

/** Other work on the machine moves every figure: the run says how busy the machine was. */
const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

function redisSkipReason(): string | undefined {
  if (!existsSync(join(ROOT, 'src/store/redis/redis-store.ts'))) return 'src/store/redis/redis-store.ts does not exist yet';
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} not found (apt install redis-server, or set REDIS_SERVER)`;
  return undefined;
}

/** The warmup figure: a MariaDB and a redis-server of its own, mika (Redis store) with its API on. */
async function benchWarmupTarget(dir: string): Promise<WarmupFigures> {
  const store = WARMUP_STORE;
  const redis = store === 'redis' ? await startRedis(dir) : undefined;
  let site: Awaited<ReturnType<typeof seededSite>> | undefined;
  try {
    process.stderr.write(`warmup: seeding MariaDB\n`);
    site = await seededSite();
    // The MariaDB helper keeps the handle of mariadbd: killed by pid if the bench is interrupted.
    const mariadbd = Number(readFileSync(join(site.server.dir, 'mysqld.pid'), 'utf8'));
    pids.add(mariadbd);
    const apiDir = join(dir, 'api');
    mkdirSync(apiDir, { recursive: true });
    const { server, apiPort } = await startServer(store, dir, redis?.url, ['--api-dir', apiDir]);
    try {
      process.stderr.write(`warmup: loading into mika (${store}) through the API, twice\n`);
      const cpuOf = { daemon: server.child.pid, redis: redis?.child.pid, mariadbd };
      return { ...(await benchWarmup(site.url, apiPort!, readFileSync(join(apiDir, 'api.crt')), cpuOf)), seedSeconds: site.seedSeconds, store };
    } finally {
      await stop(server.child);
      if (PROFILE) printProfile(store, join(dir, `prof-${store}-warmup`));
    }
  } finally {
    await site?.server.destroy();
    pids.clear();
    if (redis) await stop(redis.child);
  }
}

/** Why a target cannot run on this machine, if it cannot. */
function skipReason(target: string): string | undefined {
  if (target === 'redis' || target === 'scale-out') return redisSkipReason();
  if (target === 'opentracker') return opentrackerSkipReason();
  if (target === 'warmup') return redisSkipReason() ?? warmupSkipReason();
  if (target === 'flush') return warmupSkipReason();
  return undefined;
}

async function main(): Promise<void> {
  if (TARGETS.some((t) => t !== 'warmup')) {
    try {
      execFileSync(WRK, ['-v'], { stdio: 'ignore' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${WRK} not found: apt install wrk (or set WRK)`);
    }
  }
  for (const target of TARGETS) if (!KNOWN.includes(target)) throw new Error(`BENCH_TARGETS: unknown target "${target}" (known: ${KNOWN.join(', ')})`);
  if (SWEEP_SIZES.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_SWEEP_SIZES must be whole numbers of at least 1, got "${env.BENCH_SWEEP_SIZES}"`);
  const dir = tempDir('mika-bench-');
  const fixtures = join(dir, 'fixtures.txt');
  writeFixtureFile(fixtures);
  const rows: Row[] = [];
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    process.stdout.write(`${line}\n`);
  };
  let warmupFigures: WarmupFigures | undefined;
  let sweep: { rows: SweepRow[]; memory?: RedisMemory; processMemory: ProcessMemory[] } | undefined;
  let scaleOut: string[] = [];
  let flushFigures: string[] = [];
  process.stdout.write(
    `mika bench: ${machine()}\nwrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency, warm-up ${WARMUP} s, announce.lua (1,000 torrents, 50 passkeys)${ROUNDS > 1 ? `, ${ROUNDS} alternating rounds of ${Math.max(2, Math.round(DURATION / ROUNDS))} s per target and mode` : ''}${PROFILE ? ', mika under --cpu-prof' : ''}\n`,
  );
  let roundLines: string[] = [];
  try {
    // BENCH_ROUNDS > 1: the table's targets are measured together, in alternating slices, first.
    const tableTargets: readonly string[] = ['bare', 'memory', 'embedded', 'redis', 'bittorrent-tracker', 'opentracker'];
    const interleaved = ROUNDS > 1 ? TARGETS.filter((t) => tableTargets.includes(t)) : [];
    if (interleaved.length > 0) {
      const runnable = interleaved.filter((t) => {
        const skip = skipReason(t);
        if (skip) note(`${t} skipped: ${skip}`);
        return !skip;
      }) as Target[];
      const { rows: merged, lines } = await benchInterleaved(runnable, dir, fixtures, note);
      rows.push(...merged);
      roundLines = lines;
    }
    for (const target of TARGETS) {
      if (interleaved.includes(target)) continue;
      const skip = skipReason(target);
      if (skip) {
        note(`${target} skipped: ${skip}`);
        continue;
      }
      try {
        if (target === 'warmup') warmupFigures = await benchWarmupTarget(dir);
        else if (target === 'flush') {
          const stores: FlushStore[] = redisSkipReason() ? ['memory'] : ['memory', 'redis'];
          flushFigures = flushLines(await benchFlush({ dir, fixtures, seconds: DURATION, warmup: WARMUP, threads: THREADS, connections: CONNECTIONS, stores }));
        } else if (target === 'scale-out') scaleOut = scaleOutLines(await benchScaleOut({ dir, fixtures, seconds: DURATION, warmup: WARMUP, connections: CONNECTIONS }));
        else if (target === 'sweep') {
          const all: SweepStore[] = redisSkipReason() ? ['memory', 'embedded'] : ['memory', 'embedded', 'redis'];
          const stores = env.BENCH_SWEEP_STORES ? all.filter((s) => env.BENCH_SWEEP_STORES!.split(',').includes(s)) : all;
          sweep = await benchSweep({ dir, stores, sizes: SWEEP_SIZES, seconds: SWEEP_DURATION, warmup: 1, threads: THREADS, connections: CONNECTIONS });
        } else if (target === 'redis') {
          const redis = await startRedis(dir);
          try {
            rows.push(...(await benchTarget(target, dir, fixtures, redis.url)));
          } finally {
            await stop(redis.child);
          }
        } else rows.push(...(await benchTarget(target as Target, dir, fixtures)));
      } catch (err) {
        // mika on the memory store and the bare server need nothing but Node: their failure is the bench's.
        if (target === 'memory' || target === 'bare') throw err;
        note(`${target} skipped: ${(err as Error).message.split('\n').slice(0, 3).join(' / ')}`);
      }
    }
  } finally {
    removeTempDir(dir);
  }
  const cells = table(rows);
  if (cells.length > 0) printTable(HEAD, cells, 2);
  const sweepTable = sweep && sweep.rows.length > 0 ? sweepCells(sweep.rows) : [];
  if (sweepTable.length > 0) {
    process.stdout.write(`\nSwarm-size sweep: one torrent, re-announces of its peers, numwant 50, keep-alive, ${SWEEP_DURATION} s each\n`);
    printTable(SWEEP_HEAD, sweepTable, 1);
  }
  const memory = [...(sweep?.memory ? [memoryLine(sweep.memory)] : []), ...(sweep?.processMemory ?? []).map(processMemoryLine)];
  for (const target of new Set(rows.filter(closesEveryConnection).map((r) => r.target))) {
    notes.push(`${LABELS[target]} closed the connection after (nearly) every reply: wrk counts each close as a read error and reconnects, so its keep-alive row is a connection per request too`);
  }
  const warmupFigure = warmupFigures ? warmupLines(warmupFigures, TARGETS_MET.warmupRowsPerSecond) : [];
  process.stdout.write(`\n${[...verdicts(rows), ...roundLines, ...memory, ...warmupFigure, ...scaleOut, ...flushFigures, ...notes, `At the end: ${load()}`].join('\n')}\n`);
  if (cells.length > 0) process.stdout.write(`\nMarkdown:\n\n${markdown(HEAD, cells, 2)}\n`);
  if (sweepTable.length > 0) process.stdout.write(`\n${markdown(SWEEP_HEAD, sweepTable, 1)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
