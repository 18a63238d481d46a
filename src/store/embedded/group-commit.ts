import type { RootDatabase } from 'lmdb';
import { StorageUnavailableError } from '../store.js';
import { logEntries, logKey, stored } from './commit-log.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How old a commit-log record is before a batch folds it into the records (the fold window). */
export const CHECKPOINT_MS = 1_000;

/**
 * A batch of at least this many records is written as a checkpoint at once: such a batch (a bulk
 * import's) gains nothing from the log, whose record a fold would write again record by record,
 * encoding every record twice.
 */
export const CHECKPOINT_RECORDS = 1_000;

/**
 * Log records one batch folds, at most: the fold keeps up (a batch writes one log record), and
 * after a pause, when every log record is old at once, no batch takes them all.
 */
const FOLD_PER_BATCH = 4;

/**
 * Batches being written at once. With one, the event loop sat idle about a quarter of the time
 * under load: every connection waited on the batch being committed and flushed, or on the next one,
 * which could not be taken before. More let the next batches' commits start while the earlier
 * ones' fsyncs run: 2 left the event loop idle 22-43 % of the time, 3 and 4 about 14 %, 8 no better
 * (docs/performance.md).
 */
const MAX_IN_FLIGHT = 4;

/**
 * A record in the commit log: its key, its value now, and the newest log record that holds it. One
 * object per record while it is logged, whatever number of batches carry it.
 */
interface Logged {
  key: string;
  live: unknown;
  seq: number;
}

/**
 * A log record not folded yet: the records it holds (its batch's, each as its one Logged), and
 * when it was written. It lives for the fold window: holding the batch's Map and the key strings
 * each operation made instead had every announce's keys survive the young generation, and the
 * scavenges that copied them were the longest pauses of the event loop (docs/performance.md).
 */
interface LogRecord {
  seq: number;
  records: Logged[];
  at: number;
}

/** What a batch's fold took off the books: put back if the batch is not written. */
interface Fold {
  records: Logged[];
  firstSeq: number | undefined;
}

