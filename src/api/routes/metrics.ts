import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { replies } from './replies.js';

/**
 * GET /metrics: the Prometheus text of this process, behind the API's credentials like every route
 * (Prometheus sends them with `authorization` / `basic_auth` in its scrape config). The plain-HTTP
 * `metrics.listen` listener serves the same text without them.
 */
export async function metricsRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics of the process that answers (text format 0.0.4)',
        // Text, not JSON: the 200 names its content type; the errors are the API's JSON ones.
        response: { ...replies({}), 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_req, reply) => {
      const { contentType, body } = await ctx.metrics.render();
      return reply.type(contentType).send(body);
    },
  );
}
