import type { CreditEvent } from '../config/schema.js';
import type { Torrent, User } from '../store/records.js';

// Which multipliers one announce is credited with: the freeleech economy in one pure function
// (docs/protocol.md, "Credit rules", is the same table). The tracker calls it before the store, so
// every store (and the Redis script) only applies the factors it is given and keeps the label.

/** Where the download factor came from, in the order they are looked at (the first that applies names it). */
export type DownSource = 'torrent_free' | 'site' | 'event' | 'personal' | 'token' | 'normal';
/** Where the upload factor came from. */
export type UpSource = 'event' | 'torrent' | 'normal';

export interface CreditRule {
  multiUp: number;
  multiDown: number;
  /** "dn=<source>:<factor> up=<source>:<factor>", "+class" after a source when the user's own factor is not 1. */
  label: string;
}

/** A plain announce (no freeleech, no event, no class bonus, a 1:1 torrent), most of them: one shared answer, nothing allocated. */
const PLAIN: Readonly<CreditRule> = Object.freeze({ multiUp: 1, multiDown: 1, label: 'dn=normal:1 up=normal:1' });

/** True when an event of `kind` runs at `now` (start included, end not). */
export function eventActive(events: readonly CreditEvent[], kind: CreditEvent['kind'], now: number): boolean {
  for (const e of events) if (e.kind === kind && e.start <= now && now < e.end) return true;
  return false;
}

/** True when the user holds a token for the torrent that runs at `now`. */
export function tokenActive(user: User, torrentId: number, now: number): boolean {
  const tokens = user.tokens;
  if (!tokens) return false;
  for (const t of tokens) if (t.torrentId === torrentId && now < t.until) return true;
  return false;
}

/**
 * The factors of one announce of `user` on `torrent` at `now` (unix seconds).
 *
 * Download: 0 when any freeleech applies (the torrent's multi_dn 0, accounting.freeleech, a
 * freeleech event, the user's freeleech_until, a token of the user for the torrent); else the
 * torrent's multi_dn × the user's multi_dn. Upload: the larger of the torrent's multi_up and 2
 * during a double_upload event, × the user's multi_up (a 2× torrent in a double-upload event is 2×,
 * not 4×; a class bonus multiplies whatever applies).
 */
export function creditRule(user: User, torrent: Torrent, siteFreeleech: boolean, events: readonly CreditEvent[], now: number): CreditRule {
  const userUp = user.multiUp ?? 1;
  const userDown = user.multiDown ?? 1;
  let down: DownSource = 'normal';
  if (torrent.multiDown === 0) down = 'torrent_free';
  else if (siteFreeleech) down = 'site';
  else if (events.length > 0 && eventActive(events, 'freeleech', now)) down = 'event';
  else if ((user.freeleechUntil ?? 0) > now) down = 'personal';
  else if (tokenActive(user, torrent.id, now)) down = 'token';
  const double = events.length > 0 && torrent.multiUp < 2 && eventActive(events, 'double_upload', now);
  const up: UpSource = double ? 'event' : torrent.multiUp !== 1 ? 'torrent' : 'normal';
  const multiDown = down === 'normal' ? torrent.multiDown * userDown : 0;
  const multiUp = (double ? 2 : torrent.multiUp) * userUp;
  if (down === 'normal' && up === 'normal' && userUp === 1 && userDown === 1 && torrent.multiDown === 1) return PLAIN;
  const dnName = down === 'normal' && torrent.multiDown !== 1 ? 'torrent' : down;
  const label = `dn=${dnName}${down === 'normal' && userDown !== 1 ? '+class' : ''}:${multiDown} up=${up}${userUp !== 1 ? '+class' : ''}:${multiUp}`;
  return { multiUp, multiDown, label };
}
