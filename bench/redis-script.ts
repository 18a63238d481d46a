import { resolve } from 'node:path';
import { RedisStore } from '../src/store/redis/redis-store.js';
import type { Torrent, User } from '../src/store/records.js';
import type { AnnounceInput } from '../src/store/store.js';
import { RedisClusterStore } from '../src/store/redis/redis-cluster-store.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import type { AnnounceEvent } from '../src/accounting/events.js';

// What one announce costs inside Redis: drives announce-19.lua through RedisStore.announce on a
// redis-server of its own and prints announces/s and the server-side µs per EVALSHA
// (INFO commandstats). A diagnostic for the announce script, not part of `npm run bench`:
//   npx tsx bench/redis-script.ts
// Knobs (env): BENCH_ANNOUNCES (30000), BENCH_USERS (4), BENCH_TORRENTS (500), BENCH_PEERS (3000),
// BENCH_INFLIGHT (50), BENCH_PASSES (3), BENCH_FLUSH (1: the store tracks changes for the SQL flush,
// as with sql.flush.enabled; nothing drains the dirty sets here), BENCH_CLUSTER (1: a 3-master Redis
// Cluster of its own and the cluster store, whose announce is two scripts, see docs/redis-keys.md;
// the server-side time is then summed over the masters), BENCH_BASE (a checkout of another tree:
// its RedisStore and announce script run on the same redis-server under their own key prefix, the
// two trees' passes alternating, for a before/after in one run; standalone only).

const ANNOUNCES = Number(process.env.BENCH_ANNOUNCES ?? 30_000);
const USERS = Number(process.env.BENCH_USERS ?? 4);
const TORRENTS = Number(process.env.BENCH_TORRENTS ?? 500);
const PEERS = Number(process.env.BENCH_PEERS ?? 3000);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 50);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);

const rules = { multiUp: 1, multiDown: 1, bonusRate: 1, interval: 1800, maxUploadRate: 0, creditWithoutLeechers: false };

interface Peer {
  user: User;
  torrent: Torrent;
  peerId: Buffer;
  endpoint: Buffer;
  seeder: boolean;
  uploaded: number;
  downloaded: number;
  left: number;
  started: boolean;
}

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');

const users: User[] = Array.from({ length: USERS }, (_, i) => ({ id: i + 1, passkey: hex(i + 1, 32), name: `u${i + 1}`, canLeech: true, enabled: true, leechSlots: 0 }));
const torrents: Torrent[] = Array.from({ length: TORRENTS }, (_, i) => ({
  id: i + 1,
  infoHash: hex(i + 1, 40),
  name: `t${i + 1}`,
  multiUp: 1,
  multiDown: i % 10 === 0 ? 0 : 1,
  enabled: true,
  reason: '',
}));
const peers: Peer[] = Array.from({ length: PEERS }, (_, i) => {
  const peerId = Buffer.alloc(20);
  peerId.write(`-BN0001-${hex(i, 12)}`, 'latin1');
  const endpoint = Buffer.from([10, (i >> 16) & 255, (i >> 8) & 255, i & 255, 0x1a, 0xe1]);
  const seeder = i % 3 === 0;
  return {
    user: users[i % USERS]!,
    torrent: torrents[(i * 7919) % TORRENTS]!,
    peerId,
    endpoint,
    seeder,
    uploaded: 0,
    downloaded: 0,
    left: seeder ? 0 : 1 << 30,
    started: false,
  };
});

let now = 1_700_000_000;
let next = 0;

function nextInput(): AnnounceInput {
  const p = peers[next++ % PEERS]!;
  if (next % PEERS === 0) now += 60;
  let event: AnnounceEvent = '';
  if (!p.started) {
    event = 'started';
    p.started = true;
  } else {
    p.uploaded += 1_000_000 + (next % 977) * 1024;
    if (!p.seeder) {
      p.downloaded += 2_000_000;
      p.left = Math.max(p.left - 2_000_000, 0);
      if (p.left === 0) {
        p.seeder = true;
        event = 'completed';
      }
    } else if (next % 101 === 0) {
      // Leaves, comes back as a leecher next time round.
      event = 'stopped';
      p.started = false;
      p.seeder = false;
      p.left = 1 << 30;
      p.downloaded = 0;
      p.uploaded = 0;
    }
  }
  return {
    user: p.user,
    torrent: p.torrent,
    peerId: p.peerId,
    endpoint: p.endpoint,
    uploaded: p.uploaded,
    downloaded: p.downloaded,
    left: p.left,
    event,
    numwant: Number(process.env.BENCH_NUMWANT ?? 30),
    now,
    nowMs: now * 1000,
    minInterval: 0,
    rules,
    limits: { perUserTorrent: 0, perIpTorrent: 0 },
  };
}

const CLUSTER = process.env.BENCH_CLUSTER === '1';
const BASE = process.env.BENCH_BASE;

interface Announcer {
  announce(input: AnnounceInput): Promise<unknown>;
}

