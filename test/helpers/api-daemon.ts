import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bencode from 'bencode';
import { Agent, fetch } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import type { Store } from '../../src/store/store.js';
import type { Clock } from '../../src/tracker/tracker.js';
import { genkey } from '../../src/tls/genkey.js';
import { announceQuery, type AnnounceArgs, type Reply } from './tracker-harness.js';

export const API_KEY = 'test-api-key-'.padEnd(40, 'k');

export interface ApiReply {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204). */
  body: any;
}

export interface ApiDaemon {
  daemon: Daemon;
  ca: Buffer;
  /** An HTTPS request to the API over real TLS; `auth: false` sends no credentials. */
  api(method: string, path: string, opts?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: boolean }): Promise<ApiReply>;
  /** An announce over HTTP to the tracker port, bencoded reply decoded. */
  announce(passkey: string, a: AnnounceArgs): Promise<Reply>;
  close(): Promise<void>;
}

/** TLS files for the API in `dir` (made once per dir by genkey). */
export async function apiTls(dir: string): Promise<{ tls_key: string; tls_cert: string }> {
  const paths = { keyPath: join(dir, 'api.key'), certPath: join(dir, 'api.crt') };
  // A year, as genkey's default: one under 30 days would turn /api/health degraded.
  await genkey({ ...paths, hosts: [], days: 365, keyType: 'ec', force: true });
  return { tls_key: paths.keyPath, tls_cert: paths.certPath };
}

/** A daemon in this process with the API on a free port over real TLS, its key made in `dir`. */
export async function startApiDaemon(
  dir: string,
  opts: { store?: Store; clock?: Clock; config?: Record<string, any>; rereadConfig?: () => Config } = {},
): Promise<ApiDaemon> {
  const tls = await apiTls(dir);
  const raw = opts.config ?? {};
  const config = parseConfig({
    ...raw,
    tracker: { listen: '127.0.0.1:0', ...raw.tracker },
    // Without a store given, the memory store: the default embedded one would write ./data under the repository.
    store: { type: 'memory', ...raw.store },
    api: { listen: '127.0.0.1:0', ...tls, keys: [API_KEY], username: 'site', password: 'secret-pass-of-16+chars', ...raw.api },
    log: { level: 'silent' },
  });
  const daemon = await startDaemon({ config, logger: createLogger('silent'), store: opts.store, clock: opts.clock, rereadConfig: opts.rereadConfig });
  const ca = readFileSync(tls.tls_cert);
  const agent = new Agent({ connect: { ca, servername: 'localhost' } });
  return {
    daemon,
    ca,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.auth === false ? {} : { authorization: `Bearer ${API_KEY}` }), ...o.headers };
      let body: string | undefined = o.rawBody;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`https://127.0.0.1:${daemon.apiAddress!.port}${path}`, { method, headers, body, dispatcher: agent });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async announce(passkey, a) {
      const res = await fetch(`http://127.0.0.1:${daemon.trackerAddress.port}/${passkey}/announce?${announceQuery(a)}`);
      return bencode.decode(Buffer.from(await res.arrayBuffer())) as Reply;
    },
    async close() {
      await agent.close();
      await daemon.close();
    },
  };
}
