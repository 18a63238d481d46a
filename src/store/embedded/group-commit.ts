import type { RootDatabase } from 'lmdb';
import { StorageUnavailableError } from '../store.js';
import { kindOf, peerRow, swarmRow } from '../memory/journal.js';

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
 * memory store's journal) and then wait on `durable()`. Whenever no transaction is being
 * committed, every record noted so far is written in one LMDB transaction, and each operation that
 * waited before the batch was taken is released only when that transaction, and every one before
 * it, is committed and flushed to disk: many announces share one fsync, and none is answered before
 * its writes are durable.
 *
 * The next batch is taken as soon as the last one is committed, while the disk still flushes it
 * (lmdb-js overlappingSync): a batch waits for one commit's CPU, not for a commit plus an fsync, so
 * under load more connections are served per fsync and this thread stays busy. (A batch per turn
 * of the event loop, without waiting for the commit, measured worse: most held one or two
 * announces, each paying a commit and an fsync.)
 *
 * A record is encoded when its batch is taken, in the same event turn, so a batch holds each
 * operation entirely or not at all: an operation's changes are all made within one turn before it
 * waits, and a batch is taken in a later one. No record is read here: the file's record count is
 * LMDB's own (embedded-store.ts checks it at open).
 */
export class GroupCommit {
  private dirty = new Map<string, unknown>();
  private waiters: Waiter[] = [];
  private running = false;
  /** Batches committed and not yet flushed, oldest first: a failed flush re-notes what no later batch carries. */
  private readonly flushing: Array<Map<string, unknown>> = [];
  /** Settles (never rejects) when the newest batch is released: the next one is released after it. */
  private previous: Promise<unknown> = Promise.resolve();
  /** Batches written since open (metrics and tests). */
  commits = 0;

  constructor(private readonly db: RootDatabase) {}

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
        let flushed: PromiseLike<unknown>;
        try {
          let last: Promise<boolean> | undefined;
          // lmdb-js encodes each value at the call and commits every write of one turn in one transaction.
          for (const [key, live] of dirty) last = live === undefined ? this.db.remove(key) : this.db.put(key, stored(key, live));
          // Read before the await: the flush of this transaction (a later one may have begun by then).
          flushed = this.db.flushed;
          if (last) await last;
        } catch (err) {
          this.failed(dirty, waiters, err);
          continue;
        }
        this.flushing.push(dirty);
        const done = Promise.all([flushed, this.previous]);
        this.previous = done.catch(() => undefined);
        done.then(
          () => {
            this.flushing.shift();
            this.commits++;
            for (const w of waiters) w.resolve();
          },
          (err: unknown) => {
            this.flushing.shift();
            this.failed(dirty, waiters, err);
          },
        );
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * A batch that was not written: its records are noted again so that the next batch carries them,
   * except those noted since or carried by a later batch, whose value is newer (a record removed
   * here may have been created again since); its operations are told.
   */
  private failed(dirty: Map<string, unknown>, waiters: Waiter[], err: unknown): void {
    for (const [key, live] of dirty) {
      if (this.dirty.has(key) || this.flushing.some((later) => later.has(key))) continue;
      this.dirty.set(key, live);
    }
    const failure = new StorageUnavailableError(err);
    for (const w of waiters) w.reject(failure);
  }
}
