import type { CheatEvent, PeerInfo } from './records.js';

// What the stores hand the SQL flush (src/flush): the changes of users and torrents since their last
// flush, merged into one row per key, under an id that names the batch for good.

/** What one user gained since the last flush (every field ≥ 0). */
export interface FlushUserRow {
  userId: number;
  uploadedRaw: number;
  downloadedRaw: number;
  uploaded: number;
  downloaded: number;
  /** Bonus points in millionths: the total rounded to 6 decimals minus what was flushed, so the sum of the rows is exact. */
  bonusMillionths: number;
  snatches: number;
}

/** One torrent: its peer counts now (absolute) and the snatches since the last flush. */
export interface FlushTorrentRow {
  torrentId: number;
  seeders: number;
  leechers: number;
  snatches: number;
}

/**
 * One (user, torrent) ledger as it is now (sql.flush.history): absolute figures, so the site's row is
 * set, not added to; a batch applied twice or late writes the same row.
 */
export interface FlushHistoryRow {
  userId: number;
  torrentId: number;
  uploaded: number;
  downloaded: number;
  uploadedRaw: number;
  downloadedRaw: number;
  seedTime: number;
  leechTime: number;
  announces: number;
  /** Unix seconds of the first and the last announce. */
  firstAnnounce: number;
  lastAnnounce: number;
  /** Unix seconds of the snatch; 0 = not snatched, or snatched before the site rows were on. */
  completedAt: number;
  snatched: boolean;
  /** The user has a live peer on the torrent. */
  active: boolean;
  /** Active, and the last announce reported nothing left. */
  seeder: boolean;
  left: number;
}

/** One peer of a swarm (sql.flush.peers): as it is now, or `peer` undefined when it left (stopped or reaped). */
export interface FlushPeerRow {
  userId: number;
  torrentId: number;
  /** Hex of the 20-byte peer_id. */
  peerId: string;
  peer: PeerInfo | undefined;
  /** The User-Agent of its last announce ("" when none was sent). */
  userAgent: string;
}

/** One snatch (sql.flush.snatches): it goes out in exactly one batch. */
export interface FlushSnatchRow {
  userId: number;
  torrentId: number;
  /** Unix seconds. */
  at: number;
  /** The address the completing announce came from (text). */
  ip: string;
}

export interface FlushBatch {
  /** `<epoch>:<seq>`: the epoch is random per store (per Redis dataset, per memory store), so an id never comes back. */
  id: string;
  /** Order of preparation: batches are applied in this order. */
  seq: number;
  users: FlushUserRow[];
  torrents: FlushTorrentRow[];
  /**
   * Cheat events recorded since the last batch, oldest first (only for a store made with
   * `flushCheats`, sql.flush.cheats.table set): each goes out in exactly one batch. At most the
   * newest CHEAT_LOG_MAX wait between two flushes; older ones are not written.
   */
  cheats: CheatEvent[];
  /**
   * The site rows (a store made with `flushSite`): one per (user, torrent) and one per peer that an
   * announce, a stop or the reaper touched since the last batch, and the snatches since then.
   * Absent in a batch prepared before they were on.
   */
  history?: FlushHistoryRow[] | undefined;
  peers?: FlushPeerRow[] | undefined;
  snatches?: FlushSnatchRow[] | undefined;
}

/** Bonus points as the millionths the flush counts in (the same double operations in Lua and here). */
export const bonusMillionths = (bonus: number): number => Math.floor(bonus * 1e6 + 0.5);

/** Pending batches in the order they were prepared. */
export const bySeq = (a: FlushBatch, b: FlushBatch): number => a.seq - b.seq;
