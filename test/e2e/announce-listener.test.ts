import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { rawCase } from '../fuzz/raw-cases.js';
import { Random } from '../fuzz/random.js';
import { FUZZ_TRACKER } from '../fuzz/fuzz-targets.js';
import { trackerCase } from '../fuzz/tracker-cases.js';
import { rawRequest } from '../helpers/raw-http.js';
import { announceQuery, encodeBytes, id20, type Reply } from '../helpers/tracker-harness.js';

// The tracker port's own announce listener (src/daemon/announce-listener.ts) and its hand-over to
// node:http: what it serves must look the same as what node:http serves, and every request it does
// not serve, at any point of a connection, must reach node:http with its bytes intact and in order.

const PASSKEY = 'listener-test-passkey-'.padEnd(32, 'k');
const HASH = id20('announce-listener-torrent');

interface Response {
  head: string;
  body: Buffer;
}

/** A raw connection to the tracker port that reads responses (Content-Length framed, 1xx skipped) as they come. */
class Client {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<Client> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    return new Client(socket);
  }

  send(data: string): void {
    this.socket.write(Buffer.from(data, 'latin1'));
  }

  /** The next response (`head`: to a HEAD, no body whatever its length); undefined when the server closed the connection before a whole one. */
  async next(head = false): Promise<Response | undefined> {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const text = this.buf.subarray(0, end).toString('latin1');
        if (/^HTTP\/1\.1 1\d\d/.test(text)) {
          this.buf = this.buf.subarray(end + 4);
          continue;
        }
        const length = head ? 0 : Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length);
          this.buf = this.buf.subarray(end + 4 + length);
          return { head: text, body };
        }
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async closedByServer(): Promise<boolean> {
    const t0 = Date.now();
    while (!this.closed && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

const announceTarget = (label: string, extra: Partial<Parameters<typeof announceQuery>[0]> = {}) =>
  `/${PASSKEY}/announce?${announceQuery({ infoHash: HASH, peerId: id20(`-qB4630-${label}`), left: 0, event: 'started', compact: '1', ...extra })}`;
const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: tracker\r\n${headers}\r\n`;
const decoded = (r: Response | undefined): Reply => bencode.decode(r!.body) as Reply;
/** The head without its Date (which may move between two replies). */
const withoutDate = (head: string) => head.replace(/\r\nDate: [^\r]+/, '');

describe('the announce listener of the tracker port', () => {
  let daemon: Daemon;
  let port: number;
  const open: Client[] = [];
  const client = async () => {
    const c = await Client.open(port);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    const config = parseConfig({
      tracker: { listen: '127.0.0.1:0', whitelist_enabled: false, headers_timeout: 1, request_timeout: 2, keep_alive_timeout: 1, trusted_proxies: ['10.9.9.9'], max_peers_per_user_torrent: 0 },
      store: { type: 'memory' },
      log: { level: 'silent' },
    });
    daemon = await startDaemon({ config, logger: createLogger('silent') });
    port = daemon.trackerAddress.port;
    await daemon.store.putUser({ id: 1, passkey: PASSKEY, name: 'listener', canLeech: true, enabled: true, leechSlots: 0 });
    await daemon.store.putTorrent({ id: 1, infoHash: HASH.toString('hex'), name: 'listener', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await daemon?.close();
  });

  it('answers an announce with the headers node:http sends, and serves the next one on the same connection', async () => {
    const c = await client();
    c.send(get(announceTarget('same-1')));
    const first = await c.next();
    expect(withoutDate(first!.head)).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\ncontent-length: \d+\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1$/);
    expect(first!.head).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/);
    expect(decoded(first).interval).toBeGreaterThan(0);
    c.send(get(announceTarget('same-1', { event: undefined })));
    const second = await c.next();
    expect(decoded(second)['failure reason']).toBeUndefined();

    // The same request node:http serves (a Content-Length sends it there) gets the same head.
    const h = await client();
    h.send(get(announceTarget('same-1', { event: undefined }), 'Content-Length: 0\r\n'));
    expect(withoutDate((await h.next())!.head)).toBe(withoutDate(second!.head));
    const { announces, ok } = daemon.tracker.counters;
    expect(announces).toBeGreaterThanOrEqual(3);
    expect(ok.announce).toBeGreaterThanOrEqual(3);
  });

  it('answers pipelined announces in the order they were sent', async () => {
    const c = await client();
    const before = decoded(await (async () => (c.send(get(announceTarget('pipe-0'))), c.next()))()).complete as number;
    c.send([1, 2, 3].map((i) => get(announceTarget(`pipe-${i}`))).join(''));
    const completes: number[] = [];
    for (let i = 0; i < 3; i++) completes.push(decoded(await c.next()).complete as number);
    expect(completes).toEqual([before + 1, before + 2, before + 3]);
  });

  it('closes after the reply on Connection: close and on HTTP/1.0, and keeps an HTTP/1.0 keep-alive connection', async () => {
    const c = await client();
    c.send(get(announceTarget('close'), 'Connection: close\r\n'));
    expect((await c.next())!.head).toMatch(/\r\nConnection: close$/);
    expect(await c.closedByServer()).toBe(true);

    const old = await client();
    old.send(`GET ${announceTarget('http10')} HTTP/1.0\r\n\r\n`);
    expect((await old.next())!.head).toMatch(/\r\nConnection: close$/);
    expect(await old.closedByServer()).toBe(true);

    const kept = await client();
    kept.send(`GET ${announceTarget('http10-ka')} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
    expect((await kept.next())!.head).toMatch(/\r\nConnection: keep-alive\r\n/);
    kept.send(`GET ${announceTarget('http10-ka')} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
    expect(decoded(await kept.next()).interval).toBeGreaterThan(0);
  });

  it('hands a connection to node:http at its first request it does not serve, with the bytes after it, in order', async () => {
    const c = await client();
    // One write: an announce it serves, a POST with a body (node:http's), then an announce node:http now serves too.
    c.send(get(announceTarget('handover-1')) + 'POST /pk/announce HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab' + get(announceTarget('handover-2')));
    const served = await c.next();
    const refused = await c.next();
    const after = await c.next();
    expect(decoded(served).interval).toBeGreaterThan(0);
    expect(refused!.head).toMatch(/^HTTP\/1\.1 405 /);
    expect(refused!.head).toMatch(/\r\nallow: GET\r\n/);
    expect(decoded(after).complete).toBe((decoded(served).complete as number) + 1);
  });

  it('hands over scrapes, HEAD, Expect and chunked bodies, a head split over writes included, and node:http answers each', async () => {
    const scrape = await client();
    scrape.send(get(`/${PASSKEY}/scrape?info_hash=${encodeBytes(HASH)}`));
    expect((await scrape.next())!.body.toString('latin1')).toMatch(/^d5:filesd/);

    const head = await client();
    head.send(`HEAD ${announceTarget('head')} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await head.next(true))!.head).toMatch(/^HTTP\/1\.1 405 /);

    const expect100 = await client();
    expect100.send(get(announceTarget('expect'), 'Expect: 100-continue\r\nContent-Length: 2\r\n') + 'ab');
    expect(decoded(await expect100.next()).interval).toBeGreaterThan(0);

    const chunked = await client();
    chunked.send(`GET ${announceTarget('chunked')} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n`);
    await new Promise((r) => setTimeout(r, 30));
    chunked.send('\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(decoded(await chunked.next()).interval).toBeGreaterThan(0);
  });

  it('hands over a head sent a few bytes at a time (node:http parses it as it comes), and it is answered', async () => {
    const c = await client();
    const request = get(announceTarget('dribble'));
    for (let i = 0; i < request.length; i += 7) {
      c.send(request.slice(i, i + 7));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(decoded(await c.next()).interval).toBeGreaterThan(0);
  });

  it('gives a head not finished within headers_timeout a bencoded 408, and closes an idle keep-alive connection after keep_alive_timeout', async () => {
    const slow = await client();
    slow.send(get(announceTarget('slow-1')));
    expect(decoded(await slow.next()).interval).toBeGreaterThan(0);
    slow.send(`GET ${announceTarget('slow-2')} HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    const refused = await slow.next();
    expect(refused!.head).toMatch(/^HTTP\/1\.1 408 /);
    expect(Buffer.from((bencode.decode(refused!.body) as Reply)['failure reason']!).toString()).toBe('request timeout: the request was not sent in time');

    const idle = await client();
    idle.send(get(announceTarget('idle')));
    await idle.next();
    const t0 = Date.now();
    expect(await idle.closedByServer()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('answers a request refused while its client still sends (a head far too large, split over two writes) before it closes: no reset loses the reply', async () => {
    // Closing a socket with bytes unread makes the kernel reset the connection, and a reset throws
    // away a reply the client has not read yet; the refusal is a lingering close instead. Without it
    // about one in sixty of these lost its reply: fuzz seed 1867980981, raw-tracker #212, replayed.
    // The fuzz test's targets, and the raw-tracker phase's stream of cases (its seed xor FNV-1a of "raw-tracker").
    const r = Random.forCase(1867980981 ^ 0x88a4f308, 212);
    const c = rawCase(r, trackerCase(r, FUZZ_TRACKER).path.replace(/\s/g, '+'), 'Host: 127.0.0.1\r\n');
    expect(c.opts.then).toBeDefined();
    const statuses: Array<number | undefined> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next++ < 300) statuses.push((await rawRequest({ port }, c.data, c.opts)).status);
      }),
    );
    expect(statuses.filter((s) => s === undefined)).toEqual([]);
  });

  it('reads X-Forwarded-For from a trusted proxy as node:http gives it, a repeated header joined', async () => {
    // 127.0.0.1 is not trusted here: its X-Forwarded-For is ignored.
    const direct = await client();
    direct.send(get(announceTarget('xff-direct'), 'X-Forwarded-For: 203.0.113.7\r\n'));
    expect(Buffer.from(decoded(await direct.next())['external ip'] as Uint8Array).toString('hex')).toBe('7f000001');
    daemon.tracker.configure({ ...parsedWith({ trusted_proxies: ['127.0.0.1'] }) });
    try {
      const proxied = await client();
      proxied.send(get(announceTarget('xff-proxied'), 'X-Forwarded-For: 198.51.100.1\r\nx-forwarded-for: 203.0.113.7\r\n'));
      const reply = decoded(await proxied.next());
      expect(Buffer.from(reply['external ip'] as Uint8Array).toString('hex')).toBe('cb007107');
    } finally {
      daemon.tracker.configure(parsedWith({}));
    }
  });
});

/** The test's tracker config with `tracker` changed (Tracker.configure takes the tracker and accounting sections). */
function parsedWith(tracker: Record<string, unknown>) {
  return parseConfig({ tracker: { listen: '127.0.0.1:0', whitelist_enabled: false, headers_timeout: 1, request_timeout: 2, keep_alive_timeout: 1, max_peers_per_user_torrent: 0, ...tracker } });
}
