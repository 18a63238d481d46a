import type { FlushHistoryRow } from '../store/flush-batch.js';

/** The hit-and-run states a history row can show (the site's `hnr_state` column). */
export type HnrState = 'none' | 'pending' | 'satisfied' | 'hnr' | 'immune';

/**
 * The hit-and-run columns of one history row. A stand-in until the tracker computes hit-and-run
 * (src/accounting/hnr.ts, issue 15): it reads only what the ledger has, so every row is `none` and
 * not immune. Wire the real rule here (it needs the torrent's size, the user's hnr_immune and
 * accounting.hnr); the rest of the flush takes whatever this returns.
 */
export function historyHnr(_row: FlushHistoryRow): { state: HnrState; immune: boolean } {
  return { state: 'none', immune: false };
}
