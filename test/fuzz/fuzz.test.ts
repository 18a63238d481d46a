import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import bencode from 'bencode';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { rawRequest, type RawReply, type RawTarget } from '../helpers/raw-http.js';
import { encodeBytes, failureOf, id20 } from '../helpers/tracker-harness.js';
import { apiCase, type ApiTargets } from './api-cases.js';
import { Random } from './random.js';
import { rawCase } from './raw-cases.js';
import { trackerCase, type HttpCase, type TrackerTargets } from './tracker-cases.js';

// Throws 100,000+ malformed announces, scrapes and API requests at one running daemon (memory store,
// TLS API), over keep-alive connections and raw sockets, and checks every reply: the tracker answers
// 200 with a bencoded dictionary (or a 4xx, still bencoded, for a protocol-level error), the API
// answers JSON errors, nothing answers 5xx, and the daemon is alive and back to its heap baseline
// after. FUZZ_SEED=<n> repeats a run; FUZZ_SCALE=0.1 runs a tenth of the cases (while working).

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const n = (count: number) => Math.max(1, Math.round(count * SCALE));
const COUNTS = { tracker: n(80_000), api: n(17_000), rawTracker: n(2_400), rawApi: n(600), slow: 40 };
const MIN_TOTAL = SCALE >= 1 ? 100_000 : 0;
/** Heap growth after GC that still counts as "back to baseline": state the fuzz legitimately adds (a few registered records, a bounded swarm). */
const HEAP_SLACK = 24 * 1024 * 1024;

const TRACKER: TrackerTargets = {
  passkey: 'fuzz-passkey-'.padEnd(40, 'p'),
  infoHash: id20('fuzz-torrent', 0xa5),
  peerIds: Array.from({ length: 32 }, (_, i) => id20(`-FZ0001-${String(i).padStart(4, '0')}`, 0x80 + i)),
};
const API: ApiTargets = { userId: 42, infoHash: 'ab'.repeat(20), prefix: '-AP' };

interface Finding {
  phase: string;
  index: number;
  problem: string;
}

const show = (c: HttpCase): string => `${c.method} ${JSON.stringify(c.path.slice(0, 300))} headers=${JSON.stringify(c.headers).slice(0, 300)} body=${c.body?.length ?? 0}B`;

function bencodedDict(body: Buffer): string | undefined {
  if (body[0] !== 0x64 /* d */ || body[body.length - 1] !== 0x65 /* e */) return `not a bencoded dictionary: ${JSON.stringify(body.subarray(0, 80).toString('latin1'))}`;
  try {
    const d = bencode.decode(body) as Record<string, unknown>;
    if (!('failure reason' in d) && !('interval' in d) && !('files' in d)) return `bencoded dictionary without failure reason, interval or files: ${Object.keys(d).join(',')}`;
  } catch (err) {
    return `bencode does not decode: ${(err as Error).message}`;
  }
  return undefined;
}

/** What is wrong with a tracker reply, if anything. */
function trackerProblem(status: number, contentType: string | undefined, body: Buffer, head: boolean): string | undefined {
  if (status !== 200 && (status < 400 || status > 499)) return `HTTP ${status}`;
  if (head) return undefined;
  if (!contentType?.startsWith('text/plain')) return `HTTP ${status} content-type ${contentType}`;
  const bad = bencodedDict(body);
  return bad && `HTTP ${status}: ${bad}`;
}

/** What is wrong with an API reply, if anything. */
function apiProblem(status: number, contentType: string | undefined, body: Buffer, req: { method: string; path: string }): string | undefined {
  const reloadWithoutConfig = status === 501 && req.path.startsWith('/api/reload');
  if (status >= 500 && !reloadWithoutConfig) return `HTTP ${status}: ${body.toString('utf8').slice(0, 200)}`;
  if (req.method === 'HEAD' || status === 204) return undefined;
  if (status < 400 && req.path.startsWith('/metrics')) return undefined;
  if (!contentType?.startsWith('application/json')) return `HTTP ${status} content-type ${contentType}`;
  let json: { error?: { code?: unknown; message?: unknown } };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return `HTTP ${status}: body is not JSON: ${JSON.stringify(body.subarray(0, 80).toString('latin1'))}`;
  }
  if (status >= 400 && (typeof json?.error?.code !== 'string' || typeof json.error.message !== 'string')) return `HTTP ${status}: not an API error: ${body.toString('utf8').slice(0, 200)}`;
  return undefined;
}

