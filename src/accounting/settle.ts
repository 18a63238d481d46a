import type { AnnounceEvent } from './events.js';

// How one announce changes a user's and a torrent's ledger. Pure: both stores call this (the Redis
// store through scripts/announce-*.lua, which mirrors it line for line and is held to the same
// contract tests), so a change here is a change there.
//
// What a client could mint by announcing often or under many peer_ids is bounded per (user,
// torrent), not per peer: the upload budget and the wall clock that seed time, leech time and bonus
// are measured on belong to the user's ledger of the torrent, shared by every peer_id of the user
// there (two clients, a restart, IPv4 + IPv6 as two ids).

/** What the tracker remembers of a peer between two of its announces. */
export interface PeerState {
  uploaded: number;
  downloaded: number;
  left: number;
  /** Unix seconds of its last announce. */
  lastSeen: number;
}

/** The counters an announce reports. */
export interface Report {
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent;
  /** Unix seconds. */
  now: number;
  /** Unix milliseconds, the same instant as `now` (the upload budget is measured in these). */
  nowMs: number;
}

export interface Rules {
  multiUp: number;
  multiDown: number;
  bonusRate: number;
  /** Announce interval told to clients, seconds: bonus accrues for at most one interval per announce. */
  interval: number;
  /** Bytes per second a user may be credited for on one torrent, all its peer_ids together; 0 = no ceiling. */
  maxUploadRate: number;
  /** Credit a seeder's upload over an interval in which its swarm had no leecher (a cheat event either way). */
  creditWithoutLeechers: boolean;
}

/** The (user, torrent) history the bonus formula and the snatch rule read. */
export interface History {
  /** Credited upload on this torrent before this announce. */
  uploaded: number;
  seedTime: number;
  snatched: boolean;
}

/** The (user, torrent) ledger's budget and clock, shared by all the user's peer_ids on the torrent. */
export interface LedgerClock {
  /** Unix ms since which the upload budget accrues: when it was last spent; 0 before that. */
  budgetAt: number;
  /** Unix seconds up to which wall time (seed time, leech time, bonus) has been accrued; 0 before any. */
  clockAt: number;
}

/** What the swarm looked like just before the announce. */
export interface SwarmView {
  seeders: number;
  leechers: number;
  /** Unix seconds of the last announce that saw a leecher in the swarm (0: never). */
  lastLeecherAt: number;
}

/** Why an announce's upload was not credited in full. */
export type CheatKind = 'upload_rate' | 'no_leechers';

export interface Cheat {
  kind: CheatKind;
  /** Reported bytes per second over the budget's window. */
  rate: number;
  reported: number;
  allowed: number;
}

export interface Settlement {
  upRaw: number;
  downRaw: number;
  up: number;
  down: number;
  seedTime: number;
  leechTime: number;
  bonus: number;
  snatch: boolean;
  /** At most one per announce; `no_leechers` wins over `upload_rate`. */
  cheat: Cheat | undefined;
  /** The ledger's budget and clock after this announce. */
  budgetAt: number;
  clockAt: number;
}

const GIB = 1024 ** 3;
/** Every figure the stores add must stay an exact integer (a double; Redis HINCRBY text). */
export const MAX_FIGURE = Number.MAX_SAFE_INTEGER;

/** A counter that went down means the client restarted its session: rebase and add nothing. */
export const counterDelta = (prev: number, now: number): number => (now >= prev ? now - prev : 0);

/**
 * The seed's bonus formula, accumulated instead of overwritten, weighted by the share of an
 * interval that passed on the ledger's clock so announcing more often, or under more peer_ids,
 * earns nothing extra.
 */
export function bonusPoints(uploadedTotal: number, seedTimeTotal: number, seeders: number, elapsed: number, rules: Rules): number {
  const weight = Math.min(elapsed / rules.interval, 1);
  if (weight <= 0 || rules.bonusRate <= 0) return 0;
  const points = (uploadedTotal / GIB + 1 + (seedTimeTotal / 3600 + 1) * 5 * (10 / Math.max(seeders, 1))) / 1000;
  return points * rules.bonusRate * weight;
}

