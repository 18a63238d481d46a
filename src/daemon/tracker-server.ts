import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { announceFastPath, type RequestListener } from '../tracker/announce-route.js';
import { trackerApp } from '../tracker/app.js';
import { failureReply } from '../tracker/bencode-writer.js';
import type { Tracker } from '../tracker/tracker.js';
import { AnnounceListener } from './announce-listener.js';
import { applyTimeouts, clientErrorHandler, connectRefusal, routerRefusal, serverOptions, type RefusalFormat } from './listener-limits.js';

const BENCODED: RefusalFormat = (r) => ({ contentType: 'text/plain', body: failureReply(r.reason) });

export interface TrackerServer {
  app: FastifyInstance;
  /**
   * node:http's request listener, for the connections the announce listener hands over: the URL
   * length check, then the announce fast path in front of fastify.
   */
  dispatch: RequestListener;
  /** Binds the tracker port (the announce listener, which hands node:http what it does not serve). */
  listen(target: { host: string; port: number; ipv6Only: boolean }): Promise<void>;
  address(): AddressInfo;
  /**
   * The graceful close: stops listening, answers every request already sent (in flight or still in
   * a socket buffer), each reply with `Connection: close`, and resolves when every connection is gone.
   */
  close(): Promise<void>;
  /** Applies the tracker's current timeouts (reload); the header size limit needs a restart. */
  applyLimits(): void;
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  const body = failureReply(reason);
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
}

/**
 * The HTTP server of the tracker port: a `net` listener answers plain announces itself
 * (announce-listener.ts) and hands every other connection to node:http, where announces take the
 * fast path (announce-route.ts) and the rest is the fastify app. Its querystring parser is a no-op: the tracker parses the raw URL itself
 * because fastify's parser decodes through UTF-8 and corrupts binary hashes. Requests node:http
 * cannot parse, too large or too slow get a bencoded failure with a 4xx status (docs/protocol.md).
 */
export async function buildTrackerServer(tracker: Tracker): Promise<TrackerServer> {
  let dispatch: RequestListener | undefined;
  let draining = false;
  let server: ReturnType<typeof createServer> | undefined;
  const app = Fastify({
    logger: false,
    routerOptions: { querystringParser: () => ({}), maxParamLength: 128 },
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(BENCODED),
    // URLs the router refuses before any route or error handler runs get a bencoded failure too.
    frameworkErrors: (err, _req, reply) => {
      const r = routerRefusal(err);
      void (reply as FastifyReply).code(r.status).header('content-type', 'text/plain').send(failureReply(r.reason));
    },
    serverFactory: (fastifyHandler) => {
      const fast = announceFastPath(tracker, fastifyHandler);
      dispatch = (req, res) => {
        // node's server.close() ends idle keep-alive connections only: a client that keeps its
        // connection busy (a tracker's clients do) would hold the shutdown open for as long as it likes.
        if (draining) res.setHeader('connection', 'close');
        const max = tracker.config.max_url_length;
        // Checked before any parsing, so an overlong query costs no more than its bytes on the wire.
        if ((req.url ?? '').length > max) return refuse(res, 414, `request URL too long: at most ${max} bytes`);
        fast(req, res);
      };
      // fastify applies its own timeout options only to servers it creates: these are set here.
      server = createServer(serverOptions(tracker.config), dispatch);
      server.on('connect', connectRefusal(BENCODED, 'GET'));
      return server;
    },
  });
  await app.register(trackerApp, { tracker });
  await app.ready();
  const listener = new AnnounceListener(tracker, BENCODED, server!);
  return {
    app,
    dispatch: dispatch!,
    listen: (target) => listener.listen(target),
    address: () => listener.address(),
    applyLimits: () => applyTimeouts(server!, tracker.config),
    async close() {
      draining = true;
      await listener.close();
      await app.close();
    },
  };
}
