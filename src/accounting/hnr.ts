import type { HnrConfig } from '../config/schema.js';
import type { UserTorrentStats } from '../store/records.js';

// Hit-and-run, from a (user, torrent) ledger alone: a pure function of the ledger, the torrent's
// size, the user's immunity, the rule (accounting.hnr) and the time. Nothing is stored beside the
// ledger, so every store gives the same answer, a state reached by time alone (the grace period
// running out) needs no announce and no sweep, and a user who comes back and seeds clears it.
// docs/protocol.md, "Hit-and-run", has the table and worked examples.

/**
 * - `none`: not downloaded enough to owe anything (or the rule is off);
 * - `pending`: owes seeding, and the grace period runs;
 * - `satisfied`: seeded the seed time, or reached the ratio, on this torrent;
 * - `hnr`: the grace period ran out unsatisfied;
 * - `immune`: would be pending or hnr, but the user is immune (User.hnrImmune).
 */
export type HnrState = 'none' | 'pending' | 'satisfied' | 'hnr' | 'immune';

/** What the rule reads of a ledger (UserTorrentStats has it all). */
export type HnrLedger = Pick<UserTorrentStats, 'downloadedRaw' | 'uploaded' | 'seedTime' | 'snatched' | 'lastSeen'>;

export interface HnrVerdict {
  state: HnrState;
  /** Seconds of seeding this torrent asks (by its size). */
  seedTimeRequired: number;
  /** Unix seconds the grace period ends (from the last announce); 0 when nothing is owed. */
  deadline: number;
}

/** Real bytes from which a torrent is owed; undefined: from its snatch (size unknown with a percentage). */
export function minDownload(rule: HnrConfig, size: number): number | undefined {
  const m = rule.min_download;
  if (typeof m === 'number') return m;
  if (size <= 0) return undefined;
  return Math.ceil((size * Number.parseFloat(m)) / 100);
}

/** Seconds of seeding asked of a torrent of `size` bytes (a fixed time, or the tier of its size). */
export function seedTimeFor(rule: HnrConfig, size: number): number {
  const s = rule.seed_time;
  if (typeof s === 'number') return s;
  // The tier with the largest min_size not above the size; below every tier, the smallest tier.
  let best = s[0]!;
  for (const tier of s) {
    const fits = tier.min_size <= size;
    const bestFits = best.min_size <= size;
    if (fits ? !bestFits || tier.min_size > best.min_size : !bestFits && tier.min_size < best.min_size) best = tier;
  }
  return best.seed_time;
}

/**
 * The HnR state of one (user, torrent). `size` is the torrent's bytes (0 when unknown), `immune`
 * the user's hnr_immune, `now` unix seconds.
 *
 * Owed: real download (downloadedRaw) of at least min_download, or a snatch when the size is
 * unknown. Satisfied: seedTime ≥ the seed time for the size, or ratio > 0 and credited upload ≥
 * ratio × real download (credited upload: a clamped cheat does not count, a multiplier does).
 * Otherwise pending until lastSeen + grace (an announce moves lastSeen, so a user still seeding is
 * never a hit-and-run), then hnr.
 */
export function hnrState(ledger: HnrLedger, size: number, immune: boolean, rule: HnrConfig, now: number): HnrVerdict {
  const seedTimeRequired = seedTimeFor(rule, size);
  if (!rule.enabled) return { state: 'none', seedTimeRequired, deadline: 0 };
  const min = minDownload(rule, size);
  const owed = min === undefined ? ledger.snatched : ledger.downloadedRaw > 0 && ledger.downloadedRaw >= min;
  if (!owed) return { state: 'none', seedTimeRequired, deadline: 0 };
  const byRatio = rule.ratio > 0 && ledger.uploaded >= rule.ratio * ledger.downloadedRaw;
  if (ledger.seedTime >= seedTimeRequired || byRatio) return { state: 'satisfied', seedTimeRequired, deadline: 0 };
  const deadline = ledger.lastSeen + rule.grace;
  if (immune) return { state: 'immune', seedTimeRequired, deadline };
  return { state: now >= deadline ? 'hnr' : 'pending', seedTimeRequired, deadline };
}
