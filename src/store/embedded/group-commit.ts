import type { RootDatabase } from 'lmdb';
import { StorageUnavailableError } from '../store.js';
import { logEntries, logKey, stored } from './commit-log.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How often the records the commit log holds are written as records (a checkpoint), at most. */
export const CHECKPOINT_MS = 1_000;

/**
 * A batch of at least this many records is written as a checkpoint at once, whatever the time:
 * such a batch (a bulk import's) gains nothing from the log, whose record the next checkpoint
 * would write again record by record, encoding every record twice.
 */
export const CHECKPOINT_RECORDS = 1_000;

/**
 * Group commit for the embedded store. Operations note the records they changed (`note`, the
 * memory store's journal) and then wait on `durable()`. Whenever no transaction is being
 * committed, every record noted so far is written in one LMDB transaction, and each operation that
 * waited before the batch was taken is released only when that transaction, and every one before
 * it, is committed and flushed to disk: many announces share one fsync, and none is answered before
 * its writes are durable.
 *
 * A batch is written as one record of the commit log (commit-log.ts), or, at most once per
 * CHECKPOINT_MS, as a checkpoint: every record logged since the last checkpoint, and the batch's,
 * written as it is now, and the log records removed, in the same transaction. A record changed by
 * many announces between two checkpoints is written once; the log costs one write per commit.
 *
 * The next batch is taken as soon as the last one is committed, while the disk still flushes it
 * (lmdb-js overlappingSync): a batch waits for one commit's CPU, not for a commit plus an fsync, so
 * under load more connections are served per fsync and this thread stays busy. (A batch per turn
 * of the event loop, without waiting for the commit, measured worse: most held one or two
 * announces, each paying a commit and an fsync.)
 *
 * A record is encoded when its batch (or checkpoint) is taken, in the same event turn, so a batch
 * holds each operation entirely or not at all: an operation's changes are all made within one turn
 * before it waits, and a batch is taken in a later one. A checkpoint writes records as they are
 * when it is taken, which may be newer than the newest log record, never older, and never half an
 * operation. No record is read here: the file's record count is LMDB's own (embedded-store.ts
 * checks it at open).
 */
export class GroupCommit {
  private dirty = new Map<string, unknown>();
  private waiters: Waiter[] = [];
  private running = false;
  /** Records written to the log since the last checkpoint: the next one writes them. */
  private logged = new Map<string, unknown>();
  /** The log records since the last checkpoint are firstLog … nextLog - 1. */
  private firstLog = 0;
  private nextLog = 0;
  private lastCheckpoint = Date.now();
  private checkpointNow = false;
  /** Batches committed and not yet flushed, oldest first: a failed flush re-notes what no later batch carries. */
  private readonly flushing: Array<Map<string, unknown>> = [];
  /** Settles (never rejects) when the newest batch is released: the next one is released after it. */
  private previous: Promise<unknown> = Promise.resolve();
  /** Batches written since open (metrics and tests). */
  commits = 0;
  /** Checkpoints written since open (tests). */
  checkpoints = 0;

  constructor(
    private readonly db: RootDatabase,
    private readonly checkpointMs = CHECKPOINT_MS,
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

  /** durable(), with the batch written as a checkpoint: at close, so that the file is left with no log. */
  checkpoint(): Promise<void> {
    this.checkpointNow = true;
    return this.durable();
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
        const now = Date.now();
        const checkpoint = this.checkpointNow || now - this.lastCheckpoint >= this.checkpointMs || dirty.size >= CHECKPOINT_RECORDS;
        const undo = { logged: this.logged, firstLog: this.firstLog };
        let flushed: PromiseLike<unknown>;
        try {
          let last: Promise<boolean> | undefined;
          // lmdb-js encodes each value at the call and commits every write of one turn in one transaction.
          if (checkpoint) {
            const records = this.logged;
            for (const [key, live] of dirty) records.set(key, live);
            for (const [key, live] of records) last = live === undefined ? this.db.remove(key) : this.db.put(key, stored(key, live));
            for (let seq = this.firstLog; seq < this.nextLog; seq++) last = this.db.remove(logKey(seq));
            this.logged = new Map();
            this.firstLog = this.nextLog;
            this.lastCheckpoint = now;
            this.checkpointNow = false;
          } else if (dirty.size > 0) {
            last = this.db.put(logKey(this.nextLog++), logEntries(dirty));
            for (const [key, live] of dirty) this.logged.set(key, live);
          }
          // Read before the await: the flush of this transaction (a later one may have begun by then).
          flushed = this.db.flushed;
          if (last) await last;
        } catch (err) {
          if (checkpoint) this.checkpointFailed(undo);
          this.failed(dirty, waiters, err);
          continue;
        }
        if (checkpoint) this.checkpoints++;
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
   * A checkpoint that was not written left the log as it was: its records are again the next
   * checkpoint's (those logged since are newer and stay), and so are the log records it removed.
   */
  private checkpointFailed(undo: { logged: Map<string, unknown>; firstLog: number }): void {
    for (const [key, live] of this.logged) undo.logged.set(key, live);
    this.logged = undo.logged;
    this.firstLog = undo.firstLog;
    this.checkpointNow = true;
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
