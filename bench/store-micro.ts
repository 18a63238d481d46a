import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { DATA_FILE } from '../src/store/embedded/layout.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import type { Store } from '../src/store/store.js';
import { Tracker } from '../src/tracker/tracker.js';
import { benchTorrents, benchUsers } from './fixtures.js';

// The durable write's cost per announce, in process and without HTTP: the tracker on the memory
// store and on the embedded store replays the same announces (2,000 peers of 50 users on 1,000
// torrents, as announce.lua draws them) with MICRO_INFLIGHT announces in flight (as wrk's
// connections would), and prints CPU µs per announce, announces/s and, for the embedded store,
// announces per commit. A diagnostic for docs/performance.md, not part of `npm run bench`:
//   npx tsx bench/store-micro.ts      (env MICRO_ANNOUNCES, default 40000; MICRO_INFLIGHT, default 50; MICRO_ROUNDS, default 3;
//                                      MICRO_STORES, default memory,embedded)

const ANNOUNCES = Number(process.env.MICRO_ANNOUNCES ?? 40_000);
const INFLIGHT = Number(process.env.MICRO_INFLIGHT ?? 50);
const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 3);

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const enc = (hexText: string) => hexText.replace(/../g, (b) => `%${b}`);

let seed = 20240601;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const users = benchUsers();
const torrents = benchTorrents();
const peers = Array.from({ length: 2000 }, (_, i) => ({ passkey: users[Math.floor(random() * users.length)]!.passkey, ih: torrents[Math.floor(random() * torrents.length)]!.infoHash, id: `-qB4650-${hex(i, 12)}`, up: 0, left: random() < 0.6 ? 0 : 1 << 30 }));
const requests = Array.from({ length: ANNOUNCES }, () => {
  const p = peers[Math.floor(random() * peers.length)]!;
  p.up += Math.floor(random() * 1e6);
  return { passkey: p.passkey, url: `/${p.passkey}/announce?info_hash=${enc(p.ih)}&peer_id=${p.id}&port=6881&uploaded=${p.up}&downloaded=0&left=${p.left}&compact=1&numwant=50` };
});

async function run(name: string, store: Store, after?: () => string): Promise<void> {
  await store.open();
  await store.putUsers(users);
  await store.putTorrents(torrents);
  const config = parseConfig({ tracker: { whitelist_enabled: false, enforce_min_interval: false, max_peers_per_user_torrent: 0 } });
  let ms = 1_800_000_000_000;
  const tracker = new Tracker(store, config, { error: () => {} }, () => (ms += 1) / 1000);
  for (let round = 0; round < ROUNDS; round++) {
    const before = after?.();
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        await tracker.announce(r.passkey, { url: r.url, socketAddress: '127.0.0.1', headers: {} });
      }
    };
    await Promise.all(Array.from({ length: INFLIGHT }, lane));
    const d = process.cpuUsage(t0);
    const wall = (performance.now() - w0) / 1000;
    process.stdout.write(`${name} round ${round}: ${((d.user + d.system) / ANNOUNCES).toFixed(1)} µs CPU/announce (user ${(d.user / ANNOUNCES).toFixed(1)}), ${Math.round(ANNOUNCES / wall)} announces/s${before === undefined ? '' : `, ${before} → ${after!()}`}\n`);
  }
  await store.close();
}

const STORES = (process.env.MICRO_STORES ?? 'memory,embedded').split(',');
if (STORES.includes('memory')) await run('memory', new MemoryStore());
const dir = mkdtempSync(join(tmpdir(), 'mika-micro-'));
const embedded = new EmbeddedStore({ path: dir });
let commits = 0;
if (STORES.includes('embedded')) await run('embedded', embedded, () => {
  const c = embedded.commitCount;
  const line = `${c - commits} commits (${((ANNOUNCES / Math.max(1, c - commits))).toFixed(1)} announces each), file ${statSync(join(dir, DATA_FILE)).size} B`;
  commits = c;
  return line;
});
rmSync(dir, { recursive: true, force: true });
