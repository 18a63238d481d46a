import type { Pool, PoolConnection } from 'mysql2/promise';
import type { HnrConfig, SqlConfig } from '../config/schema.js';
import { ident, sqlOptions, sqlPool } from '../sql/connect.js';
import type { FlushBatch } from '../store/flush-batch.js';
import type { Store } from '../store/store.js';
import { applyBatch, run } from './apply-batch.js';

/** Most users (and most torrents) in one batch: one multi-row INSERT per table, and one prepare script that blocks Redis for a few ms (docs/performance.md). */
export const BATCH_ROWS = 500;
/** Full batches one pass sends at most; the rest waits for the next pass. */
const MAX_BATCHES_PER_PASS = 100;
/** Retry delays while the database or the store is away: 1 s doubling to 30 s. */
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** How long close() keeps trying to send what is left. */
const DRAIN_MS = 10_000;
/** Log rows older than this are deleted (hourly): a batch is retried only while it is pending. */
const LOG_RETENTION_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

/** One flusher at a time per site database and log table, across processes and machines. */
const LOCK = "CONCAT('mika_flush.', SHA1(CONCAT_WS('.', DATABASE(), ?)))";

export interface FlushLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FlusherOptions {
  store: Store;
  /** Read at every pass, so a reload changes the interval, the tables and the connection. */
  sql: () => SqlConfig;
  logger: FlushLogger;
  /** The hit-and-run rule (accounting.hnr, read at every batch) for the history rows' hnr columns; without it they read `none`. */
  hnr?: () => HnrConfig;
}

/**
 * `done`: everything pending went out (`drained`: and nothing was left to prepare); `busy`: another
 * flusher holds the lock; `failed`: the database or the store failed (logged), batches stay pending.
 */
export type PassResult = 'drained' | 'done' | 'busy' | 'failed';

/** The flush as health, metrics and `mika top` show it. */
export interface FlushStatus {
  /** ok: the last pass went through (or none has run yet); failing: passes fail since `failingSince`. */
  state: 'ok' | 'failing';
  /** Unix ms of the first failure of the current run of failures. */
  failingSince: number | undefined;
  /** Why the last pass failed, naming the system: "site database (MySQL): …" or "store (redis): …". */
  error: string | undefined;
  /** Unix ms of the last pass that went through; undefined before the first. */
  lastSuccess: number | undefined;
  /** Passes failed in a row. */
  failures: number;
}

/**
 * Writes the store's per-user and per-torrent changes to the site database every
 * `sql.flush.interval` seconds (docs/operations.md). Each batch is prepared in the store, applied in
 * one transaction keyed by its id, then acknowledged; while the database is down the batches stay
 * pending and passes are retried with backoff. close() sends what is left (bounded in time).
 */
export class Flusher {
  private timer: NodeJS.Timeout | undefined;
  /** Passes run one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  private pool: Pool | undefined;
  private poolKey = '';
  private failures = 0;
  private lastPrune = 0;
  private closing = false;
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private lastSuccess: number | undefined;
  /** The memory store's peers table was emptied after its start (its peers from before are gone). */
  private peersReset = false;

  constructor(private readonly opts: FlusherOptions) {}

  start(): void {
    this.schedule(this.opts.sql().flush.interval * 1000);
  }

  status(): FlushStatus {
    return { state: this.failures > 0 ? 'failing' : 'ok', failingSince: this.failingSince, error: this.lastError, lastSuccess: this.lastSuccess, failures: this.failures };
  }

  /** One pass now (after the one running, if any). */
  flushNow(): Promise<PassResult> {
    return this.enqueue(false);
  }

