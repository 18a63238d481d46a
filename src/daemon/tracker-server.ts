import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { announceFastPath, type RequestListener } from '../tracker/announce-route.js';
import { trackerApp } from '../tracker/app.js';
import type { Tracker } from '../tracker/tracker.js';

export interface TrackerServer {
  app: FastifyInstance;
  /** The server's request listener: the announce fast path in front of fastify. */
  dispatch: RequestListener;
}

/**
 * The HTTP server of the tracker port: announces take the fast path (announce-route.ts), the rest
 * is the fastify app. Its querystring parser is a no-op: the tracker parses the raw URL itself
 * because fastify's parser decodes through UTF-8 and corrupts binary hashes.
 */
export async function buildTrackerServer(tracker: Tracker): Promise<TrackerServer> {
  let dispatch: RequestListener | undefined;
  const app = Fastify({
    logger: false,
    routerOptions: { querystringParser: () => ({}), maxParamLength: 128 },
    return503OnClosing: false,
    keepAliveTimeout: 75_000,
    requestTimeout: 30_000,
    serverFactory: (fastifyHandler) => {
      dispatch = announceFastPath(tracker, fastifyHandler);
      return createServer(dispatch);
    },
  });
  await app.register(trackerApp, { tracker });
  await app.ready();
  return { app, dispatch: dispatch! };
}
