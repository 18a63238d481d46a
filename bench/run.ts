import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { summariseProfile } from './cpu-profile.js';
import { benchTorrents, benchUsers, writeFixtureFile } from './fixtures.js';
import { benchScaleOut, scaleOutLines } from './scale-out.js';
import { benchWarmup, seededSite, warmupLines, warmupSkipReason, type WarmupFigures } from './warmup.js';

// `npm run bench`: a bare node:http server, mika on the memory store and mika on the Redis store,
// each driven by wrk with the same announce load (announce.lua), keep-alive then `Connection: close`.
// Prints req/s, p50/p99 and the ratio to the bare server, then the same table as markdown for
// docs/performance.md. Then the warmup figure: rows/s from a MariaDB of its own into mika on the
// Redis store through the API (bench/warmup.ts). Loopback only; every process it starts (servers,
// redis-server, mariadbd) it stops.
//
// Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_THREADS (2),
// BENCH_TARGETS (bare,memory,redis,warmup,scale-out: bench/scale-out.ts), BENCH_PROFILE=1 (run mika under --cpu-prof and print where the
// time goes; figures are then lower than without it).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const DURATION = positive('BENCH_DURATION', 10);
const WARMUP = positive('BENCH_WARMUP', 2);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const THREADS = positive('BENCH_THREADS', 2);
const TARGETS = (env.BENCH_TARGETS ?? 'bare,memory,redis,warmup,scale-out').split(',').map((t) => t.trim());
const PROFILE = env.BENCH_PROFILE === '1';
const WRK = env.WRK ?? 'wrk';
const REDIS_SERVER = env.REDIS_SERVER ?? '/usr/bin/redis-server';
const TARGETS_MET = { memory: 0.75, redis: 0.45, p99Ms: 10, warmupRowsPerSecond: 100_000 };

type Target = 'bare' | 'memory' | 'redis';
const KNOWN: readonly string[] = ['bare', 'memory', 'redis', 'warmup', 'scale-out'];
const storeOf = (t: Target) => (t.endsWith('redis') ? 'redis' : 'memory');
type Mode = 'keep-alive' | 'close';

interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Microseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

interface Row {
  target: Target;
  mode: Mode;
  result: WrkResult;
  /** Announces the tracker answered with a `failure reason` during the run (mika only). */
  failures: number | undefined;
  /** The server process's CPU time (user + kernel) per request, µs; undefined without /proc. */
  cpuPerRequest: number | undefined;
}

interface Counters {
  announces: number;
  failures: Record<string, number>;
}

function positive(name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}"`);
  return n;
}

const children = new Set<ChildProcess>();
/** Processes started through a helper that keeps their handle (mariadbd): killed by pid on exit. */
const pids = new Set<number>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A server process speaking the bench line protocol on stdout (`{"port":N}`, `{"counters":…}`). */
class ServerProcess {
  private readonly waiters: Array<{ key: string; resolve: (v: Record<string, unknown>) => void }> = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    children.add(child);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown> | undefined;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        msg = undefined;
      }
      const i = msg ? this.waiters.findIndex((w) => w.key in msg!) : -1;
      if (msg && i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else process.stderr.write(`[${name}] ${line}\n`);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The next stdout message holding `key`; rejects if the process exits or takes longer than `ms`. */
  next(key: string, ms = 60_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${key}" line within ${ms / 1000} s\n${this.stderr}`)), ms);
      this.waiters.push({ key, resolve: (v) => (clearTimeout(timer), resolve(v)) });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code})\n${this.stderr.trim().split('\n').slice(-15).join('\n')}`));
      });
    });
  }

  async counters(): Promise<Counters> {
    const reply = this.next('counters', 10_000);
    this.child.stdin!.write('counters\n');
    return (await reply).counters as Counters;
  }
}

async function startServer(target: Target, dir: string, redisUrl?: string, extra: string[] = []): Promise<{ server: ServerProcess; port: number; apiPort?: number }> {
  const nodeArgs = ['--import', 'tsx'];
  if (PROFILE && target !== 'bare') nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${join(dir, `prof-${target}${extra.length > 0 ? '-warmup' : ''}`)}`);
  const args =
    target === 'bare'
      ? [...nodeArgs, join(ROOT, 'bench/bare-server.ts')]
      : [
          ...nodeArgs,
          join(ROOT, 'bench/mika-server.ts'),
          '--store',
          storeOf(target),
          ...(redisUrl ? ['--redis-url', redisUrl] : []),
          ...extra,
        ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const server = new ServerProcess(target, child);
  const ready = await server.next('port');
  return { server, port: ready.port as number, apiPort: ready.api_port as number | undefined };
}

