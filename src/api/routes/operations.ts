import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../config/config-error.js';
import { VERSION } from '../../version.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { HealthReply, ReloadReply, StatsReply, UptimeReply, VersionReply } from '../schemas.js';
import { reloadView } from '../views.js';
import { sumFigures, type WorkerFigures } from '../../metrics/worker-figures.js';
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

  app.get(
    '/api/health',
    { config: { public: true }, schema: { tags: ['operations'], summary: 'Storage, registry, flush and certificate: ok or degraded with the reasons (no credentials)', security: [], response: replies({ 200: HealthReply, 503: HealthReply }) } },
    async (_req, reply) => {
      const up = await store.ping();
      const flush = (await ctx.flush?.()) ?? null;
      const certificate = ctx.certificate?.() ?? null;
      const reasons: string[] = [];
      if (!up) reasons.push(`storage: the ${store.kind} store does not answer`);
      if (flush?.state === 'failing') reasons.push(`flush: failing since ${flush.failing_since}: ${flush.error}`);
      if (certificate?.expiring) reasons.push(`certificate: the API certificate expires in ${certificate.days_left} days (${certificate.expires_at}): renew it`);
      const registry = ctx.registry?.() ?? { ok: true };
      if (!registry.ok) reasons.push(`registry: ${registry.reason}`);
      // 503 only when the tracker cannot answer announces; the rest is a warning on a working tracker.
      // An empty registry is the same on every instance of the store: taking one out helps nobody.
      return reply.code(up ? 200 : 503).send({ status: reasons.length === 0 ? 'ok' : 'degraded', reasons, storage: up ? 'up' : 'down', store: store.kind, registry: registry.ok ? 'ok' : 'empty', flush, certificate });
    },
  );

  app.get('/api/version', { schema: { tags: ['operations'], response: replies({ 200: VersionReply }) } }, async () => ({ name: 'mika', version: VERSION }));

  app.get('/api/uptime', { schema: { tags: ['operations'], response: replies({ 200: UptimeReply }) } }, async () => ({
    started_at: new Date(ctx.startedAt).toISOString(),
    uptime_seconds: uptime(ctx),
  }));

  app.get('/api/stats', { schema: { tags: ['operations'], summary: 'Request counters and rates summed over the worker processes, and the store\'s totals', response: replies({ 200: StatsReply }) } }, async () => {
    const latency = await storageLatency(ctx);
    const [totals, cheats] = latency === null ? [{ seeders: 0, leechers: 0 }, undefined] : await Promise.all([store.totals(), store.cheatCounts()]);
    const counts = store.counts();
    const parts = ctx.group ? await ctx.group.collect<WorkerFigures>('stats') : [];
    const { announces, scrapes, failures } = ctx.counters;
    const sum = parts.length > 0 ? sumFigures(parts) : { announces, scrapes, failures, perSecond: { '1s': ctx.rate.perSecond(1), '10s': ctx.rate.perSecond(10), '60s': ctx.rate.perSecond(60) } };
    return {
      announces: sum.announces,
      scrapes: sum.scrapes,
      errors: { ...sum.failures },
      ...totals,
      torrents: counts.torrents,
      users: counts.users,
      requests_per_second: sum.perSecond,
      storage: { kind: store.kind, up: latency !== null, latency_ms: latency },
      registry: ctx.registry?.() ?? { ok: true },
      uptime_seconds: uptime(ctx),
      ...(cheats && { cheats }),
      workers: Math.max(parts.length, 1),
      flush: (await ctx.flush?.()) ?? null,
      certificate: ctx.certificate?.() ?? null,
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
