import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ActiveTorrentsQuery, ActiveTorrentsReply, type ActiveTorrentsReply as Reply } from '../schemas.js';
import { replies } from './replies.js';

const DEFAULT_LIMIT = 10;

export async function activityRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Querystring: { limit?: string } }>(
    '/api/torrents/active',
    {
      schema: {
        tags: ['torrents'],
        summary: 'The busiest torrents: most announces in the last minute (this process), with their swarms',
        querystring: ActiveTorrentsQuery,
        response: replies({ 200: ActiveTorrentsReply }),
      },
    },
    async (req) => {
      const limit = req.query.limit === undefined ? DEFAULT_LIMIT : Number(req.query.limit);
      const busiest = ctx.counters.activity.top(limit, ctx.clock());
      // Swarm counts for these few only; a torrent forgotten since its announces is left out.
      const rows = await Promise.all(
        busiest.map(async ({ infoHash, announces }): Promise<Reply[number] | undefined> => {
          const t = store.torrentByInfoHash(infoHash);
          if (!t) return undefined;
          const { seeders, leechers } = await store.torrentStats(infoHash);
          return { info_hash: infoHash, torrent_id: t.id, name: t.name, announces_last_minute: announces, seeders, leechers };
        }),
      );
      return rows.filter((r) => r !== undefined);
    },
  );
}
