import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { BulkReply, BulkTorrents, BulkUsers, BulkWhitelist, type TorrentImport, type UserCreate, type WhitelistItem } from '../schemas.js';
import { replies } from './replies.js';

const schema = (body: typeof BulkUsers | typeof BulkTorrents | typeof BulkWhitelist, summary: string) => ({
  tags: ['bulk'],
  summary,
  body,
  response: replies({ 200: BulkReply }),
});

/** Imports for warmup and site scripts: each request is one store round trip, whatever its size. */
export async function bulkRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  app.post<{ Body: UserCreate[] }>('/api/bulk/users', { schema: schema(BulkUsers, 'Add or replace users; passkey conflicts are listed, the rest written') }, async (req) => {
    const users = req.body.map((u) => ({ id: u.user_id, passkey: u.passkey, name: u.name ?? '', canLeech: u.can_leech ?? true, enabled: u.enabled ?? true }));
    const conflicts = await store.putUsers(users);
    return { written: users.length - conflicts.length, conflicts: conflicts.map((c) => ({ user_id: c.userId, holder: c.holder })) };
  });

  app.post<{ Body: TorrentImport[] }>('/api/bulk/torrents', { schema: schema(BulkTorrents, 'Add or replace torrents (whole records)') }, async (req) => {
    const torrents = req.body.map((t) => ({
      id: t.torrent_id,
      infoHash: t.info_hash.toLowerCase(),
      name: t.name,
      multiUp: t.multi_up ?? 1,
      multiDown: t.multi_dn ?? 1,
      enabled: t.enabled ?? true,
      reason: t.reason ?? '',
    }));
    await store.putTorrents(torrents);
    return { written: torrents.length, conflicts: [] };
  });

  app.post<{ Body: WhitelistItem[] }>('/api/bulk/whitelist', { schema: schema(BulkWhitelist, 'Add or rename whitelist entries') }, async (req) => {
    await store.putWhitelistEntries(req.body.map((w) => ({ prefix: w.prefix, client: w.client })));
    return { written: req.body.length, conflicts: [] };
  });
}
