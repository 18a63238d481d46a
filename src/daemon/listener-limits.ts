import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** The limits one HTTP listener puts on its clients (config: tracker.* and api.*). */
export interface ListenerLimits {
  max_header_size: number;
  headers_timeout: number;
  request_timeout: number;
  keep_alive_timeout: number;
}

// node:http checks the headers and request timeouts of open connections on this tick (30 s by
// default): a slowloris client would hold its socket up to that much longer than configured.
const CHECK_INTERVAL_MS = 1000;

/** node:http server options for `limits`; the header size is fixed here, the rest follows reloads. */
export function serverOptions(limits: ListenerLimits): ServerOptions {
  return {
    maxHeaderSize: limits.max_header_size,
    headersTimeout: limits.headers_timeout * 1000,
    requestTimeout: limits.request_timeout * 1000,
    keepAliveTimeout: limits.keep_alive_timeout * 1000,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
}

/** Applies the timeouts of `limits` to a running server: node reads them per connection check. */
export function applyTimeouts(server: Server, limits: ListenerLimits): void {
  server.headersTimeout = limits.headers_timeout * 1000;
  server.requestTimeout = limits.request_timeout * 1000;
  server.keepAliveTimeout = limits.keep_alive_timeout * 1000;
}

/** A protocol-level refusal: status and a one-line reason. */
export interface ClientRefusal {
  status: number;
  reason: string;
}

/**
 * A TLS socket whose handshake never finished (timed out, half a ClientHello, not TLS at all): there
 * is no TLS session to answer in, and a plaintext reply written into it is never flushed, so the
 * socket would never close. `getPeerFinished()` is undefined until the client's Finished arrived.
 */
function unfinishedTls(socket: Duplex): boolean {
  const tls = socket as Partial<TLSSocket>;
  return tls.encrypted === true && typeof tls.getPeerFinished === 'function' && tls.getPeerFinished() === undefined;
}

/** What node:http's parser or timers reported, as the status a client should get. */
export function clientRefusal(err: Error & { code?: string }): ClientRefusal {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'request timeout: the request was not sent in time' };
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: 431, reason: 'request line and headers too large' };
  return { status: 400, reason: 'bad request: not valid HTTP/1.1' };
}

/** What fastify's router refused before any route ran (its `frameworkErrors`): a URL it cannot decode, a path segment too long. */
export function routerRefusal(err: Error & { code?: string; statusCode?: number }): ClientRefusal {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return { status: 414, reason: 'request URL has a path segment too long' };
  if (err.code === 'FST_ERR_BAD_URL') return { status: 400, reason: 'request URL path cannot be decoded (bad percent-escape or not UTF-8)' };
  return { status: err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400, reason: 'bad request URL' };
}

/** How a listener words a refusal: bencoded for the tracker, JSON for the API. */
export type RefusalFormat = (refusal: ClientRefusal) => { contentType: string; body: Buffer };

/** How long a refused connection is still read after its reply, at most (see `refuseOnSocket`). */
const LINGER_MS = 2000;
/** Sockets closing after a refusal: a parser error on what they still send is not answered again. */
const lingering = new WeakSet<Duplex>();
const drop = (): void => undefined;

/**
 * Writes `refusal` straight to the socket as an HTTP/1.1 reply and closes the connection after it.
 *
 * A lingering close, as web servers do it: a client refused while still sending (a head too large,
 * the rest of a split request) would, were the socket closed with its bytes unread, get a reset
 * that throws away the reply before the client reads it. So the reply goes out with a FIN, what the
 * client still sends is read and dropped, and the socket is closed at the client's own end, or
 * LINGER_MS later for a client that keeps sending.
 */
export function refuseOnSocket(socket: Duplex, refusal: ClientRefusal, format: RefusalFormat, extraHeaders = ''): void {
  const { contentType, body } = format(refusal);
  const head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n${extraHeaders}Connection: close\r\n\r\n`;
  lingering.add(socket);
  // Closed once the reply is out and the client has ended too, whichever comes last.
  let sent = false;
  let ended = false;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => {
    sent = true;
    if (ended) socket.destroy();
  });
  socket.once('end', () => {
    ended = true;
    if (sent) socket.destroy();
  });
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.on('data', drop);
  socket.resume();
}

/**
 * A `clientError` handler (node:http's, or fastify's clientErrorHandler option) that answers a
 * request the parser refused in the listener's own reply format (bencoded for the tracker, JSON for
 * the API) instead of node's empty body, then closes the connection: its stream is out of step.
 */
export function clientErrorHandler(format: RefusalFormat) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    // A reset or a socket already gone: nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed || lingering.has(socket)) return;
    if (unfinishedTls(socket)) {
      socket.destroy();
      return;
    }
    // A reply under way on this connection (pipelining) must not be cut by another one (node does the same).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    refuseOnSocket(socket, clientRefusal(err), format);
  };
}

/**
 * A `connect` listener: node:http hands a CONNECT request to it with the bare socket, and without
 * one destroys the socket unanswered. Neither listener is a proxy: the client gets a 405 in the
 * listener's own format, like any other method it does not serve.
 */
export function connectRefusal(format: RefusalFormat, allow: string) {
  return (_req: IncomingMessage, socket: Duplex): void => {
    if (socket.destroyed || !socket.writable) return;
    refuseOnSocket(socket, { status: 405, reason: 'method CONNECT not allowed: this is not a proxy' }, format, `Allow: ${allow}\r\n`);
  };
}
