import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { BlacklistItem, BlacklistReply, PatternParams, type BlacklistItem as Item } from '../schemas.js';
import { NoContent, replies } from './replies.js';

/** Clients refused whatever the whitelist says, with the reason they are shown. */
export async function blacklistRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const has = (pattern: string) => store.blacklist().some((e) => e.pattern === pattern);

  app.get('/api/blacklist', { schema: { tags: ['whitelist'], summary: 'Every refused peer_id pattern with its reason', response: replies({ 200: BlacklistReply }) } }, async () => ({
    blacklist: store.blacklist(),
  }));

  app.post<{ Body: Item }>(
    '/api/blacklist',
    {
      schema: {
        tags: ['whitelist'],
        summary: 'Refuse clients whose peer_id starts with the pattern ("?" = any byte), or change the reason of a listed one',
        body: BlacklistItem,
        response: replies({ 200: BlacklistItem, 201: BlacklistItem }),
      },
    },
    async (req, reply) => {
      const existed = has(req.body.pattern);
      await store.putBlacklist({ pattern: req.body.pattern, reason: req.body.reason });
      return reply.code(existed ? 200 : 201).send(req.body);
    },
  );

  app.delete<{ Params: { pattern: string } }>(
    '/api/blacklist/:pattern',
    { schema: { tags: ['whitelist'], summary: 'Stop refusing a pattern (percent-encode it in the path)', params: PatternParams, response: replies({ 204: NoContent }) } },
    async (req, reply) => {
      if (!has(req.params.pattern)) throw new ApiError(404, 'not_found', `no blacklist entry for pattern ${JSON.stringify(req.params.pattern)}`);
      await store.deleteBlacklist(req.params.pattern);
      return reply.code(204).send();
    },
  );
}