/** Runs `count` cases, `concurrency` at a time; a case's failure is a finding, not a stop. */
async function runCases(phase: string, count: number, concurrency: number, findings: Finding[], one: (r: Random, index: number) => Promise<string | undefined>): Promise<number> {
  let next = 0;
  let done = 0;
  // Each phase its own stream of cases: FNV-1a of its name.
  let phaseSeed = 0x811c9dc5;
  for (let i = 0; i < phase.length; i++) phaseSeed = Math.imul(phaseSeed ^ phase.charCodeAt(i), 0x1000193);
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const r = Random.forCase(SEED ^ phaseSeed, index);
      try {
        const problem = await one(r, index);
        if (problem) findings.push({ phase, index, problem });
      } catch (err) {
        findings.push({ phase, index, problem: `threw ${(err as Error).message}` });
      }
      done++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  console.log(`${phase}: ${done} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return done;
}

async function send(pool: Pool, c: HttpCase): Promise<{ status: number; contentType: string | undefined; body: Buffer }> {
  const res = await pool.request({ method: c.method, path: c.path, headers: c.headers, body: c.body });
  const body = Buffer.from(await res.body.arrayBuffer());
  const ct = res.headers['content-type'];
  return { status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct, body };
}

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

describe('malformed requests thrown at a running daemon', () => {
  let dir: string;
  let d: ApiDaemon;
  let trackerPool: Pool;
  let apiPool: Pool;
  let trackerRaw: RawTarget;
  let apiRaw: RawTarget;

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} repeats this run)`);
    dir = mkdtempSync(join(tmpdir(), 'mika-fuzz-'));
    const limits = { headers_timeout: 2, request_timeout: 4 };
    d = await startApiDaemon(dir, { config: { tracker: { ...limits, whitelist_enabled: true }, api: limits } });
    const { store } = d.daemon;
    await store.putUser({ id: 5_000_000, passkey: TRACKER.passkey, name: 'fuzz', canLeech: true, enabled: true });
    await store.putTorrent({ id: 5_000_000, infoHash: TRACKER.infoHash.toString('hex'), name: 'fuzz', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
    await store.putWhitelist({ prefix: '-FZ0001-', client: 'fuzz' });
    await store.putUser({ id: API.userId, passkey: 'api-victim-'.padEnd(40, 'v'), name: 'victim', canLeech: true, enabled: true });
    await store.putTorrent({ id: 42, infoHash: API.infoHash, name: 'victim', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
    await store.putWhitelist({ prefix: API.prefix, client: 'victim' });
    trackerPool = new Pool(`http://127.0.0.1:${d.daemon.trackerAddress.port}`, { connections: 12, pipelining: 1 });
    apiPool = new Pool(`https://127.0.0.1:${d.daemon.apiAddress!.port}`, { connections: 6, connect: { ca: d.ca, servername: 'localhost' } });
    trackerRaw = { port: d.daemon.trackerAddress.port };
    apiRaw = { port: d.daemon.apiAddress!.port, ca: d.ca };
  });

  afterAll(async () => {
    await Promise.all([trackerPool?.close(), apiPool?.close()]);
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const validAnnounce = async (): Promise<string | undefined> => {
    const q = `info_hash=${encodeBytes(TRACKER.infoHash)}&peer_id=${encodeBytes(TRACKER.peerIds[0]!)}&port=6881&uploaded=0&downloaded=0&left=0&event=started`;
    const res = await send(trackerPool, { method: 'GET', path: `/${TRACKER.passkey}/announce?${q}`, headers: {} });
    const reply = bencode.decode(res.body) as Record<string, unknown>;
    return res.status === 200 && 'interval' in reply ? undefined : `HTTP ${res.status} ${failureOf(reply as never) ?? ''}`;
  };

  it('answers every case as the protocol says, stays up, and gives its memory back', async () => {
    const findings: Finding[] = [];
    const t0 = Date.now();
    const trackerOne = async (r: Random) => {
      const c = trackerCase(r, TRACKER);
      const res = await send(trackerPool, c).catch((err: Error) => ({ error: err }));
      if ('error' in res) return `${res.error.message} — ${show(c)}`;
      const p = trackerProblem(res.status, res.contentType, res.body, c.method === 'HEAD');
      return p && `${p} — ${show(c)}`;
    };
    const apiOne = async (r: Random) => {
      const c = apiCase(r, API);
      const res = await send(apiPool, c).catch((err: Error) => ({ error: err }));
      if ('error' in res) return `${res.error.message} — ${show(c)}`;
      const p = apiProblem(res.status, res.contentType, res.body, c);
      return p && `${p} — ${show(c)}`;
    };
    const rawOne = (target: RawTarget, kind: 'tracker' | 'api') => async (r: Random) => {
      const path: string = kind === 'tracker' ? trackerCase(r, TRACKER).path : apiCase(r, API).path;
      const host = `Host: 127.0.0.1\r\n${kind === 'api' ? `Authorization: Bearer ${API_KEY}\r\n` : ''}`;
      const c = rawCase(r, path.replace(/[\s]/g, '+'), host);
      const reply: RawReply = await rawRequest(target, c.data, c.opts);
      const shown = `raw ${JSON.stringify(c.data.subarray(0, 200).toString('latin1'))}`;
      if (reply.status === undefined) return c.answered ? `no reply (${reply.closed ? 'closed' : 'timed out'}) — ${shown}` : undefined;
      const head = c.data.subarray(0, 5).toString('latin1') === 'HEAD ';
      const p = kind === 'tracker' ? trackerProblem(reply.status, reply.headers['content-type'], reply.body, head) : apiProblem(reply.status, reply.headers['content-type'], reply.body, { method: head ? 'HEAD' : 'GET', path });
      return p && `${p} — ${shown}`;
    };
    // Half requests held open: each must be cut off with a 408 once its headers timeout passes.
    const slowOne = async (_r: Random, i: number) => {
      const api = i % 2 === 1;
      const reply = await rawRequest(api ? apiRaw : trackerRaw, `GET ${api ? '/api/version' : `/${TRACKER.passkey}/announce`} HTTP/1.1\r\nHost: x\r\nX-Slow: `, { waitMs: 30_000 });
      if (reply.status !== 408) return `slow client: ${reply.status ?? 'no reply'} instead of 408`;
      return api ? apiProblem(408, reply.headers['content-type'], reply.body, { method: 'GET', path: '/api' }) : trackerProblem(408, reply.headers['content-type'], reply.body, false);
    };

    // Warm up (JIT, pools, caches) before the heap baseline; these cases count too.
    let total = await runCases('warm-tracker', n(2000), 16, findings, trackerOne);
    total += await runCases('warm-api', n(400), 6, findings, apiOne);
    const baseline = await heapAfterGc();

    const counts = await Promise.all([
      runCases('tracker', COUNTS.tracker, 24, findings, trackerOne),
      runCases('api', COUNTS.api, 8, findings, apiOne),
      runCases('raw-tracker', COUNTS.rawTracker, 6, findings, rawOne(trackerRaw, 'tracker')),
      runCases('raw-api', COUNTS.rawApi, 3, findings, rawOne(apiRaw, 'api')),
      runCases('slow', COUNTS.slow, COUNTS.slow, findings, slowOne),
    ]);
    total += counts.reduce((a, b) => a + b, 0);

    const alive = await validAnnounce();
    const heap = await heapAfterGc();
    const seconds = (Date.now() - t0) / 1000;
    console.log(
      `fuzz seed ${SEED}: ${total} cases in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ${findings.length} findings; ` +
        `heap after GC ${(baseline / 2 ** 20).toFixed(1)} MiB before, ${(heap / 2 ** 20).toFixed(1)} MiB after`,
    );
    for (const f of findings.slice(0, 20)) console.log(`FUZZ_SEED=${SEED} ${f.phase} #${f.index}: ${f.problem}`);

    expect(findings.slice(0, 5)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(MIN_TOTAL);
    expect(alive).toBeUndefined();
    expect(heap - baseline).toBeLessThan(HEAP_SLACK);
  }, 280_000);
});
