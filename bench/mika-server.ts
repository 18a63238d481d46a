import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { DATA_FILE } from '../src/store/embedded/layout.js';
import { apiTls } from '../test/helpers/api-daemon.js';
import { BENCH_API_KEY, benchTorrents, benchUsers } from './fixtures.js';
import { fillSwarm } from './swarm-fill.js';

// mika's tracker in this process, as `mika serve` builds it, with the benchmark's users and torrents
// registered through the Store interface. Prints `{"port":N}` once ready. A `counters` line on stdin
// is answered with the tracker's counters as one JSON line (how run.ts counts failure replies, which
// are HTTP 200 and invisible to wrk). SIGTERM closes the daemon and exits 0, so --cpu-prof is written.
//
// With --api-dir, the REST API listens too (its key and certificate are made in that directory, the
// key is BENCH_API_KEY) and the ready line has `api_port`; the registry then starts empty (the warmup
// bench fills it through the API).
//
// A `fill N` line grows the swarm of the sweep torrent (fixtures.ts swarmPeer) to N peers through
// the store's announce (bench/swarm-fill.ts); answered with `{"filled":N,"peers":…,"seconds":…}` (peers as the store counts them).
//
// --redis-nodes host:port,… puts the Redis store on a Redis Cluster (store.redis.mode "cluster").
// --data-dir DIR is the embedded store's data folder (store.path). A `memory` line is answered with
// `{"memory":{heapUsed,rss,dataBytes,commits}}`, after a garbage collection when node runs with
// --expose-gc: the process's memory, the embedded store's data file size and its batches written.
//
//   node --import tsx bench/mika-server.ts --store memory|embedded|redis [--data-dir DIR] [--redis-url redis://127.0.0.1:PORT] [--redis-nodes H:P,…] [--api-dir DIR]

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'redis-nodes': { type: 'string' },
    'api-dir': { type: 'string' },
    'data-dir': { type: 'string' },
  },
});
const apiDir = values['api-dir'];
if (values.store !== 'memory' && values.store !== 'embedded' && values.store !== 'redis') throw new Error(`--store must be memory, embedded or redis, got ${values.store}`);
if (values.store === 'embedded' && values['data-dir'] === undefined) throw new Error('--store embedded needs --data-dir');

// No peer limit: announce.lua's random peers put more than 3 peer_ids of one user on a torrent now
// and then, and every target's figures should count good replies only.
const config = parseConfig({
  tracker: { listen: '127.0.0.1:0', whitelist_enabled: false, enforce_min_interval: false, max_peers_per_user_torrent: 0 },
  store: {
    type: values.store,
    ...(values['data-dir'] === undefined ? {} : { path: values['data-dir'] }),
    redis: { url: values['redis-url'], key_prefix: 'bench:', ...(values['redis-nodes'] ? { mode: 'cluster', nodes: values['redis-nodes'].split(',') } : {}) },
  },
  log: { level: 'warn' },
  ...(apiDir === undefined ? {} : { api: { listen: '127.0.0.1:0', keys: [BENCH_API_KEY], ...(await apiTls(apiDir)) } }),
});
const logger = createLogger(config.log.level);
const daemon = await startDaemon({ config, logger });
if (apiDir === undefined) {
  for (const user of benchUsers()) await daemon.store.putUser(user);
  for (const torrent of benchTorrents()) await daemon.store.putTorrent(torrent);
}

process.stdout.write(`${JSON.stringify({ port: daemon.trackerAddress.port, api_port: daemon.apiAddress?.port, store: daemon.store.kind })}\n`);

function memory(): { heapUsed: number; rss: number; dataBytes: number; commits: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  const dir = values['data-dir'];
  const file = dir === undefined ? undefined : join(dir, DATA_FILE);
  const commits = daemon.store instanceof EmbeddedStore ? daemon.store.commitCount : 0;
  return { heapUsed, rss, dataBytes: file && existsSync(file) ? statSync(file).size : 0, commits };
}

let filled = 0;
async function fill(size: number): Promise<void> {
  const started = performance.now();
  await fillSwarm(daemon.store, config, filled, size, Math.floor(Date.now() / 1000));
  filled = Math.max(filled, size);
  const [counts] = await daemon.store.scrape([benchTorrents(1)[0]!.infoHash]);
  const peers = (counts?.complete ?? 0) + (counts?.incomplete ?? 0);
  process.stdout.write(`${JSON.stringify({ filled: size, peers, seconds: (performance.now() - started) / 1000 })}\n`);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(' ');
  if (command === 'counters') process.stdout.write(`${JSON.stringify({ counters: daemon.tracker.counters })}\n`);
  if (command === 'memory') process.stdout.write(`${JSON.stringify({ memory: memory() })}\n`);
  if (command === 'fill') {
    fill(Number(arg)).catch((err: unknown) => {
      process.stderr.write(`fill failed: ${String(err)}\n`);
      process.exit(1);
    });
  }
});

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  daemon.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
