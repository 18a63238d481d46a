import type { FreeleechToken, User } from '../store/records.js';
import type { TokenItem, UserCreate, UserPatch } from './schemas.js';

// API bodies → registry users: one place for create, bulk import, PATCH and the seed's POST update.

const tokensOf = (items: TokenItem[]): FreeleechToken[] => items.map((t) => ({ torrentId: t.torrent_id, until: t.until }));

/** A whole user from a create or bulk body; fields not given take their defaults. */
export function userFromBody(b: UserCreate): User {
  return applyEconomy({ id: b.user_id, passkey: b.passkey, name: b.name ?? '', canLeech: b.can_leech ?? true, enabled: b.enabled ?? true, leechSlots: b.leech_slots ?? 0 }, b);
}

/** `old` with the fields `b` gives changed (PATCH, the seed's POST update). */
export function patchedUser(old: User, b: UserPatch): User {
  return applyEconomy(
    { ...old, passkey: b.passkey ?? old.passkey, name: b.name ?? old.name, canLeech: b.can_leech ?? old.canLeech, enabled: b.enabled ?? old.enabled, leechSlots: b.leech_slots ?? old.leechSlots },
    b,
  );
}

/** The hit-and-run and freeleech fields given; defaults (false, 0, 1, none) are left off the record. */
function applyEconomy(u: User, b: UserPatch): User {
  if (b.hnr_immune !== undefined) u.hnrImmune = b.hnr_immune || undefined;
  if (b.freeleech_until !== undefined) u.freeleechUntil = b.freeleech_until || undefined;
  if (b.multi_up !== undefined) u.multiUp = b.multi_up === 1 ? undefined : b.multi_up;
  if (b.multi_dn !== undefined) u.multiDown = b.multi_dn === 1 ? undefined : b.multi_dn;
  if (b.tokens !== undefined) u.tokens = b.tokens.length > 0 ? tokensOf(b.tokens) : undefined;
  for (const k of ['hnrImmune', 'freeleechUntil', 'multiUp', 'multiDown', 'tokens'] as const) if (u[k] === undefined) delete u[k];
  return u;
}

/** `user` with the token for `torrentId` set to `until` (added or replaced), tokens that ended before `now` dropped. */
export function withToken(user: User, torrentId: number, until: number, now: number): User {
  const tokens = (user.tokens ?? []).filter((t) => t.torrentId !== torrentId && t.until > now);
  tokens.push({ torrentId, until });
  return { ...user, tokens };
}

/** `user` without its token for `torrentId`. */
export function withoutToken(user: User, torrentId: number): User {
  const tokens = (user.tokens ?? []).filter((t) => t.torrentId !== torrentId);
  const next: User = { ...user, tokens };
  if (tokens.length === 0) delete next.tokens;
  return next;
}
