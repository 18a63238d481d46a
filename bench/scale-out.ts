import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/free-port.js';

// The scale-out figures of `npm run bench` (target `scale-out`): announces/s of one and of two mika
// processes on one redis-server, and on a 3-master Redis Cluster, all on this machine. wrk drives
// each mika process with its own share of the connections (-t1, half of them each when there are
// two), the same announce.lua load; the figure is the sum. Every server it starts (redis-server,
// the cluster's three, the mika processes) is stopped before it returns. Keep-alive only.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRK = process.env.WRK ?? 'wrk';
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

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
  const started: ChildProcess[] = [];
  const rows: ScaleOutRow[] = [];
  try {
    const single = await redisServer(join(o.dir, 'scale-redis'), [], started);
    for (const instances of [1, 2] as const) {
      await flushAll([single]);
      rows.push({ redis: 'one redis-server', instances, ...(await drive(o, instances, ['--redis-url', `redis://127.0.0.1:${single}`], started)) });
    }
    const nodes: number[] = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(await redisServer(join(o.dir, `scale-cluster-${i}`), ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'], started));
    }
    const seeds = nodes.map((p) => `127.0.0.1:${p}`);
    await promisify(execFile)(REDIS_CLI, ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await clusterOk(nodes);
    for (const instances of [1, 2] as const) {
      await flushAll(nodes);
      rows.push({ redis: 'cluster (3 masters)', instances, ...(await drive(o, instances, ['--redis-nodes', seeds.join(',')], started)) });
    }
  } finally {
    await Promise.all(started.map(stop));
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

async function drive(o: Opts, instances: 1 | 2, storeArgs: string[], started: ChildProcess[]): Promise<{ rps: number; p99Ms: number; failures: number }> {
  const servers: ChildProcess[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < instances; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/mika-server.ts'), '--store', 'redis', ...storeArgs], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      servers.push(child);
      started.push(child);
      ports.push(await readyPort(child));
    }
    const per = Math.max(1, Math.floor(o.connections / instances));
    await Promise.all(ports.map((p) => wrk(p, o.warmup, per, o.fixtures)));
    const results = await Promise.all(ports.map((p) => wrk(p, o.seconds, per, o.fixtures)));
    const failures = (await Promise.all(servers.map(failureCount))).reduce((n, f) => n + f, 0);
    return { rps: results.reduce((n, r) => n + r.rps, 0), p99Ms: Math.max(...results.map((r) => r.p99 / 1000)), failures };
  } finally {
    await Promise.all(servers.map(stop));
  }
}

/** One wrk process on one mika port: announce.lua prints its BENCH_RESULT line (µs latencies). */
function wrk(port: number, seconds: number, connections: number, fixtures: string): Promise<{ rps: number; p99: number }> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-s', join(ROOT, 'bench/announce.lua'), `http://127.0.0.1:${port}/`];
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, args, { env: { ...process.env, BENCH_FIXTURES: fixtures }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const result = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !result) return reject(new Error(`wrk failed (code ${code}):\n${out}`));
      resolve(JSON.parse(result.slice('BENCH_RESULT '.length)) as { rps: number; p99: number });
    });
  });
}

/** The failure replies a mika-server gave so far (its `counters` line, see mika-server.ts). */
function failureCount(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const counters = line.startsWith('{') ? (JSON.parse(line) as { counters?: { failures: Record<string, number> } }).counters : undefined;
      if (!counters) return;
      lines.close();
      resolve(Object.values(counters.failures).reduce((n, f) => n + f, 0));
    });
    child.stdin!.write('counters\n');
  });
}

/** The mika-server's `{"port":N}` line. */
function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mika-server: no ready line within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`mika-server exited (code ${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // The daemon's own log lines are JSON too.
      const port = line.startsWith('{') ? (JSON.parse(line) as { port?: number }).port : undefined;
      if (port === undefined) return;
      clearTimeout(timer);
      resolve(port);
    });
  });
}

async function redisServer(dir: string, extra: string[], started: ChildProcess[]): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  started.push(child);
  await until(async () => (await cli(port, 'PING')).includes('PONG'), `redis-server on ${port} did not answer PING`);
  return port;
}

async function clusterOk(ports: number[]): Promise<void> {
  await until(async () => (await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')))).every((i) => i.includes('cluster_state:ok')), 'the cluster did not reach cluster_state:ok');
}

async function flushAll(ports: number[]): Promise<void> {
  await Promise.all(ports.map((p) => cli(p, 'FLUSHALL')));
}

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await promisify(execFile)(REDIS_CLI, ['-p', String(port), ...args]).catch(() => ({ stdout: '' }))).stdout;
}

async function until(check: () => Promise<boolean>, message: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
