import type { FastifyInstance } from 'fastify';
import type { CheatKind } from '../../accounting/settle.js';
import type { ApiContext } from '../context.js';
import { CheatsQuery, CheatsReply, type CheatsReply as Reply } from '../schemas.js';
import { replies } from './replies.js';

const DEFAULT_LIMIT = 100;

export async function cheatRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Querystring: { limit?: string; user_id?: string; kind?: CheatKind } }>(
    '/api/cheats',
    {
      schema: {
        tags: ['users'],
        summary: 'Cheat events, newest first: upload beyond the upload budget (upload_rate) or with nobody to upload to (no_leechers)',
        querystring: CheatsQuery,
        response: replies({ 200: CheatsReply }),
      },
    },
    async (req): Promise<Reply> => {
      const q = req.query;
      const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
      const [events, counts] = await Promise.all([store.cheatEvents(limit, { userId: q.user_id === undefined ? undefined : Number(q.user_id), kind: q.kind }), store.cheatCounts()]);
      return {
        cheats: events.map((e) => ({ kind: e.kind, at: e.at, user_id: e.userId, torrent_id: e.torrentId, peer_id: e.peerId, rate: e.rate, reported: e.reported, allowed: e.allowed })),
        counts,
      };
    },
  );
}
