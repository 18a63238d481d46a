import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../config/config-error.js';
import { VERSION } from '../../version.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { HealthReply, ReloadReply, StatsReply, UptimeReply, VersionReply } from '../schemas.js';
import { reloadView } from '../views.js';
import { replies } from './replies.js';

const uptime = (ctx: ApiContext) => Math.floor((Date.now() - ctx.startedAt) / 1000);

/** Milliseconds one PING takes, or null when storage does not answer. */
async function storageLatency(ctx: ApiContext): Promise<number | null> {
  const t0 = process.hrtime.bigint();
  const up = await ctx.store.ping();
  return up ? Number(process.hrtime.bigint() - t0) / 1e6 : null;
}

export async function operationRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  app.get('/api/health', { config: { public: true }, schema: { tags: ['operations'], summary: 'Storage reachable or not (no credentials)', security: [], response: replies({ 200: HealthReply, 503: HealthReply }) } }, async (_req, reply) => {
    const up = await store.ping();
    const registry = ctx.registry?.() ?? { ok: true };
    // 503 only for storage down: a load balancer takes this instance out. An empty registry is the
    // same on every instance of the store, so taking them out helps nobody: degraded, still 200.
    const reason = !up ? `the ${store.kind} store's storage does not answer` : registry.reason;
    return reply.code(up ? 200 : 503).send({
      status: up && registry.ok ? 'ok' : 'degraded',
      storage: up ? 'up' : 'down',
      store: store.kind,
      registry: registry.ok ? 'ok' : 'empty',
      ...(reason !== undefined && { reason }),
    });
  });

  app.get('/api/version', { schema: { tags: ['operations'], response: replies({ 200: VersionReply }) } }, async () => ({ name: 'mika', version: VERSION }));

  app.get('/api/uptime', { schema: { tags: ['operations'], response: replies({ 200: UptimeReply }) } }, async () => ({
    started_at: new Date(ctx.startedAt).toISOString(),
    uptime_seconds: uptime(ctx),
  }));

  app.get('/api/stats', { schema: { tags: ['operations'], summary: 'This process\'s request counters and rates, and the store\'s totals', response: replies({ 200: StatsReply }) } }, async () => {
    const latency = await storageLatency(ctx);
    const totals = latency === null ? { seeders: 0, leechers: 0 } : await store.totals();
    const counts = store.counts();
    const { announces, scrapes, failures } = ctx.counters;
    return {
      announces,
      scrapes,
      errors: { ...failures },
      ...totals,
      torrents: counts.torrents,
      users: counts.users,
      requests_per_second: { '1s': ctx.rate.perSecond(1), '10s': ctx.rate.perSecond(10), '60s': ctx.rate.perSecond(60) },
      storage: { kind: store.kind, up: latency !== null, latency_ms: latency },
      registry: ctx.registry?.() ?? { ok: true },
      uptime_seconds: uptime(ctx),
    };
  });

  app.post('/api/reload', { schema: { tags: ['operations'], summary: 'Read the config file again and apply it', response: replies({ 200: ReloadReply }) } }, async () => {
    if (!ctx.reload) throw new ApiError(501, 'not_supported', 'this daemon was started without a config to re-read');
    try {
      return reloadView(ctx.reload());
    } catch (err) {
      if (err instanceof ConfigError) throw new ApiError(422, 'invalid_config', `reload refused, the old config stays: ${err.message}`);
      throw err;
    }
  });
}
