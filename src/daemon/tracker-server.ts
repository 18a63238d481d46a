import { createServer } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { announceFastPath, type RequestListener } from '../tracker/announce-route.js';
import { trackerApp } from '../tracker/app.js';
import type { Tracker } from '../tracker/tracker.js';

export interface TrackerServer {
  app: FastifyInstance;
  /** The server's request listener: the announce fast path in front of fastify. */
  dispatch: RequestListener;
  /**
   * The graceful close: stops listening, answers every request already sent (in flight or still in
   * a socket buffer), each reply with `Connection: close`, and resolves when every connection is gone.
   */
  close(): Promise<void>;
}

/**
 * The HTTP server of the tracker port: announces take the fast path (announce-route.ts), the rest
 * is the fastify app. Its querystring parser is a no-op: the tracker parses the raw URL itself
 * because fastify's parser decodes through UTF-8 and corrupts binary hashes.
 */
export async function buildTrackerServer(tracker: Tracker): Promise<TrackerServer> {
  let dispatch: RequestListener | undefined;
  let draining = false;
  const app = Fastify({
    logger: false,
    routerOptions: { querystringParser: () => ({}), maxParamLength: 128 },
    return503OnClosing: false,
    keepAliveTimeout: 75_000,
    requestTimeout: 30_000,
    serverFactory: (fastifyHandler) => {
      const serve = announceFastPath(tracker, fastifyHandler);
      dispatch = (req, res) => {
        // node's server.close() ends idle keep-alive connections only: a client that keeps its
        // connection busy (a tracker's clients do) would hold the shutdown open for as long as it likes.
        if (draining) res.setHeader('connection', 'close');
        serve(req, res);
      };
      return createServer(dispatch);
    },
  });
  await app.register(trackerApp, { tracker });
  await app.ready();
  return {
    app,
    dispatch: dispatch!,
    async close() {
      draining = true;
      // The close ends the connections it finds idle. A request sent before the signal may still sit
      // unread in its socket's buffer: the rest of this event-loop turn reads it (the next one, on a
      // connection accepted in this turn), which makes its connection busy, so it is answered
      // instead of cut off.
      await nextTurn();
      await nextTurn();
      await app.close();
    },
  };
}
