import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// CPU per announce of two trees' tracker + memory store, in one process, interleaved: round after
// round each tree replays the same announces (alternating which goes first), and the process's CPU
// time (user + system) is read around each replay. On a busy machine wall-clock figures of two
// separate runs differ by more than the change being measured; interleaving in one process keeps
// the load, the CPU's clock and the JIT's warm-up the same for both. A diagnostic for
// docs/performance.md, not part of `npm run bench`:
//   AB_BASE=/path/to/other/checkout npx tsx bench/ab-tracker.ts
// Env: AB_BASE (required: the "before" tree, with its own src/), AB_ROUNDS (default 30),
// AB_ANNOUNCES (per replay, default 20000), AB_SEEDERS (share of the peers that seed, default 0.5:
// with about two peers a swarm, many seeders are alone and report upload to nobody).

const HEAD = fileURLToPath(new URL('..', import.meta.url));
const BASE = process.env.AB_BASE;
if (!BASE) throw new Error('AB_BASE must name the checkout to compare with');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 30);
const ANNOUNCES = Number(process.env.AB_ANNOUNCES ?? 20_000);
const SEEDERS = Number(process.env.AB_SEEDERS ?? 0.5);

interface Side {
  name: string;
  announce: (passkey: string, url: string) => Promise<unknown>;
  cpu: number[];
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const enc = (hexText: string) => hexText.replace(/../g, (b) => `%${b}`);

/** A tracker on a seeded memory store from `root`'s sources; its clock moves 1 ms per announce. */
async function side(name: string, root: string): Promise<Side> {
  const src = (p: string) => import(resolve(root, p));
  const { MemoryStore } = await src('src/store/memory/memory-store.ts');
  const { Tracker } = await src('src/tracker/tracker.ts');
  const { parseConfig } = await src('src/config/load.ts');
  const { benchUsers, benchTorrents } = await src('bench/fixtures.ts');
  const store = new MemoryStore();
  await store.open();
  await store.putUsers(benchUsers());
  await store.putTorrents(benchTorrents());
  const config = parseConfig({ tracker: { whitelist_enabled: false } });
  let ms = 1_800_000_000_000;
  // Whole seconds for a tree whose tracker reads seconds only, ms as a fraction for one that reads both.
  const clock = () => (ms += 1) / 1000;
  const tracker = new Tracker(store, config, { error: () => {} }, root === HEAD ? clock : () => Math.floor(clock()));
  return { name, announce: (passkey, url) => tracker.announce(passkey, { url, socketAddress: '127.0.0.1', headers: {} }), cpu: [] };
}

const sides = [await side('before', BASE), await side('after', HEAD)];
const { benchUsers, benchTorrents } = await import(resolve(HEAD, 'bench/fixtures.ts'));
const passkeys: string[] = benchUsers().map((u: { passkey: string }) => u.passkey);
const hashes: string[] = benchTorrents().map((t: { infoHash: string }) => t.infoHash);

// 2,000 peers (user, torrent, peer_id) as announce.lua draws them; each announce moves its counters on.
let seed = 20240601;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const peers = Array.from({ length: 2000 }, (_, i) => ({ passkey: passkeys[Math.floor(random() * passkeys.length)]!, ih: hashes[Math.floor(random() * hashes.length)]!, id: `-qB4650-${hex(i, 12)}`, up: 0, left: random() < SEEDERS ? 0 : 1 << 30 }));
const requests = Array.from({ length: ANNOUNCES }, () => {
  const p = peers[Math.floor(random() * peers.length)]!;
  p.up += Math.floor(random() * 1e6);
  return { passkey: p.passkey, url: `/${p.passkey}/announce?info_hash=${enc(p.ih)}&peer_id=${p.id}&port=6881&uploaded=${p.up}&downloaded=0&left=${p.left}&compact=1&numwant=30` };
});

for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
    const t0 = process.cpuUsage();
    for (const r of requests) await s.announce(r.passkey, r.url);
    const d = process.cpuUsage(t0);
    s.cpu.push((d.user + d.system) / ANNOUNCES);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// The first rounds warm the JIT up: left out.
const kept = (s: Side) => s.cpu.slice(Math.min(5, Math.floor(ROUNDS / 3)));
for (const s of sides) process.stdout.write(`${s.name}: ${median(kept(s)).toFixed(2)} µs CPU per announce (median of ${kept(s).length} replays of ${ANNOUNCES}), min ${Math.min(...kept(s)).toFixed(2)}\n`);
const [before, after] = sides.map((s) => median(kept(s)));
process.stdout.write(`after / before: ${((after! / before!) * 100).toFixed(1)} %\n`);