/**
 * Group commit for the embedded store. Operations note the records they changed (`note`, the
 * memory store's journal) and then wait on `durable()`. Every record noted so far is written in
 * one LMDB transaction (a batch), and each operation that waited before the batch was taken is
 * released only when that transaction, and every one before it, is committed and flushed to disk:
 * many announces share one fsync, and none is answered before its writes are durable.
 *
 * A batch is written as one record of the commit log (commit-log.ts). The same transaction folds
 * the oldest log records that are CHECKPOINT_MS old (at most FOLD_PER_BATCH): each record they
 * hold that no later log record holds is written as a record, as it is now, and the log records
 * are removed. A record still changing (a user's counters, on each of their announces) is in a
 * newer log record, so it is written when it cools down, once; a log record whose records are all
 * newer elsewhere is just removed. The fold is spread over the batches: no batch stops the event
 * loop to write a second's worth of records (a whole-log checkpoint took 30–60 ms, once a second).
 *
 * Why the file stays right: it is read as the records, then the log in order (foldLog at open).
 * A record written by a fold holds its value as of the batch doing it, and any later change to it
 * is in a later log record (noted, so logged), applied after it. A whole checkpoint (every logged
 * record written, the whole log removed) is kept for close, so that the file is left with no log,
 * for a bulk batch, and after a batch that could not be written.
 *
 * When to take a batch: at once when none is being written; with one being written, once a turn
 * of the event loop brought no new operation (every request that came in has joined, the thread
 * would otherwise wait); with MAX_IN_FLIGHT being written, when one lands. (A batch per turn of
 * the event loop, whatever was in flight, measured worse: most held one or two announces, each
 * paying a commit and an fsync.)
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
  /** Every record in a log record not folded yet. */
  private logged = new Map<string, Logged>();
  /** The log records not folded yet, oldest first. */
  private unfolded: LogRecord[] = [];
  /** No log record below firstLog is in the file (a whole checkpoint removes firstLog … nextLog - 1). */
  private firstLog = 0;
  private nextLog = 0;
  private checkpointNow = false;
  /** Batches taken and not yet settled (at most MAX_IN_FLIGHT). */
  private inFlight = 0;
  /** Operations waiting at the last turn while a batch was in flight; -1 once a batch is taken. */
  private waitingLastTurn = -1;
  /** Batches committed and not yet flushed, oldest first: a failed flush re-notes what no later batch carries. */
  private readonly flushing: Array<Map<string, unknown>> = [];
  /** Settles (never rejects) when the newest batch is released: the next one is released after it. */
  private previous: Promise<unknown> = Promise.resolve();
  /** Batches written since open (metrics and tests). */
  commits = 0;
  /** Batches written since open that folded log records or were a whole checkpoint (tests). */
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

  /** durable(), with the batch written as a whole checkpoint: at close, so that the file is left with no log. */
  checkpoint(): Promise<void> {
    this.checkpointNow = true;
    return this.durable();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
        // Lets every request of this turn of the event loop note its changes and join the batch.
        await new Promise<void>((r) => setImmediate(r));
        // With a batch in flight, a second one is taken only once a turn brought no new operation:
        // while requests still come in, they join this batch rather than each pay a commit.
        if (this.inFlight > 0 && this.waiters.length !== this.waitingLastTurn) {
          this.waitingLastTurn = this.waiters.length;
          continue;
        }
        this.waitingLastTurn = -1;
        this.take();
      }
    } finally {
      this.running = false;
    }
  }

  /** Writes everything noted so far as one batch, and releases its operations once it is on disk. */
  private take(): void {
    const dirty = this.dirty;
    const waiters = this.waiters;
    this.dirty = new Map();
    this.waiters = [];
    const checkpoint = this.checkpointNow || dirty.size >= CHECKPOINT_RECORDS;
    const undo = { logged: this.logged, firstLog: this.firstLog };
    const foldFrom = this.unfolded[0]?.seq;
    let fold: ReturnType<GroupCommit['fold']> | undefined;
    let committed: Promise<boolean> | undefined;
    let flushed: PromiseLike<unknown>;
    try {
      // lmdb-js encodes each value at the call and commits every write of one turn in one transaction.
      if (checkpoint) {
        committed = this.writeCheckpoint(dirty);
      } else {
        const now = Date.now();
        if (dirty.size > 0) committed = this.writeLog(dirty, now);
        fold = this.fold(now);
        committed = fold.last ?? committed;
      }
      // Read now: the flush of this transaction (a later one may have begun by the time it is awaited).
      flushed = this.db.flushed;
    } catch (err) {
      // A write refused at the call (lmdb-js could not encode it): what was queued before it may
      // still commit. The next batch is a whole checkpoint, from the first log record this one
      // meant to fold, so whatever landed, the file ends right.
      if (checkpoint) this.checkpointFailed(undo);
      else {
        if (foldFrom !== undefined) this.firstLog = Math.min(this.firstLog, foldFrom);
        this.checkpointNow = true;
      }
      this.failed(dirty, waiters, err);
      return;
    }
    const folded = checkpoint || (fold !== undefined && fold.firstSeq !== undefined);
    this.inFlight++;
    this.flushing.push(dirty);
    // Released in the order taken: a batch is durable only with every one before it.
    const done = Promise.all([committed, flushed, this.previous]);
    this.previous = done.catch(() => undefined);
    done.then(
      () => {
        this.landed();
        if (folded) this.checkpoints++;
        this.commits++;
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        this.landed();
        if (checkpoint) this.checkpointFailed(undo);
        else if (fold) this.foldFailed(fold);
        this.failed(dirty, waiters, err);
      },
    );
  }

  /** Every logged record and the batch's written as records, the whole log removed. */
  private writeCheckpoint(dirty: Map<string, unknown>): Promise<boolean> | undefined {
    let last: Promise<boolean> | undefined;
    const write = (key: string, live: unknown) => (last = live === undefined ? this.db.remove(key) : this.db.put(key, stored(key, live)));
    for (const [key, logged] of this.logged) if (!dirty.has(key)) write(key, logged.live);
    for (const [key, live] of dirty) write(key, live);
    for (let seq = this.firstLog; seq < this.nextLog; seq++) last = this.db.remove(logKey(seq));
    this.logged = new Map();
    this.unfolded = [];
    this.firstLog = this.nextLog;
    this.checkpointNow = false;
    return last;
  }

  /** The batch as one log record. */
  private writeLog(dirty: Map<string, unknown>, now: number): Promise<boolean> {
    const seq = this.nextLog++;
    const written = this.db.put(logKey(seq), logEntries(dirty));
    const records: Logged[] = new Array(dirty.size);
    let at = 0;
    for (const [key, live] of dirty) {
      let entry = this.logged.get(key);
      if (entry) {
        entry.live = live;
        entry.seq = seq;
      } else this.logged.set(key, (entry = { key, live, seq }));
      records[at++] = entry;
    }
    this.unfolded.push({ seq, records, at: now });
    return written;
  }

  /** Folds the oldest log records that are old enough (see the class comment). */
  private fold(now: number): Fold & { last: Promise<boolean> | undefined } {
    const fold: ReturnType<GroupCommit['fold']> = { records: [], firstSeq: undefined, last: undefined };
    for (let n = 0; n < FOLD_PER_BATCH; n++) {
      const log = this.unfolded[0];
      if (!log || now - log.at < this.checkpointMs) break;
      this.unfolded.shift();
      fold.firstSeq ??= log.seq;
      for (const { key } of log.records) {
        const entry = this.logged.get(key);
        if (entry?.seq !== log.seq) continue;
        fold.last = entry.live === undefined ? this.db.remove(key) : this.db.put(key, stored(key, entry.live));
        this.logged.delete(key);
        fold.records.push(entry);
      }
      fold.last = this.db.remove(logKey(log.seq));
    }
    if (fold.firstSeq !== undefined) this.firstLog = this.unfolded[0]?.seq ?? this.nextLog;
    return fold;
  }

  /** A batch settled: the oldest, as they settle in order. Takes the next batch if one waits. */
  private landed(): void {
    this.inFlight--;
    this.flushing.shift();
    if (this.waiters.length > 0 && !this.running) void this.run();
  }

  /**
   * A checkpoint that was not written left the log as it was: its records are again the next
   * checkpoint's (those logged since are newer and stay), and so are the log records it removed.
   */
  private checkpointFailed(undo: { logged: Map<string, Logged>; firstLog: number }): void {
    for (const [key, logged] of this.logged) undo.logged.set(key, logged);
    this.logged = undo.logged;
    this.firstLog = Math.min(this.firstLog, undo.firstLog);
    this.checkpointNow = true;
  }

  /**
   * A fold that was not written left its log records in the file and its records unwritten: they
   * are logged again (unless a later log record holds them), and the next batch is a whole
   * checkpoint, which writes them and removes every log record from the first it folded.
   */
  private foldFailed(fold: Fold): void {
    for (const logged of fold.records) if (!this.logged.has(logged.key)) this.logged.set(logged.key, logged);
    if (fold.firstSeq !== undefined) this.firstLog = Math.min(this.firstLog, fold.firstSeq);
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