async function startRedis(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode})`);
    if (await ping(port)) return { child, url: `redis://127.0.0.1:${port}` };
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** One real announce, checked: HTTP 200, a bencoded dictionary, no `failure reason`. */
function sanityAnnounce(port: number): Promise<string> {
  const user = benchUsers()[0]!;
  const torrent = benchTorrents()[0]!;
  const pct = (hex: string) => hex.replace(/../g, '%$&');
  const path = `/${user.passkey}/announce?info_hash=${pct(torrent.infoHash)}&peer_id=-qB4650-sanitycheck1&port=6881&uploaded=0&downloaded=0&left=0&compact=1&event=started`;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1');
        if (res.statusCode !== 200) reject(new Error(`sanity announce: HTTP ${res.statusCode}: ${body}`));
        else if (body.includes('failure reason')) reject(new Error(`sanity announce failed: ${body}`));
        else if (!body.startsWith('d') || !body.includes('8:interval')) reject(new Error(`sanity announce: not an announce reply: ${body}`));
        else resolve(body);
      });
    }).on('error', reject);
  });
}

function runWrk(port: number, seconds: number, mode: Mode, fixtures: string): Promise<WrkResult> {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-s', join(ROOT, 'bench/announce.lua')];
  if (mode === 'close') args.push('-H', 'Connection: close');
  args.push(`http://127.0.0.1:${port}/`);
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, args, { env: { ...env, BENCH_FIXTURES: fixtures }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      children.delete(child);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (code ${code}):\n${out}`));
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as WrkResult);
    });
  });
}

let clockTicks: number | undefined;
/** User + kernel CPU seconds the process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

const sumFailures = (c: Counters) => Object.values(c.failures).reduce((a, b) => a + b, 0);

async function benchTarget(target: Target, dir: string, fixtures: string, redisUrl?: string): Promise<Row[]> {
  const { server, port } = await startServer(target, dir, redisUrl);
  const rows: Row[] = [];
  try {
    if (target !== 'bare') await sanityAnnounce(port);
    process.stderr.write(`${target}: listening on 127.0.0.1:${port}, warm-up ${WARMUP} s\n`);
    await runWrk(port, WARMUP, 'keep-alive', fixtures);
    for (const mode of ['keep-alive', 'close'] as const) {
      const before = target === 'bare' ? undefined : await server.counters();
      process.stderr.write(`${target}: ${mode}, ${DURATION} s\n`);
      const cpuBefore = cpuSeconds(server.child.pid);
      const result = await runWrk(port, DURATION, mode, fixtures);
      const cpuAfter = cpuSeconds(server.child.pid);
      const after = target === 'bare' ? undefined : await server.counters();
      const failures = before && after ? sumFailures(after) - sumFailures(before) : undefined;
      if (before && after) {
        const detail = failures ? `: ${JSON.stringify(after.failures)}` : '';
        process.stderr.write(`${target}: ${after.announces - before.announces} announces answered, ${failures} failure replies${detail}\n`);
      }
      const cpuPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0 ? ((cpuAfter - cpuBefore) * 1e6) / result.requests : undefined;
      rows.push({ target, mode, result, failures, cpuPerRequest });
    }
  } finally {
    await stop(server.child);
  }
  if (PROFILE && target !== 'bare') printProfile(target, join(dir, `prof-${target}`));
  return rows;
}

function printProfile(target: Target, profDir: string): void {
  const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) return void process.stdout.write(`${target}: no CPU profile written\n`);
  const s = summariseProfile(join(profDir, file), 25, ROOT);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  process.stdout.write(`\nCPU profile of mika (${target} store), ${(s.totalMs / 1000).toFixed(1)} s sampled — self time by layer:\n`);
  for (const l of s.layers) process.stdout.write(`  ${pct(l.share)}  ${l.name}\n`);
  process.stdout.write('Top functions by self time:\n');
  for (const f of s.functions) process.stdout.write(`  ${pct(f.share)}  ${f.name}\n`);
}

const label = (t: Target) => (t === 'bare' ? 'bare node:http' : `mika (${t})`);
const ms = (us: number) => (us / 1000).toFixed(2);

function table(rows: Row[]): string[][] {
  const bare = new Map(rows.filter((r) => r.target === 'bare').map((r) => [r.mode, r.result.rps]));
  return rows.map((r) => {
    const base = bare.get(r.mode);
    const e = r.result.errors;
    const socket = e.connect + e.read + e.write + e.timeout;
    return [
      label(r.target),
      r.mode,
      Math.round(r.result.rps).toLocaleString('en-US'),
      ms(r.result.p50),
      ms(r.result.p99),
      r.target === 'bare' ? '1.00' : base ? (r.result.rps / base).toFixed(2) : '–',
      r.cpuPerRequest === undefined ? '–' : r.cpuPerRequest.toFixed(0),
      String(e.status),
      String(socket),
      r.failures === undefined ? '–' : String(r.failures),
    ];
  });
}

const HEAD = ['target', 'mode', 'req/s', 'p50 ms', 'p99 ms', '× bare', 'CPU µs/req', 'non-2xx', 'socket err', 'failure replies'];

function printTable(cells: string[][]): void {
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\n${line(HEAD)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${cells.map(line).join('\n')}\n`);
}

