import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import bencode from 'bencode';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { encodeBytes, failureOf, type Reply } from '../helpers/tracker-harness.js';
import type { ApiTargets } from './api-cases.js';
import type { FuzzJob, FuzzResult, Phase } from './fuzz-client.js';
import { FUZZ_TRACKER } from './fuzz-targets.js';

// Throws 100,000+ malformed announces, scrapes and API requests at one running daemon (memory store,
// TLS API), over keep-alive connections and raw sockets, and checks every reply: the tracker answers
// 200 with a bencoded dictionary (or a 4xx, still bencoded, for a protocol-level error), the API
// answers JSON errors, nothing answers 5xx, and the daemon is alive and back to its heap baseline
// after. The clients run in a worker thread (fuzz-worker.ts), the daemon here.
// FUZZ_SEED=<n> repeats a run; FUZZ_SCALE=0.1 runs a tenth of the cases (while working).

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const n = (count: number) => Math.max(1, Math.round(count * SCALE));
const WARM_UP: Phase[] = [
  { name: 'warm-tracker', kind: 'tracker', count: n(2000), concurrency: 16 },
  { name: 'warm-api', kind: 'api', count: n(400), concurrency: 6 },
];
const MAIN: Phase[] = [
  { name: 'tracker', kind: 'tracker', count: n(80_000), concurrency: 24 },
  { name: 'api', kind: 'api', count: n(17_000), concurrency: 8 },
  { name: 'raw-tracker', kind: 'raw-tracker', count: n(2_400), concurrency: 6 },
  { name: 'raw-api', kind: 'raw-api', count: n(600), concurrency: 3 },
  { name: 'slow', kind: 'slow', count: 40, concurrency: 40 },
  { name: 'silent', kind: 'silent', count: 40, concurrency: 20 },
];
/** api.handshake_timeout of the fuzzed daemon (the tracker's headers_timeout is as long). */
const SILENT_LIMIT = 2;
const MIN_TOTAL = SCALE >= 1 ? 100_000 : 0;
/**
 * Heap growth after GC that still counts as "back to baseline": the state the fuzz legitimately
 * adds (records the API cases register, a swarm of at most 32 peers) measured about 1.5 MiB; a leak
 * of 100 bytes per request would be 10 MiB.
 */
const HEAP_SLACK = 8 * 1024 * 1024;

const API: ApiTargets = { userId: 42, infoHash: 'ab'.repeat(20), prefix: '-AP' };

const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** CPU seconds of this (the daemon's) thread so far, from Linux's per-thread counters; NaN elsewhere. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

/** Runs `job` in the worker and waits for its result. */
function inWorker(worker: Worker, job: FuzzJob): Promise<FuzzResult> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.once('message', (m: { result?: FuzzResult; error?: string }) => {
      worker.off('error', onError);
      if (m.result) resolve(m.result);
      else reject(new Error(`fuzz worker failed: ${m.error}`));
    });
    worker.postMessage(job);
  });
}

