import type { ApiClient } from '../api/client.js';
import { TORRENT_DEFAULTS, USER_DEFAULTS, type BlacklistItem, type BulkReply, type BulkTorrentColumns, type BulkUserColumns, type TorrentImport, type UserCreate, type WhitelistItem } from '../api/schemas.js';
import type { SqlConfig } from '../config/schema.js';
import { columnsOrItems, toColumns } from './columns.js';
import { readBlacklist, readTorrent, readUser, readWhitelist, type Cell } from './row-readers.js';

// What warmup loads, in the seed's order: for each, the site table and columns from config
// (sql.queries.*), how a row becomes an item of the bulk API, and where the items go.

export type EntityKind = 'whitelist' | 'blacklist' | 'users' | 'torrents';

/** The columns to select (in this order) and how a row of them reads. */
export interface Plan<T> {
  columns: string[];
  read(row: Cell[]): T;
}

export interface Entity<T> {
  kind: EntityKind;
  /** The seed's word: `Loading <label>… N`. */
  label: string;
  table: string;
  /** Config field → column: the columns the table must have. */
  required: Record<string, string>;
  /** The plan, given which optional columns the table has. */
  plan(has: (column: string) => boolean): Plan<T>;
  /** What prune compares with the daemon's registry (users by id, torrents by info_hash). */
  key(item: T): number | string;
  send(api: ApiClient, batch: T[]): Promise<BulkReply>;
}

/** `column` appended to `columns` when the table has it: its index, else -1. */
function optional(columns: string[], column: string, has: (column: string) => boolean): number {
  return has(column) ? columns.push(column) - 1 : -1;
}

export function siteEntities(q: SqlConfig['queries']): [Entity<WhitelistItem>, Entity<UserCreate>, Entity<TorrentImport>] {
  const { whitelist: w, users: u, torrents: t } = q;
  return [
    {
      kind: 'whitelist',
      label: 'whitelist',
      table: w.table,
      required: { prefix: w.prefix, client: w.client },
      plan: () => ({ columns: [w.prefix, w.client], read: readWhitelist }),
      key: (item) => item.prefix,
      send: (api, batch) => api.bulkWhitelist(batch),
    },
    {
      kind: 'users',
      label: 'passkeys',
      table: u.table,
      required: { id: u.id, passkey: u.passkey, name: u.name },
      plan(has) {
        const columns = [u.id, u.passkey, u.name];
        const at = {
          canLeech: optional(columns, u.can_leech, has),
          enabled: optional(columns, u.enabled, has),
          leechSlots: optional(columns, u.leech_slots, has),
          slotsColumn: u.leech_slots,
          hnrImmune: optional(columns, u.hnr_immune, has),
        };
        return { columns, read: (row) => readUser(row, at) };
      },
      key: (item) => item.user_id,
      send: columnsOrItems(
        (api, batch) => api.bulkUserColumns(toColumns<UserCreate, BulkUserColumns>(batch, USER_DEFAULTS)),
        (api, batch) => api.bulkUsers(batch),
      ),
    },
    {
      kind: 'torrents',
      label: 'torrents',
      table: t.table,
      required: { id: t.id, info_hash: t.info_hash, name: t.name },
      plan(has) {
        const columns = [t.id, t.info_hash, t.name];
        const up = optional(columns, t.multi_up, has);
        const down = optional(columns, t.multi_dn, has);
        // freeleech is the coarser flag: read only when the table has no download multiplier.
        const freeleech = down < 0 ? optional(columns, t.freeleech, has) : -1;
        const at = { up, down, freeleech, size: optional(columns, t.size, has), names: { up: t.multi_up, down: t.multi_dn } };
        return { columns, read: (row) => readTorrent(row, at) };
      },
      key: (item) => item.info_hash,
      send: columnsOrItems(
        (api, batch) => api.bulkTorrentColumns(toColumns<TorrentImport, BulkTorrentColumns>(batch, TORRENT_DEFAULTS)),
        (api, batch) => api.bulkTorrents(batch),
      ),
    },
  ];
}

/** The blacklist table, when sql.queries.blacklist.table names one (loaded after the whitelist, never pruned). */
export function blacklistEntity(q: SqlConfig['queries']): Entity<BlacklistItem> | undefined {
  const b = q.blacklist;
  if (b.table === '') return undefined;
  return {
    kind: 'blacklist',
    label: 'blacklist',
    table: b.table,
    required: { pattern: b.pattern, reason: b.reason },
    plan: () => ({ columns: [b.pattern, b.reason], read: readBlacklist }),
    key: (item) => item.pattern,
    send: (api, batch) => api.bulkBlacklist(batch),
  };
}
