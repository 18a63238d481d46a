import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisInfo, removeTempDir, startRedis, stop, tempDir } from './processes.js';

// Redis CPU per announce of two trees' announce scripts, on one redis-server, interleaved: each
// tree's RedisStore (its own key prefix, its own script) replays the same announces in turn, and
// redis-server's own CPU time (INFO cpu) is read around each replay. Like bench/ab-tracker.ts, for
// a machine too busy for two separate runs to compare. A diagnostic for docs/performance.md:
//   AB_BASE=/path/to/other/checkout npx tsx bench/ab-redis.ts
// Env: AB_BASE (required), AB_ROUNDS (default 16), AB_ANNOUNCES (per replay, default 6000),
// AB_SEEDERS (share of the peers that seed, default 0.33; with two peers a swarm, some seeders are
// alone and report upload to nobody: a cheat event each).

const HEAD = fileURLToPath(new URL('..', import.meta.url));
const BASE = process.env.AB_BASE;
if (!BASE) throw new Error('AB_BASE must name the checkout to compare with');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 16);
const ANNOUNCES = Number(process.env.AB_ANNOUNCES ?? 6000);
const IN_FLIGHT = 50;
const SEEDERS = Number(process.env.AB_SEEDERS ?? 0.33);

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');
const users = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, passkey: hex(i + 1, 32), name: `u${i + 1}`, canLeech: true, enabled: true, leechSlots: 0 }));
const torrents = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, infoHash: hex(i + 1, 40), name: `t${i + 1}`, multiUp: 1, multiDown: 1, enabled: true, reason: '' }));
const rules = { multiUp: 1, multiDown: 1, bonusRate: 1, interval: 1800, maxUploadRate: 1_073_741_824, creditWithoutLeechers: false };

const dir = tempDir('ab-redis');
const redis = await startRedis(dir);
try {
  const sides = await Promise.all(
    [
      ['before', BASE, 'a:'],
      ['after', HEAD, 'b:'],
    ].map(async ([name, root, keyPrefix]) => {
      const { RedisStore } = await import(resolve(root!, 'src/store/redis/redis-store.ts'));
      const store = new RedisStore({ url: redis.url, keyPrefix });
      await store.open();
      await store.putUsers(users);
      await store.putTorrents(torrents);
      return { name: name!, store, cpu: [] as number[], client: [] as number[] };
    }),
  );
  // 2,000 peers (one per user and torrent), a third of them seeding; every announce moves counters on.
  const peers = Array.from({ length: 2000 }, (_, i) => ({
    user: users[i % users.length]!,
    torrent: torrents[(i * 7919) % torrents.length]!,
    peerId: Buffer.from(`-BN0001-${hex(i, 12)}`, 'latin1'),
    endpoint: Buffer.from([10, 0, (i >> 8) & 255, i & 255, 0x1a, 0xe1]),
    left: (i % 100) / 100 < SEEDERS ? 0 : 1 << 30,
  }));
  let nowMs = 1_800_000_000_000;
  const replay = async (store: { announce(input: unknown): Promise<unknown> }, round: number) => {
    let next = 0;
    const worker = async () => {
      while (next < ANNOUNCES) {
        const i = next++;
        const p = peers[i % peers.length]!;
        nowMs += 3;
        const uploaded = (round * ANNOUNCES + i) * 1000;
        await store.announce({ ...p, uploaded, downloaded: 0, event: '', numwant: 30, now: Math.floor(nowMs / 1000), nowMs, minInterval: 0, rules, limits: { perUserTorrent: 3, perIpTorrent: 0 } });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  const redisCpu = async () => (await redisInfo(redis.port, 'cpu', 'used_cpu_user')) + (await redisInfo(redis.port, 'cpu', 'used_cpu_sys'));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
      const t0 = await redisCpu();
      const c0 = process.cpuUsage();
      await replay(s.store, round);
      const c = process.cpuUsage(c0);
      s.cpu.push(((await redisCpu()) - t0) * 1e6 / ANNOUNCES);
      s.client.push((c.user + c.system) / ANNOUNCES);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const kept = (xs: number[]) => xs.slice(2);
  // The store's whole cost per announce is both sides of the connection: the script in redis-server,
  // and building the command and reading its reply in mika (this process, measured per replay).
  const both = (s: (typeof sides)[number]) => kept(s.cpu).map((v, i) => v + kept(s.client)[i]!);
  for (const s of sides) {
    process.stdout.write(`${s.name}: ${median(kept(s.cpu)).toFixed(1)} µs redis-server CPU per announce (median of ${kept(s.cpu).length} replays of ${ANNOUNCES}), min ${Math.min(...kept(s.cpu)).toFixed(1)}; `);
    process.stdout.write(`${median(kept(s.client)).toFixed(1)} µs mika-side store CPU; ${median(both(s)).toFixed(1)} µs both\n`);
  }
  const ratio = (f: (s: (typeof sides)[number]) => number[]) => ((median(f(sides[1]!)) / median(f(sides[0]!))) * 100).toFixed(1);
  process.stdout.write(`after / before: redis-server ${ratio((s) => kept(s.cpu))} %, mika-side ${ratio((s) => kept(s.client))} %, both ${ratio(both)} %\n`);
  await Promise.all(sides.map((s) => s.store.close()));
} finally {
  await stop(redis.child);
  removeTempDir(dir);
}
