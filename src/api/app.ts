import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { ApiError, errorBody } from './api-error.js';
import type { ApiAuth } from './auth.js';

export interface ApiContext {
  store: Store;
  /** The current credentials (they change on reload). */
  auth: () => ApiAuth;
  /** Unix milliseconds the daemon started. */
  startedAt: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without credentials. */
    public?: boolean;
  }
}

/**
 * The REST API as a fastify plugin. Every route but GET /api/health needs credentials; every error is
 * `{ "error": { "code", "message" } }` with a fitting status.
 */
export async function apiApp(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.public !== true) ctx.auth().check(req.headers.authorization);
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(errorBody(err.code, err.message));
    if (err.validation) return reply.code(400).send(errorBody('invalid_request', err.message));
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody('bad_request', err.message));
    }
    req.log.error({ err }, 'api request failed');
    return reply.code(500).send(errorBody('internal', 'internal error'));
  });
  app.setNotFoundHandler(async (req, reply) => {
    ctx.auth().check(req.headers.authorization);
    return reply.code(404).send(errorBody('not_found', `no route ${req.method} ${(req.raw.url ?? '').split('?', 1)[0]}`));
  });

  app.get('/api/health', { config: { public: true } }, async (_req, reply) => {
    const up = await ctx.store.ping();
    return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'degraded', storage: up ? 'up' : 'down', store: ctx.store.kind });
  });
  app.get('/api/version', async () => ({ name: 'mika', version: VERSION }));
  app.get('/api/uptime', async () => ({
    started_at: new Date(ctx.startedAt).toISOString(),
    uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
  }));
}