function markdown(cells: string[][]): string {
  const row = (c: string[]) => `| ${c.join(' | ')} |`;
  return [row(HEAD), row(HEAD.map((_, i) => (i < 2 ? '---' : '---:'))), ...cells.map(row)].join('\n');
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
  return `${availableParallelism()} CPUs (${model}), node ${process.version}, ${wrk.split('\n')[0]?.replace(/ Copyright.*/, '') || 'wrk ?'}`;
}

function redisSkipReason(): string | undefined {
  if (!existsSync(join(ROOT, 'src/store/redis/redis-store.ts'))) return 'src/store/redis/redis-store.ts does not exist yet';
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} not found (apt install redis-server, or set REDIS_SERVER)`;
  return undefined;
}

/** The warmup figure: a MariaDB and a redis-server of its own, mika (Redis store) with its API on. */
async function benchWarmupTarget(dir: string): Promise<WarmupFigures> {
  const redis = await startRedis(dir);
  let site: Awaited<ReturnType<typeof seededSite>> | undefined;
  try {
    process.stderr.write(`warmup: seeding MariaDB\n`);
    site = await seededSite();
    // The MariaDB helper keeps the handle of mariadbd: killed by pid if the bench is interrupted.
    pids.add(Number(readFileSync(join(site.server.dir, 'mysqld.pid'), 'utf8')));
    const apiDir = join(dir, 'api');
    mkdirSync(apiDir, { recursive: true });
    const { server, apiPort } = await startServer('redis', dir, redis.url, ['--api-dir', apiDir]);
    try {
      process.stderr.write(`warmup: loading into mika (redis) through the API, twice\n`);
      return { ...(await benchWarmup(site.url, apiPort!, readFileSync(join(apiDir, 'api.crt')))), seedSeconds: site.seedSeconds };
    } finally {
      await stop(server.child);
      if (PROFILE) printProfile('redis', join(dir, 'prof-redis-warmup'));
    }
  } finally {
    await site?.server.destroy();
    pids.clear();
    await stop(redis.child);
  }
}

async function main(): Promise<void> {
  if (TARGETS.some((t) => t !== 'warmup')) {
    try {
      execFileSync(WRK, ['-v'], { stdio: 'ignore' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${WRK} not found: apt install wrk (or set WRK)`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'mika-bench-'));
  const fixtures = join(dir, 'fixtures.txt');
  writeFixtureFile(fixtures);
  const rows: Row[] = [];
  const notes: string[] = [];
  let warmupFigures: WarmupFigures | undefined;
  process.stdout.write(
    `mika bench: ${machine()}\nwrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency, warm-up ${WARMUP} s, announce.lua (1,000 torrents, 50 passkeys)${PROFILE ? ', mika under --cpu-prof' : ''}\n`,
  );
  try {
    for (const target of TARGETS) {
      if (!KNOWN.includes(target)) throw new Error(`BENCH_TARGETS: unknown target "${target}" (known: ${KNOWN.join(', ')})`);
      if (target === 'warmup') {
        const skip = redisSkipReason() ?? warmupSkipReason();
        try {
          if (!skip) warmupFigures = await benchWarmupTarget(dir);
        } catch (err) {
          notes.push(`warmup skipped: ${(err as Error).message.split('\n').slice(0, 3).join(' / ')}`);
        }
        if (skip) notes.push(`warmup skipped: ${skip}`);
        if (!warmupFigures) process.stdout.write(`${notes.at(-1)}\n`);
        continue;
      }
      if (target === 'scale-out') {
        notes.push(...scaleOutLines(await benchScaleOut({ dir, fixtures, seconds: DURATION, warmup: WARMUP, connections: CONNECTIONS })));
        continue;
      }
      const t = target as Target;
      if (t === 'bare' || storeOf(t) === 'memory') {
        rows.push(...(await benchTarget(t, dir, fixtures)));
        continue;
      }
      const skip = redisSkipReason();
      if (skip) {
        notes.push(`${label(t)} skipped: ${skip}`);
        process.stdout.write(`${notes.at(-1)}\n`);
        continue;
      }
      const redis = await startRedis(dir);
      try {
        rows.push(...(await benchTarget(t, dir, fixtures, redis.url)));
      } catch (err) {
        notes.push(`${label(t)} skipped: ${(err as Error).message.split('\n').slice(0, 3).join(' / ')}`);
        process.stdout.write(`${notes.at(-1)}\n`);
      } finally {
        await stop(redis.child);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cells = table(rows);
  if (cells.length > 0) printTable(cells);
  const warmupFigure = warmupFigures ? warmupLines(warmupFigures, TARGETS_MET.warmupRowsPerSecond) : [];
  process.stdout.write(`\n${[...verdicts(rows), ...warmupFigure, ...notes].join('\n')}\n`);
  if (cells.length > 0) process.stdout.write(`\nMarkdown:\n\n${markdown(cells)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
