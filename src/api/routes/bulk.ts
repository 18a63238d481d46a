import type { FastifyInstance } from 'fastify';
import type { BlacklistEntry, Torrent, User, WhitelistEntry } from '../../store/records.js';
import { ApiError } from '../api-error.js';
import type { ApiContext } from '../context.js';
import {
  BulkBlacklist,
  BulkTorrentColumns,
  BulkUserColumns,
  TORRENT_DEFAULTS as TD,
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
  type BulkTorrentColumns as TorrentColumns,
  type BulkUserColumns as UserColumns,
  type TorrentImport,
  type UserCreate,
  type WhitelistItem,
} from '../schemas.js';
import { replies } from './replies.js';
import { userFromBody } from '../user-record.js';

const schema = (body: typeof BulkUsers | typeof BulkTorrents | typeof BulkWhitelist | typeof BulkBlacklist | typeof BulkUserColumns | typeof BulkTorrentColumns, summary: string) => ({
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

/** A whole torrent from a bulk item; fields not given take their defaults. */
function torrentFromBody(t: TorrentImport): Torrent {
  const torrent: Torrent = {
    id: t.torrent_id,
    infoHash: t.info_hash.toLowerCase(),
    name: t.name ?? TD.name,
    multiUp: t.multi_up ?? TD.multi_up,
    multiDown: t.multi_dn ?? TD.multi_dn,
    enabled: t.enabled ?? TD.enabled,
    reason: t.reason ?? TD.reason,
  };
  if (t.size) torrent.size = t.size;
  return torrent;
}

/** An item of a columns body: one value of each column given. */
type RowOf<C> = { [K in keyof C]: NonNullable<C[K]> extends ReadonlyArray<infer V> ? V : never };

/**
 * `make` of each item of a columns body, in order. Every column must hold as many values as the
 * `key` column (the schema checked each value). One row object is reused: `make` copies out of it.
 */
function fromColumns<C extends object, T>(columns: C, key: keyof C & string, make: (row: RowOf<C>) => T): T[] {
  const names = Object.keys(columns) as Array<keyof C & string>;
  const values = names.map((name) => columns[name] as unknown[]);
  const n = (columns[key] as unknown[]).length;
  names.forEach((name, c) => {
    if (values[c]!.length !== n) throw new ApiError(400, 'invalid_request', `body.${name} has ${values[c]!.length} values, body.${key} ${n}: every column needs one value per item`);
  });
  const row = {} as Record<string, unknown>;
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < names.length; c++) row[names[c]!] = values[c]![i];
    out[i] = make(row as RowOf<C>);
  }
  return out;
}

/**
 * Imports for warmup and site scripts: each request is one store round trip, whatever its size
 * (the blacklist's: one per changed entry).
 * Items equal to what the registry holds are not written (`unchanged`), so an import run twice
 * writes nothing and notifies no instance the second time.
 */
export async function bulkRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;

  const putUsers = async (users: User[]) => {
    const { write, unchanged } = changes(users, (u) => store.userById(u.id));
    const conflicts = await store.putUsers(write);
    return { written: write.length - conflicts.length, unchanged, conflicts: conflicts.map((c) => ({ user_id: c.userId, holder: c.holder })) };
  };
  const putTorrents = async (torrents: Torrent[]) => {
    const { write, unchanged } = changes(torrents, (t) => store.torrentByInfoHash(t.infoHash));
    const conflicts = await store.putTorrents(write);
    return { written: write.length - conflicts.length, unchanged, conflicts: conflicts.map((c) => ({ info_hash: c.infoHash, torrent_id: c.torrentId, holder: c.holder })) };
  };

  app.post<{ Body: UserCreate[] }>('/api/bulk/users', { schema: schema(BulkUsers, 'Add or replace users; passkey conflicts are listed, the rest written') }, async (req) =>
    putUsers(req.body.map(userFromBody)),
  );
  app.post<{ Body: UserColumns }>('/api/bulk/users/columns', { schema: schema(BulkUserColumns, 'As POST /api/bulk/users, the users given as columns') }, async (req) =>
    putUsers(fromColumns(req.body, 'user_id', userFromBody)),
  );

  app.post<{ Body: TorrentImport[] }>('/api/bulk/torrents', { schema: schema(BulkTorrents, 'Add or replace torrents (whole records); a torrent_id another info_hash holds is listed as a conflict') }, async (req) =>
    putTorrents(req.body.map(torrentFromBody)),
  );
  app.post<{ Body: TorrentColumns }>('/api/bulk/torrents/columns', { schema: schema(BulkTorrentColumns, 'As POST /api/bulk/torrents, the torrents given as columns') }, async (req) =>
    putTorrents(fromColumns(req.body, 'torrent_id', torrentFromBody)),
  );

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
