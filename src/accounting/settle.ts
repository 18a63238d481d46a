import type { AnnounceEvent } from './events.js';

// How one announce changes a user's and a torrent's ledger. Pure: both stores call this (the Redis
// store through scripts/announce-*.lua, which mirrors it line for line and is held to the same
// contract tests), so a change here is a change there.

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
  now: number;
}

export interface Rules {
  multiUp: number;
  multiDown: number;
  bonusRate: number;
  /** Announce interval told to clients, seconds: bonus accrues for at most one interval per announce. */
  interval: number;
  /** Bytes per second above which reported upload is a cheat signal; 0 = no ceiling. */
  maxUploadRate: number;
}

/** The (user, torrent) history the bonus formula and the snatch rule read. */
export interface History {
  /** Credited upload on this torrent before this announce. */
  uploaded: number;
  seedTime: number;
  snatched: boolean;
}

export interface Cheat {
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
  bonus: number;
  snatch: boolean;
  cheat: Cheat | undefined;
}

const GIB = 1024 ** 3;

/** A counter that went down means the client restarted its session: rebase and add nothing. */
export const counterDelta = (prev: number, now: number): number => (now >= prev ? now - prev : 0);

/**
 * The seed's bonus formula, accumulated instead of overwritten, weighted by the share of an
 * interval that passed since the peer's last announce so announcing more often earns nothing extra.
 */
export function bonusPoints(uploadedTotal: number, seedTimeTotal: number, seeders: number, elapsed: number, rules: Rules): number {
  const weight = Math.min(elapsed / rules.interval, 1);
  if (weight <= 0 || rules.bonusRate <= 0) return 0;
  const points = (uploadedTotal / GIB + 1 + (seedTimeTotal / 3600 + 1) * 5 * (10 / Math.max(seeders, 1))) / 1000;
  return points * rules.bonusRate * weight;
}

/**
 * Settles one announce of a peer. `prev` is undefined for a peer the swarm does not know: its first
 * announce sets the baseline and credits nothing. `seeders` is the swarm's seeder count before it.
 */
export function settle(prev: PeerState | undefined, report: Report, rules: Rules, history: History, seeders: number): Settlement {
  let snatch = report.event === 'completed' && !history.snatched;
  if (prev === undefined) {
    return { upRaw: 0, downRaw: 0, up: 0, down: 0, seedTime: 0, bonus: 0, snatch, cheat: undefined };
  }
  const elapsed = Math.max(report.now - prev.lastSeen, 0);
  const upRaw = counterDelta(prev.uploaded, report.uploaded);
  const downRaw = counterDelta(prev.downloaded, report.downloaded);
  // A leecher that reaches left=0 by downloading has completed, whether or not it says so: aria2
  // leaving at once (--seed-time=0) sends `stopped` with left=0 and never `completed`. A seeder that
  // only finished checking its data (left falls, nothing downloaded) has snatched nothing.
  if (!history.snatched && prev.left > 0 && report.left === 0 && downRaw > 0) snatch = true;

  let allowed = upRaw;
  let cheat: Cheat | undefined;
  if (rules.maxUploadRate > 0) {
    const window = Math.max(elapsed, 1);
    const ceiling = rules.maxUploadRate * window;
    if (upRaw > ceiling) {
      allowed = ceiling;
      cheat = { rate: Math.floor(upRaw / window), reported: upRaw, allowed };
    }
  }
  const up = Math.floor(allowed * rules.multiUp);
  const down = Math.floor(downRaw * rules.multiDown);
  const seedTime = prev.left === 0 ? elapsed : 0;
  const bonus = bonusPoints(history.uploaded + up, history.seedTime + seedTime, seeders, elapsed, rules);
  return { upRaw, downRaw, up, down, seedTime, bonus, snatch, cheat };
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
