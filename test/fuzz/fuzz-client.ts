import { connect } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Pool } from 'undici';
import { API_KEY } from '../helpers/api-daemon.js';
import { rawRequest, type RawTarget } from '../helpers/raw-http.js';
import { apiCase, type ApiTargets } from './api-cases.js';
import { Random } from './random.js';
import { rawCase } from './raw-cases.js';
import { apiProblem, trackerProblem } from './reply-checks.js';
import { trackerCase, type HttpCase, type TrackerTargets } from './tracker-cases.js';

export type PhaseKind = 'tracker' | 'api' | 'raw-tracker' | 'raw-api' | 'slow' | 'silent';

export interface Phase {
  /** Names the phase's stream of cases (with the seed) and its findings. */
  name: string;
  kind: PhaseKind;
  count: number;
  concurrency: number;
}

/** Everything the client side needs; plain data, so it crosses to a worker thread as it is. */
export interface FuzzJob {
  seed: number;
  phases: Phase[];
  trackerPort: number;
  apiPort: number;
  /** The API's certificate (PEM). */
  ca: string;
  /** Seconds within which the daemon must close a connection that never finished its TLS handshake or its request head. */
  silentLimit: number;
  tracker: TrackerTargets;
  api: ApiTargets;
}

export interface Finding {
  phase: string;
  index: number;
  problem: string;
}

export interface FuzzResult {
  total: number;
  findings: Finding[];
  /** One line per phase: cases and seconds. */
  log: string[];
}

const show = (c: HttpCase): string => `${c.method} ${JSON.stringify(c.path.slice(0, 300))} headers=${JSON.stringify(c.headers).slice(0, 300)} body=${c.body?.length ?? 0}B`;

/** FNV-1a of the phase name: each phase its own stream of cases. */
function phaseSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x1000193);
  return h;
}

async function send(pool: Pool, c: HttpCase): Promise<{ status: number; contentType: string | undefined; body: Buffer }> {
  // reset: false keeps the connection after a HEAD too (undici closes it by default, for servers that send a body anyway).
  const res = await pool.request({ method: c.method, path: c.path, headers: c.headers, body: c.body, reset: false });
  const body = Buffer.from(await res.body.arrayBuffer());
  const ct = res.headers['content-type'];
  return { status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct, body };
}

/** The start of a TLS ClientHello record, cut at a random point: the server waits for the rest. */
function halfClientHello(r: Random): Buffer {
  const whole = Buffer.concat([Buffer.from('16030102000100 01fc0303'.replace(/ /g, ''), 'hex'), r.bytes(64)]);
  return whole.subarray(0, 1 + r.int(whole.length - 1));
}

/** Connects, writes `data` (or nothing), and waits: resolves with the ms until the server closed it, or undefined after `ms`. */
function closedByServer(port: number, data: Buffer | undefined, ms: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect({ host: '127.0.0.1', port }, () => data && socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, ms);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
    // What the server sends (a 408 on the tracker) is read and dropped.
    socket.resume();
  });
}

type CaseRunner = (r: Random, index: number) => Promise<string | undefined>;

