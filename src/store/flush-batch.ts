import type { CheatEvent } from './records.js';

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
}

/** Bonus points as the millionths the flush counts in (the same double operations in Lua and here). */
export const bonusMillionths = (bonus: number): number => Math.floor(bonus * 1e6 + 0.5);

/** Pending batches in the order they were prepared. */
export const bySeq = (a: FlushBatch, b: FlushBatch): number => a.seq - b.seq;
