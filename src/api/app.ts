import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { VERSION } from '../version.js';
import { ApiError, errorBody } from './api-error.js';
import type { ApiContext } from './context.js';
import { activityRoutes } from './routes/activity.js';
import { blacklistRoutes } from './routes/blacklist.js';
import { bulkRoutes } from './routes/bulk.js';
import { cheatRoutes } from './routes/cheats.js';
import { eventRoutes } from './routes/events.js';
import { metricsRoutes } from './routes/metrics.js';
import { operationRoutes } from './routes/operations.js';
import { torrentRoutes } from './routes/torrents.js';
import { userRoutes } from './routes/users.js';
import { whitelistRoutes } from './routes/whitelist.js';

export type { ApiContext } from './context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without credentials. */
    public?: boolean;
  }
}

/** One line naming the field at fault: `body.torrent_id must be integer`, `body has unknown field "x"`. */
export function validationMessage(errors: FastifySchemaValidationError[], part: string): string {
  const e = errors[0];
  if (!e) return `invalid ${part}`;
  const at = `${part}${e.instancePath.replace(/\//g, '.')}`;
  const p = e.params as { additionalProperty?: string; missingProperty?: string };
  if (e.keyword === 'additionalProperties' && p.additionalProperty !== undefined) return `${at} has unknown field "${p.additionalProperty}"`;
  if (e.keyword === 'required' && p.missingProperty !== undefined) return `${at} is missing field "${p.missingProperty}"`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

/**
 * The REST API as a fastify plugin. Every route but GET /api/health and /api/openapi.json needs
 * credentials; every error is `{ "error": { "code", "message" } }` with a fitting status. The
 * schemas of schemas.ts validate requests, shape replies and make the OpenAPI document.
 */
export async function apiApp(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'mika API', version: VERSION, description: 'The REST API of the mika private BitTorrent tracker. Errors are {"error":{"code","message"}}.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } } },
      security: [{ apiKey: [] }, { basic: [] }],
    },
  });

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.public !== true) ctx.auth().check(req.headers.authorization);
  });
  app.setSchemaErrorFormatter((errors, part) => new ApiError(400, 'invalid_request', validationMessage(errors, part)));

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(errorBody(err.code, err.message));
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // fastify's own refusals: unparsable JSON, wrong content type, a body over the limit.
      return reply.code(err.statusCode).send(errorBody('bad_request', err.message));
    }
    req.log.error({ err }, 'api request failed');
    return reply.code(err.name === 'StorageUnavailableError' ? 503 : 500).send(
      err.name === 'StorageUnavailableError' ? errorBody('storage_unavailable', err.message) : errorBody('internal', 'internal error'),
    );
  });
  app.setNotFoundHandler(async (req, reply) => {
    ctx.auth().check(req.headers.authorization);
    return reply.code(404).send(errorBody('not_found', `no route ${req.method} ${(req.raw.url ?? '').split('?', 1)[0]}`));
  });

  await app.register(operationRoutes, ctx);
  await app.register(torrentRoutes, ctx);
  await app.register(userRoutes, ctx);
  await app.register(whitelistRoutes, ctx);
  await app.register(blacklistRoutes, ctx);
  await app.register(bulkRoutes, ctx);
  await app.register(activityRoutes, ctx);
  await app.register(cheatRoutes, ctx);
  await app.register(eventRoutes, ctx);
  await app.register(metricsRoutes, ctx);

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