async function run(store: Announcer, n: number): Promise<number> {
  let sent = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      await store.announce(nextInput());
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return n / ((performance.now() - started) / 1000);
}

/**
 * EVALSHA calls and their server-side µs, and the commands the scripts ran (every other command
 * but CONFIG and INFO), summed over the servers' INFO commandstats.
 */
function evalshaStats(infos: string[]): { calls: number; usec: number; inner: number } {
  let calls = 0;
  let usec = 0;
  let inner = 0;
  for (const info of infos) {
    const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(info);
    if (m) (calls += Number(m[1])), (usec += Number(m[2]));
    for (const c of info.matchAll(/cmdstat_(\w+)(?:\|\w+)?:calls=(\d+)/g)) if (!['evalsha', 'config', 'info'].includes(c[1]!)) inner += Number(c[2]);
  }
  return { calls, usec, inner };
}

/** redis-server's own CPU time (user + system), seconds, summed over the servers. */
async function serverCpu(): Promise<number> {
  let total = 0;
  for (const s of servers) {
    const info = await s.command('INFO', 'cpu');
    for (const m of info.matchAll(/used_cpu_(?:user|sys):([\d.]+)/g)) total += Number(m[1]);
  }
  return total;
}

const cluster = CLUSTER ? await startRedisCluster() : undefined;
const servers = cluster ? cluster.nodes : [await startRedisServer()];
const store = cluster
  ? new RedisClusterStore({ url: 'redis://', mode: 'cluster', nodes: cluster.seeds, keyPrefix: 'bench:' })
  : new RedisStore({ url: servers[0]!.url, keyPrefix: 'bench:', flush: process.env.BENCH_FLUSH === '1' });
// The other tree's store, on the same server: its own prefix, its own copy of the peers' progress.
const baseStore: RedisStore | undefined = BASE && !cluster
  ? new (await import(resolve(BASE, 'src/store/redis/redis-store.ts'))).RedisStore({ url: servers[0]!.url, keyPrefix: 'base:', flush: process.env.BENCH_FLUSH === '1' })
  : undefined;
const sides: Array<{ name: string; store: RedisStore }> = [{ name: BASE ? 'this tree' : 'announce', store }];
if (baseStore) sides.unshift({ name: `base ${BASE}`, store: baseStore });
try {
  for (const side of sides) {
    await side.store.open();
    for (const u of users) await side.store.putUser(u);
    for (const t of torrents) await side.store.putTorrent(t);
  }
  // Warm-up: every peer's first announce, so the measured ones settle against a previous state.
  // Each side replays the same announces from the same peer state (saved and restored around it).
  const snapshot = () => ({ now, next, peers: peers.map((p) => ({ ...p })) });
  const restore = (s: ReturnType<typeof snapshot>) => {
    now = s.now;
    next = s.next;
    s.peers.forEach((p, i) => Object.assign(peers[i]!, p));
  };
  const replay = async (side: Announcer, n: number, from: ReturnType<typeof snapshot>) => {
    restore(from);
    return run(side, n);
  };
  let state = snapshot();
  for (const side of sides) await replay(side.store, PEERS * 2, state);
  state = snapshot();
  console.log(`users ${USERS}, torrents ${TORRENTS}, peers ${PEERS}, ${ANNOUNCES} announces per pass, ${IN_FLIGHT} in flight, numwant 30, flush ${process.env.BENCH_FLUSH === '1' ? 'on' : 'off'}${cluster ? ', 3-master cluster' : ''}`);
  for (let pass = 1; pass <= PASSES; pass++) {
    const start = state;
    for (const side of pass % 2 === 0 ? [...sides].reverse() : sides) {
      await Promise.all(servers.map((s) => s.command('CONFIG', 'RESETSTAT')));
      const cpu0 = await serverCpu();
      const client0 = process.cpuUsage();
      const rate = await replay(side.store, ANNOUNCES, start);
      const client = process.cpuUsage(client0);
      const cpu = (await serverCpu()) - cpu0;
      state = snapshot();
      const infos = await Promise.all(servers.map((s) => s.command('INFO', 'commandstats')));
      const { calls, usec, inner } = evalshaStats(infos);
      console.log(
        `pass ${pass} ${side.name}: ${Math.round(rate)} announces/s, evalsha usec_per_call ${(usec / calls).toFixed(2)} (${calls} calls), server µs per announce ${(usec / ANNOUNCES).toFixed(2)}, ` +
          `redis-server CPU µs per announce ${((cpu * 1e6) / ANNOUNCES).toFixed(1)}, redis.calls per announce ${(inner / ANNOUNCES).toFixed(1)}, client CPU µs per announce ${((client.user + client.system) / ANNOUNCES).toFixed(1)}`,
      );
      if (process.env.BENCH_ALLSTATS) console.log(infos.join('\n'));
    }
  }
} finally {
  for (const side of sides) await side.store.close();
  await (cluster ? cluster.destroy() : servers[0]!.destroy());
}
