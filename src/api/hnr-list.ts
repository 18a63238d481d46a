import { hnrState, type HnrVerdict } from '../accounting/hnr.js';
import type { HnrConfig } from '../config/schema.js';
import type { UserTorrentEntry } from '../store/records.js';
import type { Store } from '../store/store.js';

/** One torrent of a user's history with its hit-and-run verdict. */
export interface HnrEntry {
  entry: UserTorrentEntry;
  size: number;
  verdict: HnrVerdict;
}

/**
 * The verdict of each torrent of a user's history, evaluated now (accounting/hnr.ts): read from
 * the ledgers the store keeps, so a grace period that ran out is an `hnr` whatever store, and
 * without an announce. A torrent deleted since has no size: its rule counts from the snatch.
 */
export function hnrEntries(store: Store, userId: number, entries: UserTorrentEntry[], rule: HnrConfig, now: number): HnrEntry[] {
  const immune = store.userById(userId)?.hnrImmune ?? false;
  return entries.map((entry) => {
    const size = store.torrentByInfoHash(entry.infoHash)?.size ?? 0;
    return { entry, size, verdict: hnrState(entry.stats, size, immune, rule, now) };
  });
}

/** How many of a user's torrents are in the `hnr` state now (the user's hnr_count). */
export async function hnrCount(store: Store, userId: number, rule: HnrConfig, now: number): Promise<number> {
  if (!rule.enabled) return 0;
  const entries = await store.userTorrents(userId);
  return hnrEntries(store, userId, entries, rule, now).filter((e) => e.verdict.state === 'hnr').length;
}