/** Runs the job's phases one after another, each phase's cases `concurrency` at a time; a failed case is a finding, not a stop. */
export async function runFuzz(job: FuzzJob): Promise<FuzzResult> {
  // Buffers arrive from a worker's message as plain Uint8Arrays.
  const buffers = (list: Uint8Array[]) => list.map((b) => Buffer.from(b));
  const t = job.tracker;
  const tracker: TrackerTargets = { ...t, infoHash: Buffer.from(t.infoHash), peerIds: buffers(t.peerIds), otherInfoHashes: buffers(t.otherInfoHashes) };
  const ca = Buffer.from(job.ca);
  const trackerPool = new Pool(`http://127.0.0.1:${job.trackerPort}`, { connections: 12 });
  // One TLS context for every connection (undici would build one per connection from `ca`).
  const apiPool = new Pool(`https://127.0.0.1:${job.apiPort}`, { connections: 6, connect: { secureContext: createSecureContext({ ca }), servername: 'localhost' } });
  const trackerRaw: RawTarget = { port: job.trackerPort };
  const apiRaw: RawTarget = { port: job.apiPort, ca };

  const runners: Record<PhaseKind, CaseRunner> = {
    async tracker(r) {
      const c = trackerCase(r, tracker);
      const res = await send(trackerPool, c).catch((err: Error) => ({ error: err }));
      if ('error' in res) return `${res.error.message} — ${show(c)}`;
      const p = trackerProblem(res.status, res.contentType, res.body, c.method === 'HEAD');
      return p && `${p} — ${show(c)}`;
    },
    async api(r) {
      const c = apiCase(r, job.api);
      const res = await send(apiPool, c).catch((err: Error) => ({ error: err }));
      if ('error' in res) return `${res.error.message} — ${show(c)}`;
      const p = apiProblem(res.status, res.contentType, res.body, c);
      return p && `${p} — ${show(c)}`;
    },
    'raw-tracker': (r) => raw(r, 'tracker'),
    'raw-api': (r) => raw(r, 'api'),
    // Half requests held open: each must be cut off with a 408 once its headers (or, with a body
    // promised and never sent, its request) timeout passes.
    async slow(_r, i) {
      const api = i % 2 === 1;
      const half = [
        `GET /${tracker.passkey}/announce HTTP/1.1\r\nHost: x\r\nX-Slow: `,
        'GET /api/version HTTP/1.1\r\nHost: x\r\nX-Slow: ',
        `GET /${tracker.passkey}/announce HTTP/1.1\r\nHost: x\r\nX-Slow: `,
        `POST /api/torrent HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"torrent_id":`,
      ][i % 4]!;
      const reply = await rawRequest(api ? apiRaw : trackerRaw, half, { waitMs: 30_000 });
      if (reply.status !== 408) return `slow client: ${reply.status ?? 'no reply'} instead of 408 — ${JSON.stringify(half)}`;
      const ct = reply.headers['content-type'];
      return api ? apiProblem(408, ct, reply.body, { method: 'GET', path: '/api/version' }) : trackerProblem(408, ct, reply.body, false);
    },
    // Connections that never become a request: nothing sent, half a TLS ClientHello, a TLS
    // record of garbage. The daemon must close each one itself, within the handshake or headers timeout.
    async silent(r, i) {
      const api = i % 4 !== 3;
      const data = [undefined, halfClientHello(r), Buffer.concat([Buffer.from('160301', 'hex'), r.bytes(2 + r.length(300))])][i % 4] ?? undefined;
      const closedAfter = await closedByServer(api ? job.apiPort : job.trackerPort, data, (job.silentLimit + 5) * 1000);
      const what = `${api ? 'API' : 'tracker'} socket ${data ? `after ${JSON.stringify(data.subarray(0, 12).toString('hex'))}…` : 'sending nothing'}`;
      if (closedAfter === undefined) return `${what}: still open ${job.silentLimit + 5} s later`;
      return closedAfter > (job.silentLimit + 2) * 1000 ? `${what}: closed only after ${closedAfter} ms` : undefined;
    },
  };

  async function raw(r: Random, kind: 'tracker' | 'api'): Promise<string | undefined> {
    // A target as the HTTP-level cases make them, spaces turned to '+' so the request line keeps its shape.
    const path = (kind === 'tracker' ? trackerCase(r, tracker).path : apiCase(r, job.api).path).replace(/\s/g, '+');
    const host = `Host: 127.0.0.1\r\n${kind === 'api' ? `Authorization: Bearer ${API_KEY}\r\n` : ''}`;
    const c = rawCase(r, path, host);
    const reply = await rawRequest(kind === 'tracker' ? trackerRaw : apiRaw, c.data, c.opts);
    const shown = `raw ${JSON.stringify(c.data.subarray(0, 200).toString('latin1'))}`;
    if (reply.status === undefined) return c.answered ? `no reply (${reply.closed ? 'closed' : 'timed out'}) — ${shown}` : undefined;
    const head = c.data.subarray(0, 5).toString('latin1') === 'HEAD ';
    const ct = reply.headers['content-type'];
    const p = kind === 'tracker' ? trackerProblem(reply.status, ct, reply.body, head) : apiProblem(reply.status, ct, reply.body, { method: head ? 'HEAD' : 'GET', path });
    return p && `${p} — ${shown}`;
  }

  const findings: Finding[] = [];
  const log: string[] = [];
  let total = 0;
  const runPhase = async (phase: Phase) => {
    const run = runners[phase.kind];
    const base = job.seed ^ phaseSeed(phase.name);
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < phase.count) {
        const index = next++;
        const problem = await run(Random.forCase(base, index), index).catch((err: Error) => `threw ${err.message}`);
        if (problem) findings.push({ phase: phase.name, index, problem });
        total++;
      }
    };
    await Promise.all(Array.from({ length: phase.concurrency }, worker));
    log.push(`${phase.name}: ${phase.count} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    // Phases of one job run side by side: slow clients wait while the bulk goes on.
    await Promise.all(job.phases.map(runPhase));
  } finally {
    await Promise.all([trackerPool.close(), apiPool.close()]);
  }
  return { total, findings, log };
}
