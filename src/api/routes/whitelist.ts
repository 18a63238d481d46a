import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { PrefixParams, WhitelistItem, WhitelistReply, type WhitelistItem as Item } from '../schemas.js';
import { NoContent, replies } from './replies.js';

export async function whitelistRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const has = (prefix: string) => store.whitelist().some((e) => e.prefix === prefix);

  app.get('/api/whitelist', { schema: { tags: ['whitelist'], summary: 'Every allowed peer_id prefix', response: replies({ 200: WhitelistReply }) } }, async () => ({
    whitelist: store.whitelist(),
  }));

  app.post<{ Body: Item }>(
    '/api/whitelist',
    { schema: { tags: ['whitelist'], summary: 'Allow a client by peer_id prefix (or rename one)', body: WhitelistItem, response: replies({ 200: WhitelistItem, 201: WhitelistItem }) } },
    async (req, reply) => {
      const existed = has(req.body.prefix);
      await store.putWhitelist({ prefix: req.body.prefix, client: req.body.client });
      return reply.code(existed ? 200 : 201).send(req.body);
    },
  );

  app.delete<{ Params: { prefix: string } }>(
    '/api/whitelist/:prefix',
    { schema: { tags: ['whitelist'], summary: 'Stop allowing a prefix (percent-encode it in the path)', params: PrefixParams, response: replies({ 204: NoContent }) } },
    async (req, reply) => {
      if (!has(req.params.prefix)) throw new ApiError(404, 'not_found', `no whitelist entry for prefix ${JSON.stringify(req.params.prefix)}`);
      await store.deleteWhitelist(req.params.prefix);
      return reply.code(204).send();
    },
  );
}
