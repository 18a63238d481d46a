import type { Socket } from 'node:net';
import { parseAddress, type Address } from '../net/ip-address.js';
import { HAND_OVER, INCOMPLETE, newRequestHead, readRequestHead } from '../net/request-head.js';
import { announcePasskey } from '../tracker/announce-route.js';
import type { Tracker, TrackerRequest } from '../tracker/tracker.js';
import { clientRefusal, refuseOnSocket, type RefusalFormat } from './listener-limits.js';
import { replyBytes } from './reply-head.js';

/** What a connection needs of its listener. */
export interface ConnectionHost {
  readonly tracker: Tracker;
  readonly format: RefusalFormat;
  /** A graceful close is under way: every reply is its connection's last. */
  readonly draining: boolean;
  /** Gives the socket, its unread bytes put back, to node:http. */
  handOver(socket: Socket): void;
  /** The connection is no longer this listener's (closed or handed over). */
  release(connection: AnnounceConnection): void;
}

/**
 * A head still incomplete after this many reads goes to node:http, whose parser resumes where it
 * stopped: this reader starts over on each read, which a client dribbling its head a byte at a
 * time would turn into quadratic work.
 */
const MAX_READS_PER_HEAD = 8;

/**
 * One connection to the tracker port while it sends announces this listener serves: reads request
 * heads (request-head.ts), answers one request at a time in order (pipelined ones wait in `pending`),
 * one write per reply. The first request it cannot serve, and everything after it, goes to node:http.
 */
export class AnnounceConnection {
  /** Unix ms at which `expire` applies; 0 while a request is with the tracker (node's timers do not run then either). */
  deadline: number;
  /** The deadline is the keep-alive one (a silent close), not the head's (a 408). */
  private idle = false;
  private busy = false;
  private ended = false;
  private reads = 0;
  private pending: Buffer | undefined;
  private keepAlive = true;
  private readonly head = newRequestHead();
  /** Reused for each request: the tracker reads it before its first await. */
  private readonly request: TrackerRequest & { address: Address | undefined };

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
    now: number,
  ) {
    // node:http's headers timeout runs from the connection's start until the first head is in.
    this.deadline = now + host.tracker.config.headers_timeout * 1000;
    const remote = socket.remoteAddress;
    this.request = { url: '', socketAddress: remote, address: remote === undefined ? undefined : parseAddress(remote), headers: this.head.headers };
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.idle) {
      // A new request begins: its head has headers_timeout from its first byte, as in node:http.
      this.idle = false;
      this.deadline = Date.now() + this.host.tracker.config.headers_timeout * 1000;
    }
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.busy) this.next();
    // Pipelined requests wait while one is served; past a head's worth, the socket holds the rest.
    else if (this.pending.length > this.host.tracker.config.max_header_size) this.socket.pause();
  };

  /** The client sent its last byte (node:http ends such a connection without answering what remains). */
  private readonly onEnd = (): void => {
    this.ended = true;
    if (!this.busy) this.finish();
  };

  // A reset: 'close' follows.
  private readonly onError = (): void => undefined;

  private readonly onClose = (): void => {
    this.pending = undefined;
    this.host.release(this);
  };

  /** Serves the next request in `pending`, hands the connection over, or waits for more bytes. */
  private next(): void {
    const buf = this.pending;
    if (buf === undefined) return;
    const cfg = this.host.tracker.config;
    const n = readRequestHead(buf, cfg.max_header_size, cfg.max_url_length, announcePasskey, this.head);
    if (n === INCOMPLETE) {
      if (++this.reads > MAX_READS_PER_HEAD) this.handOver();
      return;
    }
    if (n === HAND_OVER) return this.handOver();
    this.pending = n === buf.length ? undefined : buf.subarray(n);
    this.reads = 0;
    this.busy = true;
    this.deadline = 0;
    this.keepAlive = this.head.keepAlive;
    this.request.url = this.head.target;
    this.host.tracker.announce(this.head.route, this.request).then(this.reply, this.fail);
  }

  private readonly reply = (body: Buffer): void => {
    const socket = this.socket;
    if (socket.destroyed) return;
    const cfg = this.host.tracker.config;
    const now = Date.now();
    if (!this.keepAlive || this.ended || this.host.draining) {
      this.release();
      socket.end(replyBytes(body, now, undefined), () => socket.destroy());
      return;
    }
    if (socket.write(replyBytes(body, now, Math.floor(cfg.keep_alive_timeout)))) return this.ready(now);
    // A client that does not read its replies gets no more of them until it does (node:http pauses
    // it the same way), and is dropped like an idle one if it never does.
    this.idle = true;
    this.deadline = now + cfg.keep_alive_timeout * 1000;
    socket.once('drain', this.drained);
  };

  private readonly drained = (): void => this.ready(Date.now());

  /** The reply is out: on to the next request, or idle until one comes. */
  private ready(now: number): void {
    this.busy = false;
    // A reply held back by a slow reader finished after the client's FIN or the graceful close began.
    if (this.ended || (this.host.draining && this.pending === undefined)) return this.finish();
    const cfg = this.host.tracker.config;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.pending === undefined) {
      this.idle = true;
      this.deadline = now + cfg.keep_alive_timeout * 1000;
    } else {
      this.idle = false;
      this.deadline = now + cfg.headers_timeout * 1000;
      this.next();
    }
  }

  // The tracker turns every failure into a reply; this is for what it cannot (a bug): no reply, no hang.
  private readonly fail = (): void => {
    this.socket.destroy();
  };

  /** Past the deadline: an idle keep-alive connection closes, a head not sent in time gets node:http's 408. */
  expire(): void {
    this.release();
    if (this.idle || this.busy) this.socket.destroy();
    else refuseOnSocket(this.socket, clientRefusal({ name: 'Error', message: '', code: 'ERR_HTTP_REQUEST_TIMEOUT' }), this.host.format);
  }

  /** A graceful close: ends the connection now when it has no request under way or begun. */
  closeIfIdle(): void {
    if (!this.busy && this.pending === undefined) this.finish();
  }

  private finish(): void {
    this.release();
    this.socket.end(() => this.socket.destroy());
  }

  private release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.host.release(this);
  }

  private handOver(): void {
    const { socket } = this;
    this.release();
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    // Paused first: bytes arriving meanwhile wait in the socket for node:http, behind the ones put back.
    socket.pause();
    if (this.pending !== undefined) socket.unshift(this.pending);
    this.pending = undefined;
    this.host.handOver(socket);
    socket.resume();
  }
}