  /** Stops the timer, sends what is pending and what is left to prepare (at most DRAIN_MS), ends the pool. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const deadline = Date.now() + DRAIN_MS;
    let result: PassResult | 'timeout' = 'timeout';
    for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 2000)) {
      result = await within(this.enqueue(true), deadline - Date.now());
      if (result === 'drained' || result === 'timeout') break;
      await sleep(Math.min(delay, deadline - Date.now()));
    }
    if (result !== 'drained') {
      const kept = { redis: 'they stay in Redis for the next start', embedded: 'they stay in the data file for the next start', memory: 'the memory store loses them' }[this.opts.store.kind];
      this.opts.logger.warn({ result }, `flush: changes left unsent at shutdown; ${kept}`);
    }
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
  }

  private schedule(ms: number): void {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      void this.enqueue(false).then((r) => this.schedule(r === 'failed' ? this.backoff() : this.opts.sql().flush.interval * 1000));
    }, ms);
    this.timer.unref();
  }

  private backoff(): number {
    return Math.min(BACKOFF_MIN_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS);
  }

  private enqueue(drain: boolean): Promise<PassResult> {
    const pass = this.chain.then(() => this.pass(drain));
    this.chain = pass;
    return pass;
  }

  private async pass(drain: boolean): Promise<PassResult> {
    const { store } = this.opts;
    const sql = this.opts.sql();
    let conn: PoolConnection | undefined;
    let locked = false;
    // Which system a failure comes from: the site database, unless the store's own call failed.
    let inStore = false;
    const fromStore = async <T>(p: () => Promise<T>): Promise<T> => {
      inStore = true;
      try {
        return await p();
      } finally {
        inStore = false;
      }
    };
    try {
      conn = await this.poolFor(sql).getConnection();
      const [[lock]] = (await run(conn, `SELECT GET_LOCK(${LOCK}, 0) AS got`, [sql.flush.log_table])) as [[{ got: number | null }]];
      if (lock?.got !== 1) {
        conn.release();
        return 'busy';
      }
      locked = true;
      await this.resetPeers(conn, sql);
      let sent = 0;
      // What an earlier pass prepared (or sent without its acknowledgement landing) goes first.
      for (const batch of await fromStore(() => store.pendingFlushes())) sent += await this.send(conn, sql, batch, fromStore);
      let drained = false;
      for (let n = 0; n < MAX_BATCHES_PER_PASS || drain; n++) {
        const batch = await fromStore(() => store.prepareFlush(BATCH_ROWS));
        if (!batch) {
          drained = true;
          break;
        }
        sent += await this.send(conn, sql, batch, fromStore);
        if (!drain && batch.users.length < BATCH_ROWS && batch.torrents.length < BATCH_ROWS && batch.cheats.length < BATCH_ROWS && (batch.peers?.length ?? 0) < BATCH_ROWS) break;
      }
      await this.prune(conn, sql);
      await run(conn, `DO RELEASE_LOCK(${LOCK})`, [sql.flush.log_table]);
      conn.release();
      if (this.failures > 0) this.opts.logger.info({ failures: this.failures, failed: this.lastError }, 'flush: working again, pending changes sent');
      this.failures = 0;
      this.failingSince = undefined;
      this.lastError = undefined;
      this.lastSuccess = Date.now();
      if (sent > 0) this.opts.logger.debug({ rows: sent }, 'flushed');
      return drained ? 'drained' : 'done';
    } catch (err) {
      const system = inStore ? `store (${store.kind})` : 'site database (MySQL)';
      await this.letGo(conn, locked, sql);
      this.lastError = `${system}: ${(err as Error).message}`;
      if (this.failures++ === 0) {
        this.failingSince = Date.now();
        this.opts.logger.warn({ err: (err as Error).message, system }, `flush failed in the ${system}: changes stay pending and are retried with backoff`);
      } else {
        this.opts.logger.debug({ err: (err as Error).message, system, failures: this.failures }, 'flush retry failed');
      }
      return 'failed';
    }
  }

  /**
   * Gives the connection of a failed pass back with its lock released. Destroying it would leave the
   * lock held until the server noticed the session end, and the retry's GET_LOCK(…, 0), on a new
   * connection, would find it taken and skip as `busy`. A connection that cannot release (the
   * database went away) is destroyed: its session, and the lock with it, is gone or going anyway.
   */
  private async letGo(conn: PoolConnection | undefined, locked: boolean, sql: SqlConfig): Promise<void> {
    if (!conn) return;
    if (!locked) {
      conn.destroy();
      return;
    }
    try {
      await run(conn, `DO RELEASE_LOCK(${LOCK})`, [sql.flush.log_table]);
      conn.release();
    } catch {
      conn.destroy();
    }
  }

  /** Applies one batch and acknowledges it; returns its row count. */
  private async send(conn: PoolConnection, sql: SqlConfig, batch: FlushBatch, fromStore: <T>(p: () => Promise<T>) => Promise<T>): Promise<number> {
    const { store, hnr } = this.opts;
    const ctx = hnr && { user: (id: number) => store.userById(id), torrent: (id: number) => store.torrentById(id), rule: hnr(), now: Math.floor(Date.now() / 1000) };
    const applied = await applyBatch(conn, sql.flush, batch, ctx);
    if (!applied) this.opts.logger.info({ id: batch.id }, 'flush: batch already applied (its acknowledgement was lost), not added again');
    await fromStore(() => this.opts.store.ackFlush(batch.id));
    return batch.users.length + batch.torrents.length + batch.cheats.length + (batch.history?.length ?? 0) + (batch.peers?.length ?? 0) + (batch.snatches?.length ?? 0);
  }

  /**
   * The memory store starts with no peers, and the peers of its previous process are gone without a
   * batch to delete them: the site's peers table is emptied once, before the first batch. The
   * embedded and Redis stores keep their peers and their pending batches, so the table stays theirs.
   */
  private async resetPeers(conn: PoolConnection, sql: SqlConfig): Promise<void> {
    if (this.peersReset || this.opts.store.kind !== 'memory' || sql.flush.peers.table === '') return;
    await run(conn, `DELETE FROM ${ident(sql.flush.peers.table)}`);
    this.peersReset = true;
  }

  private async prune(conn: PoolConnection, sql: SqlConfig): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await run(conn, `DELETE FROM ${ident(sql.flush.log_table)} WHERE applied_at < NOW() - INTERVAL ${LOG_RETENTION_DAYS} DAY`);
  }

  /** The pool for the current connection settings; a reload that changes them gets a new one. */
  private poolFor(sql: SqlConfig): Pool {
    const key = JSON.stringify(sqlOptions(sql));
    if (!this.pool || key !== this.poolKey) {
      void this.pool?.end().catch(() => undefined);
      this.pool = sqlPool(sql, 1);
      this.poolKey = key;
    }
    return this.pool;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(ms, 0)));

/** `p`, or 'timeout' after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(ms, 0))));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
