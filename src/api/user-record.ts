import type { FreeleechToken, User } from '../store/records.js';
import { USER_DEFAULTS as D, type TokenItem, type UserCreate, type UserPatch } from './schemas.js';

// API bodies → registry users: one place for create, bulk import, PATCH and the seed's POST update.

const tokensOf = (items: TokenItem[]): FreeleechToken[] => items.map((t) => ({ torrentId: t.torrent_id, until: t.until }));

/** A whole user from a create or bulk body; fields not given take their defaults. */
export function userFromBody(b: UserCreate): User {
  return applyEconomy({ id: b.user_id, passkey: b.passkey, name: b.name ?? D.name, canLeech: b.can_leech ?? D.can_leech, enabled: b.enabled ?? D.enabled, leechSlots: b.leech_slots ?? D.leech_slots }, b);
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
  if (b.hnr_immune !== undefined) setOrDrop(u, 'hnrImmune', b.hnr_immune || undefined);
  if (b.freeleech_until !== undefined) setOrDrop(u, 'freeleechUntil', b.freeleech_until || undefined);
  if (b.multi_up !== undefined) setOrDrop(u, 'multiUp', b.multi_up === 1 ? undefined : b.multi_up);
  if (b.multi_dn !== undefined) setOrDrop(u, 'multiDown', b.multi_dn === 1 ? undefined : b.multi_dn);
  if (b.tokens !== undefined) setOrDrop(u, 'tokens', b.tokens.length > 0 ? tokensOf(b.tokens) : undefined);
  return u;
}

/**
 * Sets the field, or removes it when it is the default (undefined). A field the record never had
 * is not deleted: a delete turns the object into a slow dictionary, and a bulk import makes
 * thousands of new records whose economy fields are mostly defaults.
 */
function setOrDrop<K extends 'hnrImmune' | 'freeleechUntil' | 'multiUp' | 'multiDown' | 'tokens'>(u: User, k: K, v: User[K]): void {
  if (v !== undefined) u[k] = v;
  else if (k in u) delete u[k];
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
