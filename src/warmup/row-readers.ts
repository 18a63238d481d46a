import { BlacklistItem, Passkey, TorrentCreate, UserCreate, WhitelistItem, type BlacklistItem as BlacklistRow, type TorrentImport, type UserCreate as UserItem, type WhitelistItem as WhitelistRow } from '../api/schemas.js';

// Rows of the site database, as mysql2 hands them over (rowsAsArray), turned into the items of the
// bulk API. A row the API would refuse is a BadRow: skipped and counted, never sent, so one bad row
// cannot fail a batch of thousands. Limits come from the API's own schemas.

/** A row that cannot be loaded; `key` (user id, info_hash) when the row still names one. */
export class BadRow extends Error {
  override readonly name = 'BadRow';
  constructor(
    readonly row: string,
    why: string,
    readonly key?: number | string,
  ) {
    super(why);
  }
}

export type Cell = string | number | bigint | Buffer | Date | null | undefined;

const PASSKEY = new RegExp(Passkey.pattern!);
const HEX40 = /^[0-9a-fA-F]{40}$/;
const NAME_MAX = UserCreate.properties.name.maxLength!;
const TORRENT_NAME_MAX = TorrentCreate.properties.name.maxLength!;
const CLIENT_MAX = WhitelistItem.properties.client.maxLength!;
const PREFIX_MAX = WhitelistItem.properties.prefix.maxLength!;
const MULTI_MAX = TorrentCreate.properties.multi_up.maximum!;
const SLOTS_MAX = UserCreate.properties.leech_slots.maximum!;

const text = (v: Cell): string => (v == null ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** Names are shown to operators only: a longer one is cut (at a character boundary), not refused. */
function name(v: Cell, max: number): string {
  const s = text(v);
  return s.length <= max ? s : Array.from(s).slice(0, max).join('');
}

/** 0 (or '0', '', 'false', 'no', a BIT of zeros) is false, any other value true; NULL is undefined (the default). */
export function flag(v: Cell): boolean | undefined {
  if (v == null) return undefined;
  if (Buffer.isBuffer(v)) return v.some((b) => b !== 0);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  const s = String(v).trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'false' || s === 'no');
}

/** A site id: a whole number from 0 to 2^53 - 1 (mysql2 answers a BIGINT beyond that as text). */
function id(v: Cell, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRow(`${what} ${text(v) || 'NULL'}`, `${what} is not a whole number from 0 to 2^53-1`);
  return n;
}

function multiplier(v: Cell, column: string, row: string, key: string): number | undefined {
  if (v == null) return undefined;
  const n = Number(text(v));
  if (!Number.isFinite(n) || n < 0 || n > MULTI_MAX) throw new BadRow(row, `${column} is ${text(v)} (want 0 to ${MULTI_MAX})`, key);
  return n;
}

/** A whitelist row: [prefix, client]. */
export function readWhitelist(r: Cell[]): WhitelistRow {
  // A binary column holds the peer_id's bytes: the registry keeps prefixes as latin1 text.
  const prefix = Buffer.isBuffer(r[0]) ? r[0].toString('latin1') : text(r[0]);
  const row = `prefix ${JSON.stringify(prefix)}`;
  if (prefix.length === 0) throw new BadRow(row, 'prefix is empty');
  if (prefix.length > PREFIX_MAX) throw new BadRow(row, `prefix is ${prefix.length} characters (want at most ${PREFIX_MAX})`);
  return { prefix, client: name(r[1], CLIENT_MAX) };
}

/** Leech slots: NULL is undefined (no limit), else a whole number from 0 (no limit) to SLOTS_MAX. */
function leechSlots(v: Cell, column: string, row: string, key: number): number | undefined {
  if (v == null) return undefined;
  const n = Number(text(v));
  if (!Number.isInteger(n) || n < 0 || n > SLOTS_MAX) throw new BadRow(row, `${column} is ${text(v)} (want a whole number from 0 to ${SLOTS_MAX})`, key);
  return n;
}

const PATTERN_MAX = 20;
const REASON_MAX = BlacklistItem.properties.reason.maxLength!;

/** A blacklist row: [pattern, reason]. */
export function readBlacklist(r: Cell[]): BlacklistRow {
  // As a whitelist prefix: a binary column holds the peer_id's bytes, kept as latin1 text.
  const pattern = Buffer.isBuffer(r[0]) ? r[0].toString('latin1') : text(r[0]);
  const row = `pattern ${JSON.stringify(pattern)}`;
  if (pattern.length === 0) throw new BadRow(row, 'pattern is empty');
  if (pattern.length > PATTERN_MAX) throw new BadRow(row, `pattern is ${pattern.length} characters (want at most ${PATTERN_MAX})`);
  const reason = name(r[1], REASON_MAX);
  if (reason.length === 0) throw new BadRow(row, 'reason is empty (the refused client is shown it)');
  return { pattern, reason };
}