describe('malformed requests thrown at a running daemon', () => {
  let dir: string;
  let d: ApiDaemon;
  let worker: Worker;

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} repeats this run)`);
    dir = mkdtempSync(join(tmpdir(), 'mika-fuzz-'));
    const limits = { headers_timeout: 2, request_timeout: 4 };
    // The fuzz's one user announces with 32 peer_ids on one torrent: the per-user peer limit (3 by
    // default) would refuse the valid announce checked at the end.
    const tracker = { ...limits, whitelist_enabled: true, max_peers_per_user_torrent: FUZZ_TRACKER.peerIds.length };
    d = await startApiDaemon(dir, { config: { tracker, api: { ...limits, handshake_timeout: SILENT_LIMIT } } });
    const { store } = d.daemon;
    await store.putUser({ id: 5_000_000, passkey: FUZZ_TRACKER.passkey, name: 'fuzz', canLeech: true, enabled: true, leechSlots: 0 });
    await store.putTorrent({ id: 5_000_000, infoHash: FUZZ_TRACKER.infoHash.toString('hex'), name: 'fuzz', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
    await store.putWhitelist({ prefix: '-FZ0001-', client: 'fuzz' });
    await store.putUser({ id: 5_000_001, passkey: FUZZ_TRACKER.otherPasskeys[0]!, name: 'disabled', canLeech: true, enabled: false, leechSlots: 0 });
    await store.putUser({ id: 5_000_002, passkey: FUZZ_TRACKER.otherPasskeys[1]!, name: 'no leech', canLeech: false, enabled: true, leechSlots: 0 });
    await store.putTorrent({ id: 5_000_001, infoHash: FUZZ_TRACKER.otherInfoHashes[0]!.toString('hex'), name: 'disabled', multiUp: 1, multiDown: 1, enabled: false, reason: 'dupe' });
    await store.putUser({ id: API.userId, passkey: 'api-victim-'.padEnd(40, 'v'), name: 'victim', canLeech: true, enabled: true, leechSlots: 0 });
    await store.putTorrent({ id: 42, infoHash: API.infoHash, name: 'victim', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
    await store.putWhitelist({ prefix: API.prefix, client: 'victim' });
    // tsx loads the worker's TypeScript, as it does for `npm run bench`.
    worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url));
  });

  afterAll(async () => {
    await worker?.terminate();
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const job = (phases: Phase[]): FuzzJob => ({
    seed: SEED,
    phases,
    trackerPort: d.daemon.trackerAddress.port,
    apiPort: d.daemon.apiAddress!.port,
    ca: d.ca.toString('latin1'),
    silentLimit: SILENT_LIMIT,
    tracker: FUZZ_TRACKER,
    api: API,
  });

  /** A well-formed announce: undefined when it succeeds, else what came back. */
  const validAnnounce = async (): Promise<string | undefined> => {
    const q = `info_hash=${encodeBytes(FUZZ_TRACKER.infoHash)}&peer_id=${encodeBytes(FUZZ_TRACKER.peerIds[0]!)}&port=6881&uploaded=0&downloaded=0&left=0&event=started`;
    const res = await request(`http://127.0.0.1:${d.daemon.trackerAddress.port}/${FUZZ_TRACKER.passkey}/announce?${q}`);
    const reply = bencode.decode(Buffer.from(await res.body.arrayBuffer())) as Reply;
    return res.statusCode === 200 && 'interval' in reply ? undefined : `HTTP ${res.statusCode} ${failureOf(reply) ?? ''}`;
  };

  it('answers every case as the protocol says, stays up, and gives its memory back', async () => {
    const t0 = Date.now();
    const cpu0 = { daemon: mainThreadCpu(), all: process.cpuUsage() };
    // Warm up (JIT, connections, caches) before the heap baseline; these cases count too.
    const warm = await inWorker(worker, job(WARM_UP));
    const baseline = await heapAfterGc();
    const main = await inWorker(worker, job(MAIN));
    const alive = await validAnnounce();
    const apiAlive = await d.api('GET', '/api/version');
    const heap = await heapAfterGc();

    const total = warm.total + main.total;
    const { ok, failures } = d.daemon.tracker.counters;
    const findings = [...warm.findings, ...main.findings];
    const seconds = (Date.now() - t0) / 1000;
    // CPU time of the daemon's thread and of the rest (clients, GC helpers): about what the run takes
    // on two idle cores, whatever the machine's load now.
    const all = process.cpuUsage(cpu0.all);
    const allSeconds = (all.user + all.system) / 1e6;
    const daemonSeconds = mainThreadCpu() - cpu0.daemon;
    const cpu = `CPU: daemon thread ${daemonSeconds.toFixed(1)} s, client thread and the rest ${(allSeconds - daemonSeconds).toFixed(1)} s`;
    console.log(
      [
        ...warm.log,
        ...main.log,
        `fuzz seed ${SEED}: ${total} cases in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ${findings.length} findings; ` +
          `daemon heap after GC ${(baseline / 2 ** 20).toFixed(1)} MiB before, ${(heap / 2 ** 20).toFixed(1)} MiB after; ${cpu}`,
        `tracker replies: ${ok.announce} announces and ${ok.scrape} scrapes answered without failure; failures ${JSON.stringify(failures)}`,
        ...findings.slice(0, 20).map((f) => `FUZZ_SEED=${SEED} ${f.phase} #${f.index}: ${f.problem}`),
      ].join('\n'),
    );

    expect(findings.slice(0, 5)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(MIN_TOTAL);
    expect(alive).toBeUndefined();
    expect(apiAlive).toMatchObject({ status: 200, body: { name: 'mika' } });
    expect(heap - baseline).toBeLessThan(HEAP_SLACK);
    // The cases got past the passkey, the parameters and the registry checks, into the store and back.
    expect(ok.announce).toBeGreaterThan(0);
    expect(ok.scrape).toBeGreaterThan(0);
    if (SCALE >= 1) expect(Object.keys(failures)).toEqual(expect.arrayContaining(['malformed', 'unknown_passkey', 'user_disabled', 'not_whitelisted', 'unregistered_torrent', 'torrent_disabled', 'leech_denied']));
  }, 280_000);
});
