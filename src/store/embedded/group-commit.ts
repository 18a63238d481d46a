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
        try {
          let last: Promise<boolean> | undefined;
          // lmdb-js encodes each value at the call and commits every write of one turn in one transaction.
          for (const [key, live] of dirty) last = live === undefined ? this.db.remove(key) : this.db.put(key, stored(key, live));
          if (last) await last;
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
