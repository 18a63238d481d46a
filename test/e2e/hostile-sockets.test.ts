import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFromConfig, type ApiClient } from '../../src/api/client.js';
import { parseConfig } from '../../src/config/load.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { rawRequest, type RawReply } from '../helpers/raw-http.js';
import { announceQuery, encodeBytes, id20 } from '../helpers/tracker-harness.js';

// Connections an attacker opens against the built `mika serve`: silent, half a TLS ClientHello, too
// many from one address, CONNECT, HEAD, a broken chunked body. Each must be answered or closed, and
// none may leave a file descriptor behind in the daemon.

const KEY = 'hostile-sockets-test-key-0123456789';
const PASSKEY = 'h'.repeat(32);
const HASH = id20('hostile-sockets-torrent');
const CAP = 6;

/** The first bytes of a TLS 1.2/1.3 ClientHello record, cut off: the server waits for the rest. */
const HALF_CLIENT_HELLO = Buffer.from('1603010200010001fc0303' + 'ab'.repeat(20), 'hex');

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** The fd count once it held still for 300 ms (closed connections take a moment to go). */
let lastCount = -1;
let stableSince = 0;
function baselineAfterSettling(pid: number): number {
  const n = openFds(pid);
  if (n !== lastCount) [lastCount, stableSince] = [n, Date.now()];
  return Date.now() - stableSince >= 300 ? n : -1;
}

/** A TCP connection that sends `data` (or nothing) and then waits; resolves with it once connected. */
function idleSocket(port: number, data?: Buffer): Promise<Socket & { closedAt?: number }> {
  return new Promise((resolve, reject) => {
    const s: Socket & { closedAt?: number } = connect({ host: '127.0.0.1', port }, () => {
      if (data) s.write(data);
      resolve(s);
    });
    s.on('error', () => undefined);
    s.once('close', () => (s.closedAt = Date.now()));
    // What the server sends before closing (the tracker's 408) is read and dropped, or 'close' never comes.
    s.resume();
    s.once('connect', () => s.off('error', reject));
    s.once('error', reject);
  });
}

const failure = (r: RawReply): string => Buffer.from((bencode.decode(r.body) as Record<string, Uint8Array>)['failure reason']!).toString('utf8');

