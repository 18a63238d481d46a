import type { RootDatabase } from 'lmdb';
import { StorageUnavailableError } from '../store.js';
import { kindOf, peerRow, swarmRow } from '../memory/journal.js';
import { RECORDS_KEY } from './data-folder.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A record as written: live peers and swarms become their rows, everything else is written as it is. */
function stored(key: string, live: unknown): unknown {
  const kind = kindOf(key);
  if (kind === 'p') return peerRow(live as Parameters<typeof peerRow>[0]);
  if (kind === 'ts') return swarmRow(live as Parameters<typeof swarmRow>[0]);
  return live;
}

/**
 * Group commit for the embedded store. Operations note the records they changed (`note`, the
 * memory store's journal) and then wait on `durable()`. Whenever no write is under way, every
 * record noted so far is written in one LMDB transaction, and each operation that waited before the
 * batch was taken is released only when that transaction is committed and flushed to disk: many
 * announces share one fsync, and none is answered before its writes are durable.
 *
 * A record is encoded when its batch is taken, in the same event turn, so a batch holds each
 * operation entirely or not at all: an operation's changes are all made within one turn before it
 * waits, and a batch is taken in a later one.
 */
export class GroupCommit {
  private dirty = new Map<string, unknown>();
  private waiters: Waiter[] = [];
  private running = false;
  /** Batches written since open (metrics and tests). */
  commits = 0;

  /**
   * `records`: how many store records the file holds now. Each batch keeps the count in RECORDS_KEY,
   * in the same transaction: LMDB has no checksums, and a damaged page can make a scan end early
   * without an error; open() compares what it read with this count.
   */
  constructor(
    private readonly db: RootDatabase,
    private records: number,
  ) {}

  readonly note = (key: string, live: unknown): void => {
    this.dirty.set(key, live);
  };

  /** Resolves once everything noted before the call is durable; rejects with StorageUnavailableError when its batch failed. */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length > 0) {
        // Lets every request of this turn of the event loop note its changes and join the batch.
        await new Promise<void>((r) => setImmediate(r));
        const dirty = this.dirty;
        const waiters = this.waiters;
        this.dirty = new Map();
        this.waiters = [];
        try {
          let last: Promise<boolean> | undefined;
          let records = this.records;
          // lmdb-js encodes each value at the call and commits every write of one turn in one transaction.
          for (const [key, live] of dirty) {
            const had = this.db.doesExist(key);
            if (live === undefined) {
              if (had) records--;
              last = this.db.remove(key);
            } else {
              if (!had) records++;
              last = this.db.put(key, stored(key, live));
            }
          }
          if (records !== this.records) last = this.db.put(RECORDS_KEY, records);
          if (last) await last;
          this.records = records;
          await this.db.flushed;
          this.commits++;
          for (const w of waiters) w.resolve();
        } catch (err) {
          // Not written: noted again (unless noted since) so that the next batch carries them.
          for (const [key, live] of dirty) if (!this.dirty.has(key)) this.dirty.set(key, live);
          const failure = new StorageUnavailableError(err);
          for (const w of waiters) w.reject(failure);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
