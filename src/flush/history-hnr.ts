import { hnrState, type HnrState } from '../accounting/hnr.js';
import type { HnrConfig } from '../config/schema.js';
import type { FlushHistoryRow } from '../store/flush-batch.js';
import type { Torrent, User } from '../store/records.js';

/** What the hit-and-run columns read beside the row: the registry, the rule and the time of the flush. */
export interface HnrContext {
  user(id: number): User | undefined;
  torrent(id: number): Torrent | undefined;
  rule: HnrConfig;
  /** Unix seconds. */
  now: number;
}

/**
 * The hit-and-run columns of one history row: accounting/hnr.ts on the row's ledger figures, the
 * torrent's size and the user's immunity, at the time of the flush. Without a context (a caller
 * that has no rule) every row is `none`, not immune. A state reached by time alone (a grace period
 * running out with no announce) reaches the site with the next flush of that (user, torrent).
 */
export function historyHnr(row: FlushHistoryRow, ctx: HnrContext | undefined): { state: HnrState; immune: boolean } {
  if (!ctx) return { state: 'none', immune: false };
  const immune = ctx.user(row.userId)?.hnrImmune ?? false;
  const ledger = { downloadedRaw: row.downloadedRaw, uploaded: row.uploaded, seedTime: row.seedTime, snatched: row.snatched, lastSeen: row.lastAnnounce };
  return { state: hnrState(ledger, ctx.torrent(row.torrentId)?.size ?? 0, immune, ctx.rule, ctx.now).state, immune };
}
