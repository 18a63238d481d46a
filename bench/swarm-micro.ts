import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Does a memory-store announce cost the same in a swarm of 1,000 peers as in one of 100,000? In
// process, without HTTP (on a busy machine the sweep's HTTP figures move more than the difference):
// for each size, each tree's MemoryStore gets a swarm of that size (bench/swarm-fill.ts), then
// replays regular announces of 20,000 of its peers spread evenly over it (no event, counters
// unchanged, numwant 50, as bench/swarm.lua does), round after round, the trees alternating; the
// process's CPU time around each replay gives µs per announce. Each announce's compact reply is
// built too (the tree's own announceReply), as the tracker builds it: the reply reads the records
// the store handed out, and in a big swarm that read is where scattered records cost. A diagnostic
// for docs/performance.md, not part of `npm run bench`:
//   [AB_BASE=/path/to/other/checkout] npx tsx bench/swarm-micro.ts
// Env: SWARM_SIZES (default 1000,100000), SWARM_ROUNDS (default 12), AB_BASE (a "before" tree,
// optional), SWARM_REPLY=0 (the store alone, no reply).

const HEAD = fileURLToPath(new URL('..', import.meta.url));
const SIZES = (process.env.SWARM_SIZES ?? '1000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.SWARM_ROUNDS ?? 12);
const REPLAYED = 20_000;
const REPLY = process.env.SWARM_REPLY !== '0';

interface Side {
  name: string;
  size: number;
  replay: () => Promise<void>;
  cpu: number[];
}

async function side(name: string, root: string, size: number): Promise<Side> {
  const src = (p: string) => import(resolve(root, p));
  const { MemoryStore } = await src('src/store/memory/memory-store.ts');
  const { parseConfig } = await src('src/config/load.ts');
  const { benchUsers, benchTorrents, swarmPeer } = await src('bench/fixtures.ts');
  const { fillSwarm } = await src('bench/swarm-fill.ts');
  const { announceReply } = await src('src/tracker/announce-reply.ts');
  const { parseAddress } = await src('src/net/ip-address.ts');
  const replyOptions = { interval: 1800, minInterval: 900, compact: true, noPeerId: true, ipv4: true, ipv6: true, client: parseAddress('127.0.0.1'), warning: undefined };
  const store = new MemoryStore();
  await store.open();
  await store.putUsers(benchUsers());
  await store.putTorrents(benchTorrents(1));
  const config = parseConfig({ tracker: { whitelist_enabled: false } });
  let now = 1_800_000_000;
  await fillSwarm(store, config, 0, size, now);
  const users = benchUsers();
  const torrent = benchTorrents(1)[0]!;
  const rules = { multiUp: 1, multiDown: 1, bonusRate: 0, interval: 1800, maxUploadRate: 0, creditWithoutLeechers: false };
  const count = Math.min(size, REPLAYED);
  const peers = Array.from({ length: count }, (_, k) => swarmPeer(Math.floor((k * size) / count), users));
  return {
    name,
    size,
    cpu: [],
    replay: async () => {
      now++;
      for (const p of peers) {
        const endpoint = Buffer.from([127, 0, 0, 1, p.port >> 8, p.port & 255]);
        const result = await store.announce({ user: p.user, torrent, peerId: p.peerId, endpoint, uploaded: 0, downloaded: 0, left: p.left, event: undefined, numwant: 50, now, nowMs: now * 1000, minInterval: 0, rules, limits: { perUserTorrent: 0, perIpTorrent: 0 } });
        if (REPLY) announceReply(result, replyOptions);
      }
    },
  };
}

const trees = [...(process.env.AB_BASE ? [['before', process.env.AB_BASE] as const] : []), ['after', HEAD] as const];
const sides: Side[] = [];
for (const size of SIZES) for (const [name, root] of trees) sides.push(await side(name, root, size));
for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
    const t0 = process.cpuUsage();
    await s.replay();
    const d = process.cpuUsage(t0);
    s.cpu.push((d.user + d.system) / Math.min(s.size, REPLAYED));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kept = (s: Side) => s.cpu.slice(Math.min(3, Math.floor(ROUNDS / 3)));
for (const [name] of trees) {
  const mine = sides.filter((s) => s.name === name);
  const first = median(kept(mine[0]!));
  for (const s of mine) process.stdout.write(`${name} ${s.size.toLocaleString('en-US')} peers: ${median(kept(s)).toFixed(2)} µs CPU per announce (median of ${kept(s).length}; min ${Math.min(...kept(s)).toFixed(2)}), ${((median(kept(s)) / first) * 100).toFixed(0)} % of ${mine[0]!.size.toLocaleString('en-US')}\n`);
}
