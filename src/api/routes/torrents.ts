import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Torrent } from '../../store/records.js';
import { RegistryConflictError } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import {
  CountsReply,
  InfoHashParams,
  PeersReply,
  TorrentCreate,
  TorrentDelete,
  TorrentDeleteBody,
  TorrentDeleteQuery,
  TorrentGetParams,
  TorrentRefParams,
  type TorrentDeleteBody as DeleteBody,
  TorrentPatch,
  TorrentReply,
  type TorrentCreate as Create,
  type TorrentPatch as Patch,
} from '../schemas.js';
import { peersView, torrentView } from '../views.js';
import { NoContent, replies } from './replies.js';

type ByHash = { Params: { info_hash: string } };

/** A torrent_id another info_hash holds: 409 torrent_id_taken. */
const idTaken = (err: unknown): never => {
  if (err instanceof RegistryConflictError) throw new ApiError(409, err.code, err.message);
  throw err;
};

export async function torrentRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const registered = (infoHash: string): Torrent => {
    const t = store.torrentByInfoHash(infoHash.toLowerCase());
    if (!t) throw new ApiError(404, 'not_found', `no torrent with info_hash ${infoHash.toLowerCase()}`);
    return t;
  };
  const view = async (t: Torrent) => torrentView(t, await store.torrentStats(t.infoHash));
  /** The seed's client names a torrent by its torrent id where mika's routes take an info_hash. */
  const byRef = (ref: string): Torrent => {
    if (ref.length === 40) return registered(ref);
    const t = store.torrentById(Number(ref));
    if (!t) throw new ApiError(404, 'not_found', `no torrent with torrent_id ${ref}`);
    return t;
  };

  app.post<{ Body: Create }>(
    '/api/torrent',
    {
      schema: {
        tags: ['torrents'],
        summary: 'Register a torrent (201), or update one registered with this info_hash (202); a torrent_id of another info_hash is a 409 torrent_id_taken',
        body: TorrentCreate,
        response: replies({ 201: TorrentReply, 202: TorrentReply }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const infoHash = b.info_hash.toLowerCase();
      const old = store.torrentByInfoHash(infoHash);
      const torrent: Torrent = {
        id: b.torrent_id,
        infoHash,
        name: b.name ?? old?.name ?? '',
        multiUp: b.multi_up ?? old?.multiUp ?? 1,
        multiDown: b.multi_dn ?? old?.multiDown ?? 1,
        enabled: old?.enabled ?? true,
        reason: old?.reason ?? '',
      };
      const size = b.size ?? old?.size;
      if (size) torrent.size = size;
      await store.putTorrent(torrent).catch(idTaken);
      return reply.code(old ? 202 : 201).send(await view(torrent));
    },
  );

  app.get<ByHash>(
    '/api/torrent/:info_hash',
    { schema: { tags: ['torrents'], summary: 'A torrent with its counters, named by info_hash or by torrent id (the seed\'s client)', params: TorrentGetParams, response: replies({ 200: TorrentReply }) } },
    async (req) => view(byRef(req.params.info_hash)),
  );

  app.patch<ByHash & { Body: Patch }>(
    '/api/torrent/:info_hash',
    { schema: { tags: ['torrents'], summary: 'Change the fields given', params: InfoHashParams, body: TorrentPatch, response: replies({ 200: TorrentReply }) } },
    async (req) => {
      const old = registered(req.params.info_hash);
      const b = req.body;
      const enabled = b.enabled ?? old.enabled;
      const torrent: Torrent = {
        ...old,
        name: b.name ?? old.name,
        multiUp: b.multi_up ?? old.multiUp,
        multiDown: b.multi_dn ?? old.multiDown,
        ...(b.size !== undefined ? { size: b.size || undefined } : {}),
        enabled,
        // Enabling clears the reason unless one is given.
        reason: b.reason ?? (enabled ? '' : old.reason),
      };
      await store.putTorrent(torrent);
      return view(torrent);
    },
  );

  /** Disables a torrent (the seed's soft delete), or forgets it with its swarm (purge). */
  const remove = async (old: Torrent, purge: boolean, reason: string | undefined, reply: FastifyReply) => {
    if (purge) {
      await store.deleteTorrent(old.infoHash);
      return reply.code(204).send();
    }
    const torrent: Torrent = { ...old, enabled: false, reason: reason ?? 'torrent deleted' };
    await store.putTorrent(torrent);
    return view(torrent);
  };
  const deleteSchema = { tags: ['torrents'], querystring: TorrentDeleteQuery, response: replies({ 200: TorrentReply, 204: NoContent }) };

  app.delete<{ Params: { torrent: string }; Body: { reason?: string }; Querystring: { purge?: 'true' | 'false' } }>(
    '/api/torrent/:torrent',
    {
      schema: { ...deleteSchema, summary: 'Disable a torrent, named by info_hash or by torrent id (the seed\'s client): its announces fail with the reason given', params: TorrentRefParams, body: TorrentDelete },
      // The body is optional: no body is an empty one.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => remove(byRef(req.params.torrent), req.query.purge === 'true', req.body?.reason, reply),
  );

  app.delete<{ Body: DeleteBody; Querystring: { purge?: 'true' | 'false' } }>(
    '/api/torrent',
    { schema: { ...deleteSchema, summary: 'Disable a torrent named in the body by torrent_id or info_hash (as DELETE /api/torrent/:torrent)', body: TorrentDeleteBody } },
    async (req, reply) => {
      const b = req.body;
      const ref = b.info_hash ?? (b.torrent_id !== undefined ? String(b.torrent_id) : undefined);
      if (ref === undefined) throw new ApiError(400, 'invalid_request', 'body needs torrent_id or info_hash');
      return remove(byRef(ref), req.query.purge === 'true', b.reason, reply);
    },
  );

  app.get<ByHash>(
    '/api/torrent/:info_hash/peers',
    { schema: { tags: ['torrents'], summary: 'The swarm\'s peers now, seeders first', params: InfoHashParams, response: replies({ 200: PeersReply }) } },
    async (req) => {
      const t = registered(req.params.info_hash);
      return peersView(t.infoHash, await store.peers(t.infoHash));
    },
  );

  app.get('/api/counts', { schema: { tags: ['torrents'], summary: 'How many torrents, users, whitelist entries and peers', response: replies({ 200: CountsReply }) } }, async () => ({
    ...store.counts(),
    ...(await store.totals()),
  }));
}