/**
 * Settles one announce of a peer. `prev` is undefined for a peer the swarm does not know: its first
 * announce sets the baseline and credits nothing.
 *
 * Upload budget: credit is at most maxUploadRate × the ms since the later of the budget's last
 * spending (any peer_id of the user on the torrent) and this peer's previous announce; more is
 * clamped and is an `upload_rate` cheat. Wall time: seed time (the peer was seeding), leech time
 * (it was leeching) and the bonus weight count the seconds since the later of the ledger's clock
 * and the peer's previous announce, so the user's peer_ids on a torrent accrue one clock.
 * Nobody to upload to: a seeder reporting upload for an interval in which its swarm held no leecher
 * (none now, none seen since its previous announce) is a `no_leechers` cheat, credited only with
 * `creditWithoutLeechers`.
 */
export function settle(prev: PeerState | undefined, report: Report, rules: Rules, history: History, ledger: LedgerClock, swarm: SwarmView): Settlement {
  let snatch = report.event === 'completed' && !history.snatched;
  if (prev === undefined) {
    return { upRaw: 0, downRaw: 0, up: 0, down: 0, seedTime: 0, leechTime: 0, bonus: 0, snatch, cheat: undefined, budgetAt: ledger.budgetAt, clockAt: ledger.clockAt };
  }
  const elapsed = Math.max(report.now - Math.max(prev.lastSeen, ledger.clockAt), 0);
  const upRaw = counterDelta(prev.uploaded, report.uploaded);
  const downRaw = counterDelta(prev.downloaded, report.downloaded);
  // A leecher that reaches left=0 by downloading has completed, whether or not it says so: aria2
  // leaving at once (--seed-time=0) sends `stopped` with left=0 and never `completed`. A seeder that
  // only finished checking its data (left falls, nothing downloaded) has snatched nothing.
  if (!history.snatched && prev.left > 0 && report.left === 0 && downRaw > 0) snatch = true;

  let allowed = upRaw;
  let cheat: Cheat | undefined;
  let budgetAt = ledger.budgetAt;
  if (upRaw > 0) {
    const windowMs = Math.max(report.nowMs - Math.max(ledger.budgetAt, prev.lastSeen * 1000), 0);
    const rate = Math.floor((upRaw * 1000) / Math.max(windowMs, 1));
    if (rules.maxUploadRate > 0) {
      const ceiling = Math.floor((rules.maxUploadRate * windowMs) / 1000);
      if (upRaw > ceiling) {
        allowed = ceiling;
        cheat = { kind: 'upload_rate', rate, reported: upRaw, allowed };
      }
    }
    if (prev.left === 0 && swarm.leechers === 0 && swarm.lastLeecherAt < prev.lastSeen) {
      if (!rules.creditWithoutLeechers) allowed = 0;
      cheat = { kind: 'no_leechers', rate, reported: upRaw, allowed };
    }
    budgetAt = report.nowMs;
  }
  const up = Math.floor(allowed * rules.multiUp);
  const down = Math.floor(downRaw * rules.multiDown);
  const seedTime = prev.left === 0 ? elapsed : 0;
  const leechTime = prev.left > 0 ? elapsed : 0;
  const bonus = bonusPoints(history.uploaded + up, history.seedTime + seedTime, swarm.seeders, elapsed, rules);
  return { upRaw, downRaw, up, down, seedTime, leechTime, bonus, snatch, cheat, budgetAt, clockAt: Math.max(ledger.clockAt, report.now) };
}

/**
 * Why the ledger could not take an announce exactly: a figure it would add is not an integer below
 * 2^53 (a reported counter near 2^53 times a multiplier). Checked before anything is written, so
 * the announce changes nothing; undefined when every figure fits.
 */
export function oversizedFigure(s: Settlement): 'uploaded' | 'downloaded' | undefined {
  if (s.up > MAX_FIGURE) return 'uploaded';
  if (s.down > MAX_FIGURE) return 'downloaded';
  return undefined;
}

/**
 * True when an announce is older than the last one the peer's record holds: it was overtaken on
 * the way. On Redis that is a script sent before a later announce of the same peer but run after
 * it (mika gave up on a hung Redis, and the client's next announce went through another connection
 * or process). Applied, its lower counters would rebase the peer and its next announce would credit
 * the difference twice; left out, nothing is lost, since the later announces carry its counters.
 */
export const isOvertaken = (prev: PeerState | undefined, now: number): boolean => prev !== undefined && now < prev.lastSeen;

/** True when an announce came sooner than `minInterval` after the peer's last one and is a plain update. */
export function isTooEarly(prev: PeerState | undefined, report: Report, minInterval: number): boolean {
  if (prev === undefined || minInterval <= 0) return false;
  if (report.event !== '' && report.event !== 'paused') return false;
  return report.now - prev.lastSeen < minInterval;
}
