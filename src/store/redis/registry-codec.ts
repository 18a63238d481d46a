import type { Torrent, User } from '../records.js';

// How registry records sit in Redis hashes and how their change notices read on the events channel.
// Messages are small text: "u <user id>", "t <info_hash>", "w <prefix>"; a receiver re-reads the
// record named rather than trusting a payload, so a late message can never apply stale data.

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

export type RegistryMessage = { kind: 'u'; id: number } | { kind: 't'; infoHash: string } | { kind: 'w'; prefix: string };

export function parseMessage(message: string): RegistryMessage | undefined {
  const arg = message.slice(2);
  switch (message.slice(0, 2)) {
    case 'u ': {
      const id = Number(arg);
      return Number.isSafeInteger(id) ? { kind: 'u', id } : undefined;
    }
    case 't ':
      return { kind: 't', infoHash: arg };
    case 'w ':
      return { kind: 'w', prefix: arg };
    default:
      return undefined;
  }
}
