import type { FastifyInstance } from 'fastify';
import type { User } from '../../store/records.js';
import { RegistryConflictError } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import { hnrCount, hnrEntries } from '../hnr-list.js';
import {
  AdjustBody,
  AdjustmentReply,
  AdjustmentsReply,
  HnrReply,
  TokenItem,
  TorrentIdParams,
  UserCreate,
  UserIdParams,
  UserPatch,
  UserPostUpdate,
  UserReply,
  UserTorrentsReply,
  type AdjustBody as Adjust,
  type TokenItem as Token,
  type UserCreate as Create,
  type UserPatch as Patch,
  type UserPostUpdate as PostUpdate,
} from '../schemas.js';
import { patchedUser, userFromBody, withoutToken, withToken } from '../user-record.js';
import { adjustmentView, hnrView, userTorrentsView, userView } from '../views.js';
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
  const now = () => Math.floor(ctx.clock());
  const view = async (u: User) => {
    const [stats, hnr] = await Promise.all([store.userStats(u.id), hnrCount(store, u.id, ctx.config().accounting.hnr, now())]);
    return userView(u, stats, hnr);
  };
  /** A deleted user's history stays readable: it is the site's ledger. */
  const history = async (id: string) => {
    const userId = Number(id);
    const entries = await store.userTorrents(userId);
    if (entries.length === 0 && !store.userById(userId)) throw new ApiError(404, 'not_found', `no user ${id}`);
    return hnrEntries(store, userId, entries, ctx.config().accounting.hnr, now());
  };
  const update = async (id: string, b: Patch) => {
    const user = patchedUser(registered(id), b);
    await store.putUser(user).catch(conflict);
    return view(user);
  };

  app.post<{ Body: Create }>(
    '/api/user',
    { schema: { tags: ['users'], summary: 'Register a user', body: UserCreate, response: replies({ 201: UserReply }) } },
    async (req, reply) => {
      const b = req.body;
      const user = userFromBody(b);
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
    { schema: { tags: ['users'], summary: 'A user with raw and credited transfer, bonus, counters and hnr_count', params: UserIdParams, response: replies({ 200: UserReply }) } },
    async (req) => view(registered(req.params.user_id)),
  );

  const patchSummary = 'Change the fields given (passkey rotation, can_leech, enabled, leech_slots, name, hnr_immune, freeleech_until, multi_up, multi_dn, tokens)';
  app.patch<ById & { Body: Patch }>(
    '/api/user/:user_id',
    { schema: { tags: ['users'], summary: patchSummary, params: UserIdParams, body: UserPatch, response: replies({ 200: UserReply }) } },
    async (req) => update(req.params.user_id, req.body),
  );

  // The seed's update (its Python client's user_update): POST to the user, as PATCH.
  app.post<ById & { Body: PostUpdate }>(
    '/api/user/:user_id',
    { schema: { tags: ['users'], summary: `The seed's update, an alias of PATCH: ${patchSummary}`, params: UserIdParams, body: UserPostUpdate, response: replies({ 200: UserReply }) } },
    async (req) => {
      const { user_id: repeated, uploaded, downloaded, ...b } = req.body;
      if (repeated !== undefined && String(repeated) !== String(Number(req.params.user_id))) {
        throw new ApiError(400, 'invalid_request', `body.user_id ${repeated} is not the user of the path (${req.params.user_id})`);
      }
      // The seed's client echoes the figures it read a moment before: writing them back would undo
      // the announces in between, so they never are (corrections go through /adjust, as deltas).
      if (uploaded !== undefined || downloaded !== undefined) req.log.debug({ uploaded, downloaded }, 'figures of a POST user update left unwritten (POST /api/user/:user_id/adjust corrects them)');
      return Object.keys(b).length === 0 ? view(registered(req.params.user_id)) : update(req.params.user_id, b);
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
    async (req) => userTorrentsView(await history(req.params.user_id), { now: now(), peerTtl: ctx.config().tracker.reap_interval }),
  );

  app.get<ById>(
    '/api/user/:user_id/hnr',
    { schema: { tags: ['users'], summary: 'The user\'s hit-and-run list: every torrent it owes or owed seeding, with its state now', params: UserIdParams, response: replies({ 200: HnrReply }) } },
    async (req) => hnrView(Number(req.params.user_id), await history(req.params.user_id)),
  );

  app.post<ById & { Body: Adjust }>(
    '/api/user/:user_id/adjust',
    {
      schema: {
        tags: ['users'],
        summary: 'Correct the credited upload/download by a signed amount: recorded as an adjustment, flushed as a delta',
        params: UserIdParams,
        body: AdjustBody,
        response: replies({ 201: AdjustmentReply }),
      },
    },
    async (req, reply) => {
      const user = registered(req.params.user_id);
      const b = req.body;
      const adjustment = { userId: user.id, uploaded: b.uploaded ?? 0, downloaded: b.downloaded ?? 0, reason: b.reason, at: now() };
      if (adjustment.uploaded === 0 && adjustment.downloaded === 0) throw new ApiError(400, 'invalid_request', 'body must move uploaded or downloaded');
      const s = await store.userStats(user.id);
      for (const [field, held, delta] of [['uploaded', s.uploaded, adjustment.uploaded], ['downloaded', s.downloaded, adjustment.downloaded]] as const) {
        if (held + delta < 0) throw new ApiError(409, 'negative_figure', `${field} would go below 0 (holds ${held}, adjustment ${delta})`);
      }
      await store.adjustUser(adjustment);
      return reply.code(201).send(adjustmentView(adjustment));
    },
  );

  app.get<ById>(
    '/api/user/:user_id/adjustments',
    { schema: { tags: ['users'], summary: 'The user\'s adjustments, oldest first', params: UserIdParams, response: replies({ 200: AdjustmentsReply }) } },
    async (req) => ({ adjustments: (await store.adjustments(Number(req.params.user_id))).map(adjustmentView) }),
  );

  app.post<ById & { Body: Token }>(
    '/api/user/:user_id/tokens',
    { schema: { tags: ['users'], summary: 'Give the user a freeleech token for a torrent (or move its end); ended tokens are dropped', params: UserIdParams, body: TokenItem, response: replies({ 200: UserReply }) } },
    async (req) => {
      const user = withToken(registered(req.params.user_id), req.body.torrent_id, req.body.until, now());
      await store.putUser(user).catch(conflict);
      return view(user);
    },
  );

  app.delete<{ Params: { user_id: string; torrent_id: string } }>(
    '/api/user/:user_id/tokens/:torrent_id',
    { schema: { tags: ['users'], summary: 'Take the user\'s token for a torrent back', params: TorrentIdParams, response: replies({ 200: UserReply }) } },
    async (req) => {
      const user = withoutToken(registered(req.params.user_id), Number(req.params.torrent_id));
      await store.putUser(user).catch(conflict);
      return view(user);
    },
  );
}
