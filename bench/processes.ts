import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/free-port.js';

export { freePort };

// The processes a bench run starts (servers, redis-server, wrk) and how it talks to them. Every one
// is registered here and killed when the bench exits, however it exits.

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRK = process.env.WRK ?? 'wrk';
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface WrkResult {
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

export interface Counters {
  announces: number;
  failures: Record<string, number>;
}

export type Mode = 'keep-alive' | 'close';

export const sumFailures = (c: Counters) => Object.values(c.failures).reduce((a, b) => a + b, 0);

const children = new Set<ChildProcess>();
/** Processes started through a helper that keeps their handle (mariadbd): killed by pid on exit. */
export const pids = new Set<number>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** Registers a process to be killed when the bench exits. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  return child;
}

/** A fresh temp dir, removed by removeTempDir() or, at the latest, when the bench exits (Ctrl-C too). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

export function stop(child: ChildProcess): Promise<void> {
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
export class ServerProcess {
  private readonly waiters: Array<{ key: string; resolve: (v: Record<string, unknown>) => void }> = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    track(child);
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

  /** Writes one command line to the process's stdin and waits for the reply line holding `key`. */
  async ask(command: string, key: string, ms = 10_000): Promise<Record<string, unknown>> {
    const reply = this.next(key, ms);
    this.child.stdin!.write(`${command}\n`);
    return reply;
  }

  async counters(): Promise<Counters> {
    return (await this.ask('counters', 'counters')).counters as Counters;
  }
}

/** Runs a bench server script (`node --import tsx <script> …`) and waits for its `{"port":N}` line. */
export async function spawnServer(name: string, script: string, args: string[], nodeFlags: string[] = []): Promise<{ server: ServerProcess; port: number; apiPort?: number }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const server = new ServerProcess(name, child);
  const ready = await server.next('port');
  return { server, port: ready.port as number, apiPort: ready.api_port as number | undefined };
}

export interface BenchRedis {
  child: ChildProcess;
  port: number;
  url: string;
}

export async function startRedis(dir: string): Promise<BenchRedis> {
  const port = await freePort();
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  track(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode})`);
    if ((await redisCommand(port, 'PING').catch(() => '')) === 'PONG') return { child, port, url: `redis://127.0.0.1:${port}` };
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One inline command over a fresh socket; resolves with the reply's text (status line or bulk string). */
export function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = Buffer.alloc(0);
    socket.setTimeout(2000, () => socket.destroy(new Error(`redis ${command}: no reply within 2 s`)));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d]);
      const eol = reply.indexOf('\r\n');
      if (eol < 0) return;
      const head = reply.subarray(0, eol).toString();
      if (head.startsWith('$')) {
        const length = Number(head.slice(1));
        if (reply.length < eol + 2 + length + 2) return; // the bulk string is still coming
        resolve(reply.subarray(eol + 2, eol + 2 + length).toString());
      } else if (head.startsWith('-')) {
        reject(new Error(`redis ${command}: ${head.slice(1)}`));
      } else {
        resolve(head.slice(1));
      }
      socket.destroy();
    });
  });
}

/** A number from `INFO <section>` (e.g. used_memory). */
export async function redisInfo(port: number, section: string, field: string): Promise<number> {
  const info = await redisCommand(port, `INFO ${section}`);
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`INFO ${section} has no ${field}`);
  return Number(line.slice(field.length + 1));
}

export interface WrkRun {
  port: number;
  seconds: number;
  mode: Mode;
  threads: number;
  connections: number;
  /** A wrk Lua script under bench/ that prints a BENCH_RESULT line in done(). */
  script: string;
  /** Extra environment for the script. */
  env: Record<string, string>;
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = [`-t${run.threads}`, `-c${run.connections}`, `-d${run.seconds}s`, '--latency', '--timeout', '5s', '-s', join(ROOT, run.script)];
  if (run.mode === 'close') args.push('-H', 'Connection: close');
  args.push(`http://127.0.0.1:${run.port}/`);
  return new Promise((resolve, reject) => {
    const child = track(spawn(WRK, args, { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
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
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    return cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Seconds the process's main thread (node's event loop, redis-server's command thread) has spent on
 * a CPU and runnable but waiting for one (/proc/<pid>/schedstat); undefined where it is not readable.
 * Wall time less both is time it had nothing to do: on a shared machine, where CPU seconds stay put
 * but wall time does not, that is what tells a pipeline's stalls from the other load.
 */
export function mainThreadSeconds(pid: number | undefined): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return run === undefined || wait === undefined || Number.isNaN(run + wait) ? undefined : { run: run / 1e9, wait: wait / 1e9 };
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc stat line (fields 14 and 15), in seconds. */
function cpuSecondsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Each thread's CPU seconds so far, by thread id, with its name (node's main thread, libuv's pool, lmdb-js's writer…). */
export function threadCpuSeconds(pid: number | undefined): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      threads.set(tid, { name, seconds: cpuSecondsOf(stat) });
    } catch {
      // The thread ended.
    }
  }
  return threads;
}

/** BENCH_THREADS=1: where a process's CPU went during a run, busiest thread first, % of one CPU. */
function printThreadShares(pid: number | undefined, before: ReturnType<typeof threadCpuSeconds>, seconds: number): void {
  const after = threadCpuSeconds(pid);
  const shares = [...after].map(([tid, t]) => ({ tid, name: t.name, pct: ((t.seconds - (before.get(tid)?.seconds ?? 0)) / seconds) * 100 }));
  const busy = shares.filter((t) => t.pct >= 1).sort((a, b) => b.pct - a.pct);
  process.stderr.write(`  pid ${pid} threads (% of one CPU): ${busy.map((t) => `${t.name}/${t.tid} ${t.pct.toFixed(0)}`).join(', ')}\n`);
}

/**
 * runWrk, and the CPU time (user + kernel) each of `pids` spent per request answered during the
 * run, µs: a figure that other load on the machine moves far less than req/s and latency.
 */
export async function runWrkMeasured(run: WrkRun, pids: Array<number | undefined>): Promise<{ result: WrkResult; cpuPerRequest: Array<number | undefined> }> {
  const byThread = process.env.BENCH_THREADS ? pids.map(threadCpuSeconds) : undefined;
  const before = pids.map(cpuSeconds);
  const result = await runWrk(run);
  const after = pids.map(cpuSeconds);
  if (byThread) pids.forEach((pid, i) => printThreadShares(pid, byThread[i]!, run.seconds));
  const cpuPerRequest = pids.map((_, i) => {
    const [b, a] = [before[i], after[i]];
    return b !== undefined && a !== undefined && result.requests > 0 ? ((a - b) * 1e6) / result.requests : undefined;
  });
  return { result, cpuPerRequest };
}
