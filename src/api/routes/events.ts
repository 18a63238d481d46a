import type { FastifyInstance } from 'fastify';
import type { CreditEvent } from '../../config/schema.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { EventCreate, EventIdParams, EventReply, EventsReply, type EventCreate as Create, type EventReply as Reply } from '../schemas.js';
import { NoContent, replies } from './replies.js';

const eventView = (e: CreditEvent, id: number, now: number): Reply => ({
  id,
  source: id === 0 ? 'config' : 'api',
  kind: e.kind,
  start: e.start,
  end: e.end,
  name: e.name,
  active: e.start <= now && now < e.end,
});

/**
 * Timed site-wide events (freeleech, double upload): the config's (accounting.events, hot on
 * reload) and the API's, which the store keeps so that every instance applies them from the next
 * announce and they outlive a restart. docs/protocol.md, "Credit rules".
 */
export async function eventRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const now = () => Math.floor(ctx.clock());

  app.get('/api/events', { schema: { tags: ['events'], summary: 'Every timed event, the config\'s then the API\'s, with whether it runs now', response: replies({ 200: EventsReply }) } }, async () => ({
    events: [...ctx.config().accounting.events.map((e) => eventView(e, 0, now())), ...store.creditEvents().map((e) => eventView(e, e.id, now()))],
  }));

  app.post<{ Body: Create }>(
    '/api/events',
    { schema: { tags: ['events'], summary: 'Add a timed event (freeleech or double_upload, start to end): applied from the next announce, on every instance', body: EventCreate, response: replies({ 201: EventReply }) } },
    async (req, reply) => {
      const b = req.body;
      if (b.end <= b.start) throw new ApiError(400, 'invalid_request', 'body.end must come after body.start');
      const held = store.creditEvents();
      const event = { id: held.reduce((max, e) => Math.max(max, e.id), 0) + 1, kind: b.kind, start: b.start, end: b.end, name: b.name ?? '' };
      await store.putCreditEvents([...held, event]);
      return reply.code(201).send(eventView(event, event.id, now()));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/events/:id',
    { schema: { tags: ['events'], summary: 'Remove an event added through the API (an event of the config goes by editing it and reloading)', params: EventIdParams, response: replies({ 204: NoContent }) } },
    async (req, reply) => {
      const id = Number(req.params.id);
      const held = store.creditEvents();
      if (!held.some((e) => e.id === id)) throw new ApiError(404, 'not_found', `no event ${id} (events of the config are changed in the config)`);
      await store.putCreditEvents(held.filter((e) => e.id !== id));
      return reply.code(204).send();
    },
  );
}