/** A user row: [id, passkey, name, …] with can_leech, enabled, leech_slots and hnr_immune at these indexes (-1: not selected). */
export function readUser(r: Cell[], at: { canLeech: number; enabled: number; leechSlots?: number; slotsColumn?: string; hnrImmune?: number }): UserItem {
  const userId = id(r[0], 'user id');
  const row = `user id ${userId}`;
  const passkey = Buffer.isBuffer(r[1]) ? r[1].toString('latin1') : text(r[1]);
  if (passkey.length === 0) throw new BadRow(row, 'passkey is empty', userId);
  if (passkey.length < Passkey.minLength! || passkey.length > Passkey.maxLength!) {
    throw new BadRow(row, `passkey is ${passkey.length} characters (want ${Passkey.minLength} to ${Passkey.maxLength})`, userId);
  }
  if (!PASSKEY.test(passkey)) throw new BadRow(row, 'passkey has characters other than A-Z a-z 0-9 _ . ~ -', userId);
  const user: UserItem = { user_id: userId, passkey, name: name(r[2], NAME_MAX) };
  const canLeech = at.canLeech < 0 ? undefined : flag(r[at.canLeech]);
  const enabled = at.enabled < 0 ? undefined : flag(r[at.enabled]);
  if (canLeech !== undefined) user.can_leech = canLeech;
  if (enabled !== undefined) user.enabled = enabled;
  const slots = at.leechSlots === undefined || at.leechSlots < 0 ? undefined : leechSlots(r[at.leechSlots], at.slotsColumn ?? 'leech_slots', row, userId);
  if (slots !== undefined) user.leech_slots = slots;
  if (at.hnrImmune !== undefined && at.hnrImmune >= 0 && flag(r[at.hnrImmune])) user.hnr_immune = true;
  return user;
}

/** A torrent's size in bytes: a whole number below 2^53; NULL, or anything else, is unknown (the HnR rule then counts from the snatch). */
function size(v: Cell): number | undefined {
  if (v == null) return undefined;
  const n = Number(text(v));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** 20 bytes (BINARY) or 40 hex characters (CHAR, or hex text in a binary column), as lowercase hex. */
function infoHash(v: Cell, row: string): string {
  if (v == null) throw new BadRow(row, 'info_hash is NULL');
  if (Buffer.isBuffer(v)) {
    if (v.length === 20) return v.toString('hex');
    const hex = v.length === 40 ? v.toString('latin1') : '';
    if (HEX40.test(hex)) return hex.toLowerCase();
    throw new BadRow(row, `info_hash is ${v.length} bytes (want 20 bytes or 40 hex characters)`);
  }
  const s = text(v);
  if (HEX40.test(s)) return s.toLowerCase();
  throw new BadRow(row, s.length === 40 ? 'info_hash is 40 characters but not hex' : `info_hash is ${s.length} characters (want 20 bytes or 40 hex characters)`);
}

/** How the multipliers of a torrent row are read. */
export interface MultipliersAt {
  /** Column index of multi_up, or -1. */
  up: number;
  /** Column index of multi_dn, or -1. */
  down: number;
  /** Column index of freeleech (read when there is no multi_dn), or -1. */
  freeleech: number;
  /** Column index of size (bytes), or -1 / absent. */
  size?: number;
  /** Their column names, for messages. */
  names: { up: string; down: string };
}

/** A torrent row: [id, info_hash, name, …multipliers at `at`]. */
export function readTorrent(r: Cell[], at: MultipliersAt): TorrentImport {
  const torrentId = id(r[0], 'torrent id');
  const row = `torrent id ${torrentId}`;
  const hash = infoHash(r[1], row);
  const torrent: TorrentImport = { torrent_id: torrentId, info_hash: hash, name: name(r[2], TORRENT_NAME_MAX) };
  const up = at.up < 0 ? undefined : multiplier(r[at.up], at.names.up, row, hash);
  const down = at.down >= 0 ? multiplier(r[at.down], at.names.down, row, hash) : at.freeleech >= 0 && flag(r[at.freeleech]) ? 0 : undefined;
  if (up !== undefined) torrent.multi_up = up;
  if (down !== undefined) torrent.multi_dn = down;
  const bytes = at.size === undefined || at.size < 0 ? undefined : size(r[at.size]);
  if (bytes !== undefined) torrent.size = bytes;
  return torrent;
}
