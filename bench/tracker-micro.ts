import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import type { AnnounceInput, AnnounceResult } from '../src/store/store.js';
import { readAnnounceParams } from '../src/tracker/announce-params.js';
import { announceReply } from '../src/tracker/announce-reply.js';
import { clientAddress, proxyList } from '../src/tracker/client-address.js';
import { compactEndpoint } from '../src/net/ip-address.js';
import { peerCount } from '../src/store/peer-record.js';
import { Tracker } from '../src/tracker/tracker.js';
import { RequestTimings } from '../src/metrics/request-timings.js';
import { benchTorrents, benchUsers, writeFixtureFile } from './fixtures.js';

// Where an announce's time goes inside mika, without HTTP: replays announce.lua's requests through
// each stage of Tracker.announce on the memory store and prints microseconds per announce.
// A diagnostic for docs/performance.md, not part of `npm run bench`:  npx tsx bench/tracker-micro.ts

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSES = Number(process.env.MICRO_PASSES ?? 10);

/** The paths announce.lua sends (its init() writes them when BENCH_DUMP is set; wrk needs a server to start). */
async function requestPaths(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mika-micro-'));
  const server = createServer((_req, res) => res.end('ok'));
  try {
    const fixtures = join(dir, 'fixtures.txt');
    const dump = join(dir, 'paths.txt');
    writeFixtureFile(fixtures);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve, reject) =>
      execFile('wrk', ['-t1', '-c1', '-d1s', '-s', join(ROOT, 'bench/announce.lua'), url], { env: { ...process.env, BENCH_FIXTURES: fixtures, BENCH_DUMP: dump } }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    return readFileSync(dump, 'utf8').split('\n').filter(Boolean);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seeded(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.open();
  for (const u of benchUsers()) await store.putUser(u);
  for (const t of benchTorrents()) await store.putTorrent(t);
  return store;
}

async function time(label: string, ops: number, fn: () => unknown): Promise<number> {
  await fn(); // warm-up pass
  const start = process.hrtime.bigint();
  for (let i = 0; i < PASSES; i++) await fn();
  const us = Number(process.hrtime.bigint() - start) / 1000 / (ops * PASSES);
  process.stdout.write(`${us.toFixed(2).padStart(7)} µs  ${label}\n`);
  return us;
}

const paths = await requestPaths();
const config = parseConfig({ tracker: { whitelist_enabled: false, enforce_min_interval: false }, log: { level: 'warn' } });
const headers = { host: '127.0.0.1', connection: 'keep-alive' };
const rules = { ipv4: true, ipv6: true, allowClientIp: false, trustedProxies: proxyList([]) };
const n = paths.length;
process.stdout.write(`${n} announce requests from announce.lua, ${PASSES} passes each\n`);

let sink: unknown;
await time('readAnnounceParams (the raw URL scanned in place, checks, numbers)', n, () => {
  for (const p of paths) sink = readAnnounceParams(p);
});
await time('clientAddress (socket address, no trusted proxies)', n, () => {
  for (let i = 0; i < n; i++) sink = clientAddress('127.0.0.1', headers, rules);
});
const store = await seeded();
const client = clientAddress('127.0.0.1', headers, rules);
// One instant for every input: replayed passes must not look older than a peer's last announce.
const startedMs = Date.now();
const inputs: AnnounceInput[] = paths.map((path, i) => {
  const p = readAnnounceParams(path);
  const passkey = path.slice(1, path.indexOf('/', 1));
  const torrent = store.torrentByInfoHash(p.infoHash.toString('hex'))!;
  return {
    user: store.userByPasskey(passkey)!,
    torrent,
    peerId: p.peerId,
    endpoint: compactEndpoint(client, p.port),
    uploaded: p.uploaded,
    downloaded: p.downloaded,
    left: p.left,
    event: p.event,
    numwant: Math.min(p.numwant ?? 30, 50),
    now: Math.floor(startedMs / 1000),
    nowMs: startedMs,
    minInterval: 0,
    rules: { multiUp: torrent.multiUp, multiDown: torrent.multiDown, bonusRate: 1, interval: 300, maxUploadRate: 1_073_741_824, creditWithoutLeechers: false },
    limits: { perUserTorrent: 3, perIpTorrent: 0 },
  };
});
const results: AnnounceResult[] = [];
await time('MemoryStore.announce (awaited)', n, async () => {
  results.length = 0;
  for (const input of inputs) results.push(await store.announce(input));
});
const opts = { interval: 300, minInterval: 10, compact: true, noPeerId: true, ipv4: true, ipv6: true, client, warning: undefined };
const peersOut = results.reduce((a, r) => a + peerCount(r.peers), 0) / results.length;
await time(`announceReply (bencode, ${peersOut.toFixed(1)} peers on average)`, n, () => {
  for (const r of results) sink = announceReply(r, opts);
});
const tracker = new Tracker(await seeded(), config, { error: () => {} });
await time('Tracker.announce, all of the above (awaited)', n, async () => {
  for (const path of paths) sink = await tracker.announce(path.slice(1, path.indexOf('/', 1)), { url: path, socketAddress: '127.0.0.1', headers });
});
await time('Tracker.announce, the socket address parsed once (as the announce listener gives it)', n, async () => {
  for (const path of paths) sink = await tracker.announce(path.slice(1, path.indexOf('/', 1)), { url: path, socketAddress: '127.0.0.1', address: client, headers });
});
const timed = new Tracker(await seeded(), config, { error: () => {} }, undefined, new RequestTimings());
await time('Tracker.announce with the daemon\'s latency histograms (metrics)', n, async () => {
  for (const path of paths) sink = await timed.announce(path.slice(1, path.indexOf('/', 1)), { url: path, socketAddress: '127.0.0.1', headers });
});
void sink;
