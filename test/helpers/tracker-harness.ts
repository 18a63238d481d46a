import bencode from 'bencode';
import { inject } from 'light-my-request';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { buildTrackerServer, type TrackerServer } from '../../src/daemon/tracker-server.js';
import type { Store } from '../../src/store/store.js';
import { Tracker } from '../../src/tracker/tracker.js';

/** Percent-encodes every byte outside RFC 3986's unreserved set, as BitTorrent clients do. */
export function encodeBytes(b: Buffer): string {
  let s = '';
  for (const byte of b) {
    const c = String.fromCharCode(byte);
    s += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}

/** A 20-byte id from a short label, padded with a fixed byte (distinct labels, distinct ids). */
export function id20(label: string | Buffer, pad = 0x2e): Buffer {
  const out = Buffer.alloc(20, pad);
  (typeof label === 'string' ? Buffer.from(label, 'latin1') : label).copy(out);
  return out;
}

export interface AnnounceArgs {
  infoHash: Buffer;
  peerId: Buffer;
  port?: number;
  uploaded?: number | string;
  downloaded?: number | string;
  left?: number | string;
  event?: string;
  compact?: string;
  numwant?: number;
  extra?: string;
}

export function announceQuery(a: AnnounceArgs): string {
  let q = `info_hash=${encodeBytes(a.infoHash)}&peer_id=${encodeBytes(a.peerId)}&port=${a.port ?? 6881}`;
  q += `&uploaded=${a.uploaded ?? 0}&downloaded=${a.downloaded ?? 0}&left=${a.left ?? 0}`;
  if (a.event !== undefined) q += `&event=${a.event}`;
  if (a.compact !== undefined) q += `&compact=${a.compact}`;
  if (a.numwant !== undefined) q += `&numwant=${a.numwant}`;
  if (a.extra) q += `&${a.extra}`;
  return q;
}

export type Reply = Record<string, unknown> & {
  'failure reason'?: Uint8Array;
  'warning message'?: Uint8Array;
  peers?: Uint8Array | Array<Record<string, unknown>>;
  peers6?: Uint8Array;
};

export const text = (v: unknown): string => Buffer.from(v as Uint8Array).toString('utf8');

/** One announce over real HTTP to the tracker on 127.0.0.1:`port`, the bencoded reply decoded. */
export async function httpAnnounce(port: number, passkey: string, a: AnnounceArgs): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}/${passkey}/announce?${announceQuery(a)}`);
  return bencode.decode(Buffer.from(await res.arrayBuffer())) as Reply;
}

/** The reply's failure reason as text; undefined when the announce succeeded. */
export const failureOf = (reply: Reply): string | undefined => (reply['failure reason'] === undefined ? undefined : text(reply['failure reason']));

/** Splits a compact peer string into "a.b.c.d:port" / "[v6]:port" texts. */
export function compactPeers(v: unknown, width: 6 | 18): string[] {
  const b = Buffer.from((v ?? new Uint8Array()) as Uint8Array);
  const out: string[] = [];
  for (let i = 0; i + width <= b.length; i += width) {
    const port = b.readUInt16BE(i + width - 2);
    if (width === 6) out.push(`${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}:${port}`);
    else out.push(`[${b.subarray(i, i + 16).toString('hex')}]:${port}`);
  }
  return out;
}

export interface Harness {
  store: Store;
  tracker: Tracker;
  server: TrackerServer;
  config: Config;
  now: number;
  advance(seconds: number): void;
  /** GETs a raw URL from `remoteAddress` and decodes the bencoded body; checks HTTP 200. */
  get(url: string, remoteAddress?: string, headers?: Record<string, string>): Promise<Reply>;
  announce(passkey: string, a: AnnounceArgs, remoteAddress?: string): Promise<Reply>;
  scrape(passkey: string, hashes: Buffer[]): Promise<Reply>;
  reconfigure(patch: (c: Config) => void): void;
  close(): Promise<void>;
}

export const START = 1_800_000_000;

/** A tracker on `store` with a clock the test moves, reached through the server's request listener. */
export async function trackerHarness(store: Store, patch?: (c: Config) => void): Promise<Harness> {
  const config = parseConfig({});
  patch?.(config);
  await store.open();
  const h: Harness = {
    store,
    config,
    now: START,
    tracker: undefined as unknown as Tracker,
    server: undefined as unknown as TrackerServer,
    advance(seconds) {
      h.now += seconds;
    },
    async get(url, remoteAddress = '127.0.0.1', headers = {}) {
      // The server's own request listener (fast path, then fastify), as a socket would reach it.
      const res = await inject(h.server.dispatch, { method: 'GET', url, remoteAddress, headers });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
      return bencode.decode(res.rawPayload) as Reply;
    },
    announce(passkey, a, remoteAddress) {
      return h.get(`/${passkey}/announce?${announceQuery(a)}`, remoteAddress);
    },
    scrape(passkey, hashes) {
      return h.get(`/${passkey}/scrape?${hashes.map((x) => `info_hash=${encodeBytes(x)}`).join('&')}`);
    },
    reconfigure(p) {
      p(config);
      h.tracker.configure(config);
    },
    async close() {
      await h.server.app.close();
      await store.close();
    },
  };
  h.tracker = new Tracker(store, config, { error: (o) => console.error(o) }, () => h.now);
  h.server = await buildTrackerServer(h.tracker);
  return h;
}

/**
 * The scrape `files` dictionary keyed by info_hash hex. The bencode package decodes a key as UTF-8
 * text, or as hex when it is not valid UTF-8; this undoes either.
 */
export function scrapeFiles(reply: Reply): Record<string, Record<string, number>> {
  const files = (reply.files ?? {}) as Record<string, Record<string, number>>;
  return Object.fromEntries(
    Object.entries(files).map(([k, v]) => [/^[0-9a-f]{40}$/.test(k) ? k : Buffer.from(k, 'utf8').toString('hex'), v]),
  );
}
