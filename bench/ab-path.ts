import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeFixtureFile } from './fixtures.js';
import { removeTempDir, runWrk, sumFailures, runWrkMeasured, ServerProcess, startRedis, stop, tempDir, track, type BenchRedis } from './processes.js';

// CPU per announce of the whole announce path of two trees on the Redis store, over HTTP: each
// tree's bench/mika-server.ts (its own tracker, listener and store) on its own redis-server, driven
// in turn by the same wrk load (bench/announce.lua, keep-alive), round after round, alternating
// which goes first. CPU is read from /proc for mika and for its redis-server around each run, so the
// figure per request is what the path costs the machine: HTTP, tracker, rules, script. A diagnostic
// for docs/performance.md (issue 11's "no more than 5 % more CPU per request than before"):
//   AB_BASE=/path/to/other/checkout npx tsx bench/ab-path.ts
// Env: AB_BASE (required, a checkout whose node_modules resolve), AB_ROUNDS (default 6),
// AB_SECONDS (per run, default 5), AB_STORES (default redis,redis: the base tree's store, then this
// tree's; memory or embedded run without a redis-server, e.g. memory,embedded sets this tree's
// durable store beside an older tree's memory store in the same run).

const HEAD = resolve(new URL('..', import.meta.url).pathname);
const BASE = process.env.AB_BASE;
if (!BASE) throw new Error('AB_BASE must name the checkout to compare with');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 6);
const SECONDS = Number(process.env.AB_SECONDS ?? 5);
const STORES = (process.env.AB_STORES ?? 'redis,redis').split(',').map((x) => x.trim());
if (STORES.length !== 2 || STORES.some((x) => x !== 'redis' && x !== 'memory' && x !== 'embedded')) throw new Error(`AB_STORES must be two of redis, memory, embedded (base, then this tree), got "${process.env.AB_STORES}"`);

interface Side {
  name: string;
  store: string;
  redis: BenchRedis | undefined;
  server: ServerProcess;
  port: number;
  mika: number[];
  /** redis-server's CPU per request; NaN without one. */
  storeCpu: number[];
  rps: number[];
  failures: number;
  answered: number;
}

async function side(name: string, store: string, root: string, dir: string): Promise<Side> {
  const redis = store === 'redis' ? await startRedis(join(dir, name)) : undefined;
  const args = redis ? ['--redis-url', redis.url] : store === 'embedded' ? ['--data-dir', join(dir, name, 'data')] : [];
  const child = track(spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/mika-server.ts'), '--store', store, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] }));
  const server = new ServerProcess(name, child);
  const ready = await server.next('port');
  return { name, store, redis, server, port: ready.port as number, mika: [], storeCpu: [], rps: [], failures: 0, answered: 0 };
}

const dir = tempDir('ab-path');
const fixtures = join(dir, 'fixtures.txt');
writeFixtureFile(fixtures);
const sides = [await side('before', STORES[0]!, BASE, dir), await side('after', STORES[1]!, HEAD, dir)];
try {
  const wrk = (port: number) => ({ port, threads: 2, connections: 50, script: 'bench/announce.lua', env: { BENCH_FIXTURES: fixtures, BENCH_PATH: 'passkey' } });
  for (const s of sides) await runWrk({ ...wrk(s.port), seconds: 2, mode: 'keep-alive' });
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
      const before = await s.server.counters();
      const { result, cpuPerRequest } = await runWrkMeasured({ ...wrk(s.port), seconds: SECONDS, mode: 'keep-alive' }, [s.server.child.pid, s.redis?.child.pid]);
      s.mika.push(cpuPerRequest[0]!);
      s.storeCpu.push(cpuPerRequest[1] ?? Number.NaN);
      s.rps.push(result.rps);
      const after = await s.server.counters();
      s.failures += sumFailures(after) - sumFailures(before);
      s.answered += after.announces - before.announces;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const both = (s: Side) => s.mika.map((m, i) => m + (s.redis ? s.storeCpu[i]! : 0));
  for (const s of sides) {
    const redisCpu = s.redis ? `, redis-server ${median(s.storeCpu).toFixed(1)}, both ${median(both(s)).toFixed(1)}` : '';
    process.stdout.write(`${s.name} (${s.store}): ${Math.round(median(s.rps))} req/s; CPU µs per announce: mika ${median(s.mika).toFixed(1)}${redisCpu} (medians of ${ROUNDS} runs of ${SECONDS} s); ${s.failures} failure replies in ${s.answered} announces\n`);
  }
  const [b, a] = sides as [Side, Side];
  const pct = (x: number, y: number) => `${((x / y) * 100).toFixed(1)} %`;
  const redisPct = a.redis && b.redis ? `, redis-server ${pct(median(a.storeCpu), median(b.storeCpu))}, both ${pct(median(both(a)), median(both(b)))}` : '';
  const rounds = a.rps.map((r, i) => (r / b.rps[i]!).toFixed(2)).join(', ');
  process.stdout.write(`after / before: req/s ${pct(median(a.rps), median(b.rps))} (round by round ${rounds}), mika CPU ${pct(median(a.mika), median(b.mika))}${redisPct}\n`);
} finally {
  for (const s of sides) {
    await stop(s.server.child);
    if (s.redis) await stop(s.redis.child);
  }
  removeTempDir(dir);
}
