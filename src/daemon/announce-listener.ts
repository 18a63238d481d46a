import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Tracker } from '../tracker/tracker.js';
import { AnnounceConnection, type ConnectionHost } from './announce-connection.js';
import type { RefusalFormat } from './listener-limits.js';

/** How often deadlines are checked: node:http's connection check runs as often (listener-limits.ts). */
const CHECK_INTERVAL_MS = 1000;

/**
 * The tracker port: a `net` server that serves announces itself (announce-connection.ts) and hands
 * every other connection, at its first request it does not serve, to `http` (node:http with the
 * fastify app, which never listens itself). docs/performance.md measured node:http's per-request
 * machinery at about as much CPU as the announce itself.
 */
export class AnnounceListener implements ConnectionHost {
  readonly server: Server;
  draining = false;
  private readonly connections = new Set<AnnounceConnection>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly tracker: Tracker,
    readonly format: RefusalFormat,
    private readonly http: HttpServer,
  ) {
    // As node:http's own server: a client's half close is seen and answered by closing (allowHalfOpen), no Nagle delay.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.connections.add(new AnnounceConnection(socket, this, Date.now())));
  }

  handOver(socket: Socket): void {
    this.http.emit('connection', socket);
  }

  release(connection: AnnounceConnection): void {
    this.connections.delete(connection);
  }

  async listen(target: { host: string; port: number; ipv6Only: boolean }): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(target, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.timer = setInterval(() => this.expire(), CHECK_INTERVAL_MS).unref();
    // node:http tracks its connections (the headers and request timeouts, closeIdleConnections)
    // from its 'listening' event on: it never listens itself, but serves the connections handed to it.
    this.http.emit('listening');
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  private expire(): void {
    const now = Date.now();
    for (const c of this.connections) if (c.deadline !== 0 && c.deadline <= now) c.expire();
  }

  /**
   * Stops accepting, answers what was sent before (each reply with Connection: close), and resolves
   * once every connection, its own and node:http's, is gone.
   */
  async close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A request sent before the close may still sit unread in its socket's buffer: the rest of this
    // event-loop turn reads it (the next one, on a connection accepted in this turn), which makes
    // its connection busy, so it is answered instead of cut off.
    await nextTurn();
    await nextTurn();
    for (const c of this.connections) c.closeIfIdle();
    // Ends node:http's idle connections and its timeout checks.
    this.http.close(() => undefined);
    await closed;
    clearInterval(this.timer);
  }
}
