import type { FastifyInstance } from 'fastify';
import type { BlacklistEntry, Torrent, User, WhitelistEntry } from '../../store/records.js';
import type { ApiContext } from '../context.js';
import {
  BulkBlacklist,
  BulkDeleteReply,
  BulkInfoHashes,
  BulkReply,
  BulkTorrents,
  BulkUserIds,
  BulkUsers,
  BulkWhitelist,
  InfoHashesReply,
  UserIdsReply,
  type BlacklistItem,
  type TorrentImport,
  type UserCreate,
  type WhitelistItem,
} from '../schemas.js';
import { replies } from './replies.js';
import { userFromBody } from '../user-record.js';

const schema = (body: typeof BulkUsers | typeof BulkTorrents | typeof BulkWhitelist | typeof BulkBlacklist, summary: string) => ({
  tags: ['bulk'],
  summary,
  body,
  response: replies({ 200: BulkReply }),
});

/** Whether the registry already holds `next` field for field (flat records; a user's tokens compared as text). */
function same<T extends User | Torrent | WhitelistEntry | BlacklistEntry>(held: T | undefined, next: T): boolean {
  if (held === undefined || Object.keys(held).length !== Object.keys(next).length) return false;
  return (Object.keys(next) as Array<keyof T>).every((k) => held[k] === next[k] || (Array.isArray(next[k]) && JSON.stringify(held[k]) === JSON.stringify(next[k])));
}

/** The items that differ from what the registry holds (these are written), and how many did not. */
function changes<T extends User | Torrent | WhitelistEntry | BlacklistEntry>(items: T[], held: (item: T) => T | undefined): { write: T[]; unchanged: number } {
  const write = items.filter((item) => !same(held(item), item));
  return { write, unchanged: items.length - write.length };
}

/**
 * Imports for warmup and site scripts: each request is one store round trip, whatever its size
 * (the blacklist's: one per changed entry).
 * Items equal to what the registry holds are not written (`unchanged`), so an import run twice
 * writes nothing and notifies no instance the second time.
 */
export async function bulkRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  app.post<{ Body: UserCreate[] }>('/api/bulk/users', { schema: schema(BulkUsers, 'Add or replace users; passkey conflicts are listed, the rest written') }, async (req) => {
    const users = req.body.map(userFromBody);
    const { write, unchanged } = changes(users, (u) => store.userById(u.id));
    const conflicts = await store.putUsers(write);
    return { written: write.length - conflicts.length, unchanged, conflicts: conflicts.map((c) => ({ user_id: c.userId, holder: c.holder })) };
  });

  app.post<{ Body: TorrentImport[] }>('/api/bulk/torrents', { schema: schema(BulkTorrents, 'Add or replace torrents (whole records); a torrent_id another info_hash holds is listed as a conflict') }, async (req) => {
    const torrents = req.body.map((t): Torrent => ({
      id: t.torrent_id,
      infoHash: t.info_hash.toLowerCase(),
      name: t.name ?? '',
      multiUp: t.multi_up ?? 1,
      multiDown: t.multi_dn ?? 1,
      enabled: t.enabled ?? true,
      reason: t.reason ?? '',
      ...(t.size ? { size: t.size } : {}),
    }));
    const { write, unchanged } = changes(torrents, (t) => store.torrentByInfoHash(t.infoHash));
    const conflicts = await store.putTorrents(write);
    return { written: write.length - conflicts.length, unchanged, conflicts: conflicts.map((c) => ({ info_hash: c.infoHash, torrent_id: c.torrentId, holder: c.holder })) };
  });

  app.post<{ Body: WhitelistItem[] }>('/api/bulk/whitelist', { schema: schema(BulkWhitelist, 'Add or rename whitelist entries') }, async (req) => {
    const held = new Map(store.whitelist().map((e) => [e.prefix, e]));
    const { write, unchanged } = changes(
      req.body.map((w) => ({ prefix: w.prefix, client: w.client })),
      (w) => held.get(w.prefix),
    );
    await store.putWhitelistEntries(write);
    return { written: write.length, unchanged, conflicts: [] };
  });

  app.post<{ Body: BlacklistItem[] }>('/api/bulk/blacklist', { schema: schema(BulkBlacklist, 'Add blacklist entries or change their reasons') }, async (req) => {
    const held = new Map(store.blacklist().map((e) => [e.pattern, e]));
    const { write, unchanged } = changes(
      req.body.map((b) => ({ pattern: b.pattern, reason: b.reason })),
      (b) => held.get(b.pattern),
    );
    // One store write per changed entry (a blacklist is short; the whitelist has a batch write).
    for (const entry of write) await store.putBlacklist(entry);
    return { written: write.length, unchanged, conflicts: [] };
  });

  // For an importer's prune: what the registry holds, then deletes of what the site no longer has.
  app.get('/api/users/ids', { schema: { tags: ['bulk'], summary: 'The id of every registered user', response: replies({ 200: UserIdsReply }) } }, async () => ({
    ids: store.userIds(),
  }));

  app.get('/api/torrents/hashes', { schema: { tags: ['bulk'], summary: 'The info_hash of every registered torrent', response: replies({ 200: InfoHashesReply }) } }, async () => ({
    info_hashes: store.infoHashes(),
  }));

  app.post<{ Body: { ids: number[] } }>(
    '/api/bulk/users/delete',
    { schema: { tags: ['bulk'], summary: 'Remove users (as DELETE /api/user/:user_id does)', body: BulkUserIds, response: replies({ 200: BulkDeleteReply }) } },
    async (req) => ({ deleted: await store.deleteUsers(req.body.ids) }),
  );

  app.post<{ Body: { info_hashes: string[] } }>(
    '/api/bulk/torrents/delete',
    { schema: { tags: ['bulk'], summary: 'Forget torrents with their swarms (as DELETE /api/torrent/:info_hash?purge=true does)', body: BulkInfoHashes, response: replies({ 200: BulkDeleteReply }) } },
    async (req) => ({ deleted: await store.deleteTorrents(req.body.info_hashes.map((ih) => ih.toLowerCase())) }),
  );
}
