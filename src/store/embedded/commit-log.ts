import type { RootDatabase } from 'lmdb';
import { peerRow, swarmRow } from '../memory/journal.js';

// The embedded store's commit log: each group commit writes the records its operations changed as
// ONE LMDB record, `l/<seq>`, instead of one record each, and a checkpoint now and then writes the
// records themselves and removes the log records they supersede (group-commit.ts). Reading the
// file back is "the records, then the log in order" (foldLog, at open).
//
// Why: lmdb-js costs a few µs of this thread per record written, and an announce changes four
// (user, swarm, user-torrent ledger, peer): written one by one at every commit, the durable write
// cost more than the announce itself. A log record costs one write per commit, and a checkpoint
// writes a record once per interval however many announces changed it (a user's counters change
// on each of their announces).

/** Log records sort after the flush's and cheat records and before the peers; nothing else starts with `l/`. */
export const LOG_PREFIX = 'l/';

/** Zero-padded so the log reads back in order. */
export const logKey = (seq: number): string => `${LOG_PREFIX}${String(seq).padStart(15, '0')}`;

export const isLogKey = (key: string): boolean => key.startsWith(LOG_PREFIX);

/** A record as written: live peers and swarms become their rows, everything else is written as it is. */
export function stored(key: string, live: unknown): unknown {
  // startsWith, not kindOf: no string made per record (every record of every batch comes here).
  if (key.startsWith('p/')) return peerRow(live as Parameters<typeof peerRow>[0]);
  if (key.startsWith('ts/')) return swarmRow(live as Parameters<typeof swarmRow>[0]);
  return live;
}

/**
 * A log record's value: key, stored value, key, stored value …; null for a record removed (no
 * record is stored as null).
 */
export type LogEntries = unknown[];

/** The log record of a batch: each record as it is now, in one array (encoded by lmdb-js when it is put). */
export function logEntries(dirty: ReadonlyMap<string, unknown>): LogEntries {
  const entries: unknown[] = new Array(dirty.size * 2);
  let at = 0;
  for (const [key, live] of dirty) {
    entries[at++] = key;
    entries[at++] = live === undefined ? null : stored(key, live);
  }
  return entries;
}

/** Calls `each` for every record a log record names, in the order written. */
export function forEachLogged(value: unknown, each: (key: string, value: unknown) => void): void {
  if (!Array.isArray(value) || value.length % 2 !== 0) throw new Error('a commit-log record that is not a list of key, value pairs');
  for (let at = 0; at < value.length; at += 2) {
    const key: unknown = value[at];
    if (typeof key !== 'string') throw new Error('a commit-log record with a key that is not text');
    each(key, value[at + 1] ?? undefined);
  }
}

/**
 * Writes what the commit log holds into the records and removes the log, in one transaction: after
 * it the file is records only, as a checkpoint leaves it. Run at open, before the records are read
 * (a process killed between two checkpoints leaves a log). Returns how many log records it folded.
 */
export function foldLog(db: RootDatabase): number {
  const logs = Array.from(db.getRange({ start: LOG_PREFIX, end: `${LOG_PREFIX}~` }));
  if (logs.length === 0) return 0;
  db.transactionSync(() => {
    for (const { key, value } of logs) {
      forEachLogged(value, (k, v) => {
        if (v === undefined) db.removeSync(k);
        else db.putSync(k, v);
      });
      db.removeSync(key);
    }
  });
  return logs.length;
}
