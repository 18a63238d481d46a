import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';

/** What came back on a raw connection: the first response, if any, and whether the server closed it. */
export interface RawReply {
  /** Undefined when the server closed (or the wait ran out) before a whole response arrived. */
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The server closed the connection (rather than our giving up after `waitMs`). */
  closed: boolean;
}

export interface RawTarget {
  port: number;
  /** The API's certificate to trust: connects over TLS when given. */
  ca?: Buffer;
}

export interface RawOptions {
  /** Milliseconds to wait for a response before giving up (the request may be a deliberate half one). */
  waitMs?: number;
  /** Sent after `data`, `delayMs` later, if the connection is still open (slow or split requests). */
  then?: { data: Buffer | string; delayMs: number };
  /** A HEAD request: the response has no body whatever its content-length says. */
  head?: boolean;
}

// One TLS context per certificate: building one per connection costs more than the request.
const contexts = new WeakMap<Buffer, SecureContext>();
function contextFor(ca: Buffer): SecureContext {
  let ctx = contexts.get(ca);
  if (!ctx) contexts.set(ca, (ctx = createSecureContext({ ca })));
  return ctx;
}

function parseHead(buf: Buffer, end: number): { status: number; headers: Record<string, string> } | undefined {
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), headers };
}

/**
 * Writes `data` as it is (any bytes, any framing) to the port and reads the first response: the
 * tool for requests an HTTP client library refuses to send. The connection is closed afterwards.
 */
export function rawRequest(target: RawTarget, data: Buffer | string, opts: RawOptions = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket: Socket = target.ca
      ? tlsConnect({ host: '127.0.0.1', port: target.port, secureContext: contextFor(target.ca), servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port: target.port });
    let buf = Buffer.alloc(0);
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (reply: RawReply) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve(reply);
    };
    const partial = (closed: boolean): RawReply => {
      const end = buf.indexOf('\r\n\r\n');
      const head = end === -1 ? undefined : parseHead(buf, end);
      return { status: head?.status, headers: head?.headers ?? {}, body: end === -1 ? Buffer.alloc(0) : buf.subarray(end + 4), closed };
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let end = buf.indexOf('\r\n\r\n');
      let head = end === -1 ? undefined : parseHead(buf, end);
      // An interim 1xx (100 Continue) comes before the response proper.
      while (head && head.status < 200) {
        buf = buf.subarray(end + 4);
        end = buf.indexOf('\r\n\r\n');
        head = end === -1 ? undefined : parseHead(buf, end);
      }
      if (end === -1) return;
      const length = opts.head ? 0 : Number(head?.headers['content-length'] ?? NaN);
      if (head && Number.isFinite(length) && buf.length - end - 4 >= length) {
        finish({ ...head, body: buf.subarray(end + 4, end + 4 + length), closed: false });
      }
    });
    socket.on('error', () => finish(partial(true)));
    socket.on('close', () => finish(partial(true)));
    socket.once(target.ca ? 'secureConnect' : 'connect', () => {
      socket.write(data);
      if (opts.then) {
        const next = opts.then.data;
        timers.push(setTimeout(() => !done && socket.writable && socket.write(next), opts.then.delayMs));
      }
    });
    timers.push(setTimeout(() => finish(partial(false)), opts.waitMs ?? 10_000));
  });
}
