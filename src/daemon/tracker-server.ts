import Fastify, { type FastifyInstance } from 'fastify';
import { trackerApp } from '../tracker/app.js';
import type { Tracker } from '../tracker/tracker.js';

/**
 * The fastify instance of the tracker port. Its querystring parser is a no-op: the tracker parses
 * the raw URL itself because fastify's parser decodes through UTF-8 and corrupts binary hashes.
 */
export async function buildTrackerServer(tracker: Tracker): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    routerOptions: { querystringParser: () => ({}), maxParamLength: 128 },
    return503OnClosing: false,
    keepAliveTimeout: 75_000,
    requestTimeout: 30_000,
  });
  await app.register(trackerApp, { tracker });
  return app;
}