describe('hostile connections to mika serve', () => {
  let serve: MikaProcess;
  let api: ApiClient;
  let ports: { tracker: number; api: number; metrics: number };
  let ca: Buffer;
  let pid: number;
  let dir: string;
  let settings: Record<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mika-hostile-'));
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    ports = { tracker: await freePort(), api: await freePort(), metrics: await freePort() };
    settings = {
      tracker: { listen: `127.0.0.1:${ports.tracker}`, whitelist_enabled: false, headers_timeout: 1, request_timeout: 2 },
      api: {
        listen: `127.0.0.1:${ports.api}`,
        keys: [KEY],
        tls_key: join(dir, 'mika-api.key'),
        tls_cert: join(dir, 'mika-api.crt'),
        handshake_timeout: 1,
        headers_timeout: 1,
        request_timeout: 2,
        max_connections_per_ip: CAP,
      },
      metrics: { listen: `127.0.0.1:${ports.metrics}` },
      pidfile: '',
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(settings));
    serve = runMika(['serve'], { cwd: dir });
    await serve.waitFor(/API listening/);
    pid = serve.child.pid!;
    api = clientFromConfig(parseConfig(settings));
    ca = readFileSync(join(dir, 'mika-api.crt'));
    await api.createUser({ user_id: 1, passkey: PASSKEY, name: 'victim' });
    await api.putTorrent({ torrent_id: 1, info_hash: HASH.toString('hex'), name: 'hostile' });
  }, 60_000);

  afterAll(async () => {
    // Closed already when a test failed between closing and reopening it.
    await api?.close().catch(() => undefined);
    if (serve) expect((await serve.stop()).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes silent and half-ClientHello API sockets within api.handshake_timeout, silent tracker sockets within its headers_timeout, and its open fds go back to baseline', { timeout: 30_000 }, async () => {
    // Without the API client's keep-alive connection (the next test opens a new client).
    await api.close();
    await eventually(() => openFds(pid) === baselineAfterSettling(pid), 3000, 100);
    const baseline = openFds(pid);
    const t0 = Date.now();
    // Fewer than the per-address cap, so that the handshake timeout is what closes them.
    const sockets = await Promise.all([
      ...Array.from({ length: 3 }, () => idleSocket(ports.api)),
      ...Array.from({ length: 3 }, () => idleSocket(ports.api, HALF_CLIENT_HELLO)),
      ...Array.from({ length: 3 }, () => idleSocket(ports.tracker)),
    ]);
    await eventually(() => openFds(pid) >= baseline + sockets.length, 800, 5);
    await eventually(() => sockets.every((s) => s.closedAt !== undefined), 5000);
    // handshake_timeout 1 s; node checks it on its own timer, so allow a little over.
    for (const s of sockets) expect(s.closedAt! - t0).toBeLessThan(3000);
    await eventually(() => openFds(pid) <= baseline, 3000);
  });

  it('closes the connections of one address above api.max_connections_per_ip as they arrive', { timeout: 20_000 }, async () => {
    const held = await Promise.all(Array.from({ length: CAP }, () => idleSocket(ports.api)));
    try {
      const extra = await idleSocket(ports.api);
      await eventually(() => extra.closedAt !== undefined, 1000);
      expect(held.filter((s) => s.closedAt !== undefined)).toHaveLength(0);
    } finally {
      for (const s of held) s.destroy();
    }
    // Once they are gone, the address may connect again.
    api = clientFromConfig(parseConfig(settings));
    await eventually(async () => api.version().then(() => true, () => false), 3000);
  });

  it('answers CONNECT on the tracker port with a bencoded 405 and on the API port with a JSON 405', async () => {
    const t = await rawRequest({ port: ports.tracker }, 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
    expect(t.status).toBe(405);
    expect(t.headers['content-type']).toBe('text/plain');
    expect(failure(t)).toBe('method CONNECT not allowed: this is not a proxy');
    const a = await rawRequest({ port: ports.api, ca }, 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
    expect(a.status).toBe(405);
    expect(JSON.parse(a.body.toString('utf8'))).toEqual({ error: { code: 'method_not_allowed', message: 'method CONNECT not allowed: this is not a proxy' } });
  });

  it('refuses HEAD of an announce with 405 and Allow: GET (a HEAD must not apply it), and answers HEAD of a scrape as its GET without body', async () => {
    const q = announceQuery({ infoHash: HASH, peerId: id20('-qB4630-head'), left: 0 });
    const head = await rawRequest({ port: ports.tracker }, `HEAD /${PASSKEY}/announce?${q} HTTP/1.1\r\nHost: x\r\n\r\n`, { head: true });
    expect(head.status).toBe(405);
    expect(head.headers.allow).toBe('GET');
    const scrapeTarget = `/${PASSKEY}/scrape?info_hash=${encodeBytes(HASH)}`;
    const get = await rawRequest({ port: ports.tracker }, `GET ${scrapeTarget} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const headScrape = await rawRequest({ port: ports.tracker }, `HEAD ${scrapeTarget} HTTP/1.1\r\nHost: x\r\n\r\n`, { head: true });
    expect(headScrape.status).toBe(200);
    expect(headScrape.headers['content-length']).toBe(get.headers['content-length']);
    expect(headScrape.body.length).toBe(0);
    // The HEAD announce added no peer.
    expect(get.body.toString('latin1')).toContain('8:completei0e');
  });

  it('does not apply an announce whose chunked body is broken: the client gets 400 and the swarm stays empty', async () => {
    const q = announceQuery({ infoHash: HASH, peerId: id20('-qB4630-chunk'), left: 0, event: 'started' });
    const r = await rawRequest({ port: ports.tracker }, `GET /${PASSKEY}/announce?${q} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`);
    expect(r.status).toBe(400);
    const scrape = await rawRequest({ port: ports.tracker }, `GET /${PASSKEY}/scrape?info_hash=${encodeBytes(HASH)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(scrape.body.toString('latin1')).toContain('8:completei0e');
    // The same announce with a well-formed chunked body is applied.
    const ok = await rawRequest({ port: ports.tracker }, `GET /${PASSKEY}/announce?${q} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    expect(ok.status).toBe(200);
    const after = await rawRequest({ port: ports.tracker }, `GET /${PASSKEY}/scrape?info_hash=${encodeBytes(HASH)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(after.body.toString('latin1')).toContain('8:completei1e');
  });

  it('closes a silent connection to the metrics listener within 10 s, and answers CONNECT there with 405', { timeout: 30_000 }, async () => {
    const t0 = Date.now();
    const silent = await idleSocket(ports.metrics);
    const connect = await rawRequest({ port: ports.metrics }, 'CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(connect.status).toBe(405);
    await eventually(() => silent.closedAt !== undefined, 15_000, 100);
    expect(silent.closedAt! - t0).toBeLessThan(12_000);
  });

  it('exits promptly on SIGTERM although a client holds a half handshake open', { timeout: 20_000 }, async () => {
    const s = await idleSocket(ports.api, HALF_CLIENT_HELLO);
    const t0 = Date.now();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    s.destroy();
  });
});
