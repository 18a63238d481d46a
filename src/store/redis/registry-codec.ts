import { wellFormed } from '../../text/well-formed.js';
import type { FreeleechToken, Torrent, User } from '../records.js';

// How registry records sit in Redis hashes and how their change notices read on the events channel.
// Messages are small text: "u <user id>", "t <info_hash>", "w <prefix>" name one record; a bulk put
// sends one notice per script call, "U <origin> <user id> …" or "T <origin> <info_hash> …", where
// origin is the writing store's token (its own cache is already current: it skips those). A
// receiver re-reads the records named rather than trusting a payload, so a late message can never
// apply stale data.

export const USER_FIELDS = ['passkey', 'name', 'can_leech', 'enabled', 'leech_slots', 'extras'] as const;
export const TORRENT_FIELDS = ['torrent_id', 'name', 'multi_up', 'multi_dn', 'enabled', 'reason', 'size'] as const;

/**
 * The user fields of the hit-and-run rule and the freeleech economy, as one JSON text in the
 * `extras` field: read only when the registry is (re)loaded, never per announce, and one field
 * leaves the registry scripts' argument lists alone as fields are added. "" when all are defaults.
 */
interface Extras {
  hnr_immune?: boolean;
  freeleech_until?: number;
  multi_up?: number;
  multi_dn?: number;
  tokens?: Array<[torrentId: number, until: number]>;
}

export function userExtras(u: User): string {
  const e: Extras = {};
  if (u.hnrImmune) e.hnr_immune = true;
  if (u.freeleechUntil) e.freeleech_until = u.freeleechUntil;
  if (u.multiUp !== undefined && u.multiUp !== 1) e.multi_up = u.multiUp;
  if (u.multiDown !== undefined && u.multiDown !== 1) e.multi_dn = u.multiDown;
  if (u.tokens && u.tokens.length > 0) e.tokens = u.tokens.map((t) => [t.torrentId, t.until]);
  return Object.keys(e).length === 0 ? '' : JSON.stringify(e);
}

function withExtras(user: User, text: string | null | undefined): User {
  if (!text) return user;
  let e: Extras;
  try {
    e = JSON.parse(text) as Extras;
  } catch {
    // Not mika's: the record's other fields still serve announces.
    return user;
  }
  if (e.hnr_immune) user.hnrImmune = true;
  if (e.freeleech_until) user.freeleechUntil = e.freeleech_until;
  if (e.multi_up !== undefined) user.multiUp = e.multi_up;
  if (e.multi_dn !== undefined) user.multiDown = e.multi_dn;
  if (e.tokens) user.tokens = e.tokens.map(([torrentId, until]): FreeleechToken => ({ torrentId, until }));
  return user;
}

export const flag = (b: boolean): string => (b ? '1' : '0');

/** put-users-var.lua's users argument: seven strings per user, as one JSON array. */
export function userFields(users: readonly User[]): string {
  const f: string[] = [];
  for (const u of users) f.push(String(u.id), u.passkey, wellFormed(u.name), flag(u.canLeech), flag(u.enabled), String(u.leechSlots), userExtras(u));
  return JSON.stringify(f);
}

/** put-torrents-var.lua's torrents argument: eight strings per torrent, as one JSON array. */
export function torrentFields(torrents: readonly Torrent[]): string {
  const f: string[] = [];
  for (const t of torrents) f.push(t.infoHash, String(t.id), wellFormed(t.name), String(t.multiUp), String(t.multiDown), flag(t.enabled), wellFormed(t.reason), String(t.size ?? 0));
  return JSON.stringify(f);
}

/** A user from HMGET of USER_FIELDS; undefined when the hash holds no registry record (counters only). */
export function decodeUser(id: number, v: readonly (string | null)[]): User | undefined {
  const [passkey, name, canLeech, enabled, leechSlots, extras] = v;
  if (passkey == null) return undefined;
  // A record written before leech slots has none: no limit.
  return withExtras({ id, passkey, name: name ?? '', canLeech: canLeech === '1', enabled: enabled === '1', leechSlots: Number(leechSlots ?? 0) }, extras);
}

/** A torrent from HMGET of TORRENT_FIELDS; undefined when the hash holds no registry record. */
export function decodeTorrent(infoHash: string, v: readonly (string | null)[]): Torrent | undefined {
  const [id, name, multiUp, multiDown, enabled, reason, size] = v;
  if (id == null) return undefined;
  const torrent: Torrent = {
    id: Number(id),
    infoHash,
    name: name ?? '',
    multiUp: Number(multiUp ?? 1),
    multiDown: Number(multiDown ?? 1),
    enabled: enabled === '1',
    reason: reason ?? '',
  };
  // A record written before sizes were kept: unknown.
  if (size != null && size !== '0') torrent.size = Number(size);
  return torrent;
}

export const userMessage = (id: number): string => `u ${id}`;
export const torrentMessage = (infoHash: string): string => `t ${infoHash}`;
export const whitelistMessage = (prefix: string): string => `w ${prefix}`;
export const blacklistMessage = (pattern: string): string => `b ${pattern}`;
/** The API's timed events changed: every instance reads the list again. */
export const creditEventsMessage = 'e ';
/** The head of a bulk put's notice (put-users-var.lua, put-torrents-var.lua append the ids). */
export const userBatchHead = (origin: string): string => `U ${origin}`;
export const torrentBatchHead = (origin: string): string => `T ${origin}`;

/** POST /api/reload on one instance: every other instance on this Redis re-reads its own config. */
export const reloadMessage = (origin: string): string => `r ${origin}`;

export type RegistryMessage = { kind: 'u'; id: number } | { kind: 't'; infoHash: string } | { kind: 'w'; prefix: string } | { kind: 'b'; pattern: string } | { kind: 'e' };

/** A notice: the records it names, and the store that wrote them when the notice says so. */
export interface RegistryNotice {
  origin: string | undefined;
  records: RegistryMessage[];
  /** A config reload notice (`r <origin>`): it names no records. */
  reload?: true;
}

const userRecord = (arg: string): RegistryMessage | undefined => {
  const id = Number(arg);
  return arg !== '' && Number.isSafeInteger(id) ? { kind: 'u', id } : undefined;
};

export function parseMessage(message: string): RegistryNotice | undefined {
  const arg = message.slice(2);
  switch (message.slice(0, 2)) {
    case 'u ': {
      const record = userRecord(arg);
      return record && { origin: undefined, records: [record] };
    }
    case 't ':
      return { origin: undefined, records: [{ kind: 't', infoHash: arg }] };
    case 'w ':
      return { origin: undefined, records: [{ kind: 'w', prefix: arg }] };
    case 'b ':
      return { origin: undefined, records: [{ kind: 'b', pattern: arg }] };
    case 'e ':
      return { origin: undefined, records: [{ kind: 'e' }] };
    case 'U ': {
      const [origin = '', ...ids] = arg.split(' ');
      const records: RegistryMessage[] = [];
      for (const id of ids) {
        const record = userRecord(id);
        if (record) records.push(record);
      }
      return { origin, records };
    }
    case 'T ': {
      const [origin = '', ...infoHashes] = arg.split(' ');
      return { origin, records: infoHashes.map((infoHash) => ({ kind: 't', infoHash })) };
    }
    case 'r ':
      return { origin: arg, records: [], reload: true };
    default:
      return undefined;
  }
}
