import type { Torrent, User } from '../records.js';

// How registry records sit in Redis hashes and how their change notices read on the events channel.
// Messages are small text: "u <user id>", "t <info_hash>", "w <prefix>" name one record; a bulk put
// sends one notice per script call, "U <origin> <user id> …" or "T <origin> <info_hash> …", where
// origin is the writing store's token (its own cache is already current: it skips those). A
// receiver re-reads the records named rather than trusting a payload, so a late message can never
// apply stale data.

export const USER_FIELDS = ['passkey', 'name', 'can_leech', 'enabled'] as const;
export const TORRENT_FIELDS = ['torrent_id', 'name', 'multi_up', 'multi_dn', 'enabled', 'reason'] as const;

export const flag = (b: boolean): string => (b ? '1' : '0');

/** A user from HMGET of USER_FIELDS; undefined when the hash holds no registry record (counters only). */
export function decodeUser(id: number, v: readonly (string | null)[]): User | undefined {
  const [passkey, name, canLeech, enabled] = v;
  if (passkey == null) return undefined;
  return { id, passkey, name: name ?? '', canLeech: canLeech === '1', enabled: enabled === '1' };
}

/** A torrent from HMGET of TORRENT_FIELDS; undefined when the hash holds no registry record. */
export function decodeTorrent(infoHash: string, v: readonly (string | null)[]): Torrent | undefined {
  const [id, name, multiUp, multiDown, enabled, reason] = v;
  if (id == null) return undefined;
  return {
    id: Number(id),
    infoHash,
    name: name ?? '',
    multiUp: Number(multiUp ?? 1),
    multiDown: Number(multiDown ?? 1),
    enabled: enabled === '1',
    reason: reason ?? '',
  };
}

export const userMessage = (id: number): string => `u ${id}`;
export const torrentMessage = (infoHash: string): string => `t ${infoHash}`;
export const whitelistMessage = (prefix: string): string => `w ${prefix}`;
export const blacklistMessage = (pattern: string): string => `b ${pattern}`;
/** The head of a bulk put's notice (put-users-var.lua, put-torrents-var.lua append the ids). */
export const userBatchHead = (origin: string): string => `U ${origin}`;
export const torrentBatchHead = (origin: string): string => `T ${origin}`;

/** POST /api/reload on one instance: every other instance on this Redis re-reads its own config. */
export const reloadMessage = (origin: string): string => `r ${origin}`;

export type RegistryMessage = { kind: 'u'; id: number } | { kind: 't'; infoHash: string } | { kind: 'w'; prefix: string } | { kind: 'b'; pattern: string };

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
