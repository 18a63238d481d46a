import type { FastifyInstance } from 'fastify';
import type { User } from '../../store/records.js';
import { RegistryConflictError } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { UserCreate, UserIdParams, UserPatch, UserReply, UserTorrentsReply, type UserCreate as Create, type UserPatch as Patch } from '../schemas.js';
import { userTorrentsView, userView } from '../views.js';
import { NoContent, replies } from './replies.js';

type ById = { Params: { user_id: string } };

/** A registry refusal as a 409 with its code (passkey_taken, user_exists). */
const conflict = (err: unknown): never => {
  if (err instanceof RegistryConflictError) throw new ApiError(409, err.code, err.message);
  throw err;
};

export async function userRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const registered = (id: string): User => {
    const u = store.userById(Number(id));
    if (!u) throw new ApiError(404, 'not_found', `no user ${id}`);
    return u;
  };
  const view = async (u: User) => userView(u, await store.userStats(u.id));

  app.post<{ Body: Create }>(
    '/api/user',
    { schema: { tags: ['users'], summary: 'Register a user', body: UserCreate, response: replies({ 201: UserReply }) } },
    async (req, reply) => {
      const b = req.body;
      const user: User = { id: b.user_id, passkey: b.passkey, name: b.name ?? '', canLeech: b.can_leech ?? true, enabled: b.enabled ?? true };
      // One check-and-set in the store: of racing creates (here or on another instance) one wins.
      await store.createUser(user).catch((err: unknown) => {
        if (err instanceof RegistryConflictError && err.code === 'user_exists') {
          throw new ApiError(409, 'user_exists', `user ${b.user_id} exists already (PATCH /api/user/${b.user_id} changes it)`);
        }
        return conflict(err);
      });
      return reply.code(201).send(await view(user));
    },
  );

  app.get<ById>(
    '/api/user/:user_id',
    { schema: { tags: ['users'], summary: 'A user with raw and credited transfer, bonus and counters', params: UserIdParams, response: replies({ 200: UserReply }) } },
    async (req) => view(registered(req.params.user_id)),
  );

  app.patch<ById & { Body: Patch }>(
    '/api/user/:user_id',
    { schema: { tags: ['users'], summary: 'Change the fields given (passkey rotation, can_leech, enabled, name)', params: UserIdParams, body: UserPatch, response: replies({ 200: UserReply }) } },
    async (req) => {
      const old = registered(req.params.user_id);
      const b = req.body;
      const user: User = { ...old, passkey: b.passkey ?? old.passkey, name: b.name ?? old.name, canLeech: b.can_leech ?? old.canLeech, enabled: b.enabled ?? old.enabled };
      await store.putUser(user).catch(conflict);
      return view(user);
    },
  );

  app.delete<ById>(
    '/api/user/:user_id',
    { schema: { tags: ['users'], summary: 'Remove a user: its passkey stops working on every instance', params: UserIdParams, response: replies({ 204: NoContent }) } },
    async (req, reply) => {
      await store.deleteUser(registered(req.params.user_id).id);
      return reply.code(204).send();
    },
  );

  app.get<ById>(
    '/api/user/:user_id/torrents',
    { schema: { tags: ['users'], summary: 'The user\'s torrents: active, incomplete, complete, hit-and-run', params: UserIdParams, response: replies({ 200: UserTorrentsReply }) } },
    async (req) => {
      const id = Number(req.params.user_id);
      // A deleted user's history stays readable: it is the site's ledger.
      const entries = await store.userTorrents(id);
      if (entries.length === 0 && !store.userById(id)) throw new ApiError(404, 'not_found', `no user ${id}`);
      const cfg = ctx.config();
      return userTorrentsView(entries, { now: ctx.clock(), peerTtl: cfg.tracker.reap_interval, hnrSeedTime: cfg.accounting.hnr_seed_time });
    },
  );
}
