import type { ApiClient } from '../api/client.js';
import type { BulkReply } from '../api/schemas.js';
import type { SqlConfig } from '../config/schema.js';
import { BatchSender } from './batch-sender.js';
import { blacklistEntity, siteEntities, type Entity, type Plan } from './entities.js';
import { prune, registrySnapshot, type RegistrySnapshot, type Seen } from './prune.js';
import type { Progress } from './progress.js';
import { emptyReport, SHOWN, type EntityReport, type WarmupReport } from './report.js';
import { BadRow, type Cell } from './row-readers.js';
import { SiteDatabase } from './site-database.js';

/** Bulk requests outstanding at once, by default: enough to keep the daemon and the store busy. */
const IN_FLIGHT = 2;

/**
 * Rows in a table's first batch (at most batchSize); each later batch is twice the one before, up
 * to batchSize. The daemon and the store sit idle until the first batch reaches them, and the first
 * rows are the slowest to read (MariaDB starting the scan, this process's parsing code not yet
 * optimised): a small first batch puts them to work early.
 */
const FIRST_BATCH = 500;

/**
 * Items per bulk request when the caller does not say, by the daemon's store. The embedded store
 * writes a bulk request as one transaction with one fsync, and 10,000 rows a request took 7-10 % of
 * its CPU per row off a fresh load against 5,000 (fewer, larger commits); on Redis, whose put
 * scripts take 500 rows a call whatever the request, 10,000 measured no better and a little slower
 * (docs/performance.md, Warmup).
 */
export function defaultBatchSize(store: string): number {
  return store === 'redis' ? 5000 : 10_000;
}

export interface WarmupOptions {
  /** The site database (config sql.*: where, and sql.queries: which tables and columns). */
  sql: SqlConfig;
  /** The running daemon's API. */
  api: ApiClient;
  /** Items per bulk request (the API takes up to 10,000); default defaultBatchSize() of the daemon's store. */
  batchSize?: number;
  /** Bulk requests outstanding at once; default 2. */
  inFlight?: number;
  /** Remove users and torrents the daemon holds that the site database no longer has. */
  prune: boolean;
  progress: Progress;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

/** The options of a run, its batch size settled. */
type Run = WarmupOptions & { batchSize: number };

/**
 * Loads the client whitelist, the users and the torrents of the site database into the running
 * daemon through its bulk API (so it reaches every instance, on either store). Tables are streamed
 * and sent in batches, a few requests in flight; bad rows are skipped and counted. What the daemon
 * already holds is not written again, so a second run changes nothing. With `prune`, what the
 * daemon held before the run and the site no longer has is removed afterwards.
 */
export async function warmup(opts: WarmupOptions): Promise<WarmupReport> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  // The daemon first: a warmup that could not write fails before it reads anything.
  let before: RegistrySnapshot | undefined;
  if (opts.prune) before = await registrySnapshot(opts.api);
  else await opts.api.counts();
  const batchSize = opts.batchSize ?? defaultBatchSize((await opts.api.health()).store);
  const run: Run = { ...opts, batchSize };
  const seen: Seen = { users: new Set(), torrents: new Set() };
  const site = await SiteDatabase.open(opts.sql);
  const entities: EntityReport[] = [];
  try {
    const [whitelist, users, torrents] = siteEntities(opts.sql.queries);
    const blacklist = blacklistEntity(opts.sql.queries);
    const tables: Array<() => Promise<OpenTable>> = [
      () => open(whitelist, site, run, now),
      ...(blacklist ? [() => open(blacklist, site, run, now)] : []),
      () => open(users, site, run, now, before && seen.users),
      () => open(torrents, site, run, now, before && seen.torrents),
    ];
    let next = tables[0]!();
    for (let i = 0; i < tables.length; i++) {
      const table = await next;
      // The next table opens once this one's rows are all read, while its last batches are still
      // in the daemon: the daemon and the store get its first batch without waiting for its
      // COUNT(*) and first rows. A failure to open it is thrown here, after this table is done.
      const openNext = tables[i + 1];
      entities.push(
        await table.load(() => {
          if (!openNext) return;
          next = openNext();
          next.catch(() => {});
        }),
      );
    }
    await site.close();
    if (before) await prune(opts.api, before, seen, entities, batchSize);
  } catch (err) {
    site.destroy();
    opts.progress.abort();
    throw err;
  }
  const seconds = (now() - started) / 1000;
  const rows = entities.reduce((sum, e) => sum + e.rows, 0);
  const report: WarmupReport = {
    entities,
    prune: opts.prune,
    changed: entities.some((e) => e.written > 0 || e.pruned > 0),
    seconds,
    rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
  };
  opts.progress.end(report);
  return report;
}

type Conflict = BulkReply['conflicts'][number];

/** The refused item's key, as Entity.key gives it (user id, info_hash). */
const conflictKey = (c: Conflict): number | string => ('user_id' in c ? c.user_id : c.info_hash);

const conflictLine = (c: Conflict): string =>
  'user_id' in c ? `user id ${c.user_id}: passkey is held by user ${c.holder}` : `torrent ${c.info_hash}: torrent_id ${c.torrent_id} is held by torrent ${c.holder}`;

/** A table ready to load: its columns checked, its COUNT(*) taken, its SELECT under way. `load` sends its rows, calling `rowsRead` once they are all read. */
interface OpenTable {
  load(rowsRead: () => void): Promise<EntityReport>;
}

/** Checks the table's columns and starts reading it; `seen` collects the keys of its rows (for prune). */
async function open<T>(entity: Entity<T>, site: SiteDatabase, opts: Run, now: () => number, seen?: Set<number | string>): Promise<OpenTable> {
  const started = now();
  const columns = await site.columns(entity.table);
  const config = `sql.queries.${entity.kind}`;
  if (columns.size === 0) throw new Error(`the site database ${site.where} has no table ${entity.table} (${config}.table)`);
  for (const [field, column] of Object.entries(entity.required)) {
    if (!columns.has(column.toLowerCase())) {
      throw new Error(`table ${entity.table} has no column ${column} (${config}.${field}); its columns: ${[...columns.values()].join(', ')}`);
    }
  }
  const plan = entity.plan((column) => columns.has(column.toLowerCase()));
  const total = await site.count(entity.table);
  const rows = site.rowChunks(entity.table, plan.columns);
  return { load: (rowsRead) => load({ entity, plan, total, rows, started, seen }, opts, now, rowsRead) };
}

/** What open() found of a table, for load(). */
interface Opened<T> {
  entity: Entity<T>;
  plan: Plan<T>;
  total: number;
  rows: AsyncGenerator<Cell[][]>;
  /** now() when it was opened. */
  started: number;
  seen: Set<number | string> | undefined;
}

/** Streams one table into the daemon. */
async function load<T>({ entity, plan, total, rows: chunks, started, seen }: Opened<T>, opts: Run, now: () => number, rowsRead: () => void): Promise<EntityReport> {
  const report = emptyReport({ kind: entity.kind, label: entity.label, table: entity.table, columns: plan.columns });
  const { progress } = opts;
  progress.start(entity.label, total);

  let answered = 0;
  /** Items refused for a passkey another user holds: tried again once the table is in. */
  const conflicted: T[] = [];
  const post = async (batch: T[], last: boolean) => {
    const reply = await entity.send(opts.api, batch);
    report.written += reply.written;
    report.unchanged += reply.unchanged;
    if (last) {
      report.conflicts += reply.conflicts.length;
      for (const c of reply.conflicts.slice(0, SHOWN - report.conflictsShown.length)) report.conflictsShown.push(conflictLine(c));
      return;
    }
    if (reply.conflicts.length > 0) {
      const refused = new Set<number | string>(reply.conflicts.map(conflictKey));
      conflicted.push(...batch.filter((item) => refused.has(entity.key(item))));
    }
    answered += batch.length;
    progress.update(answered + report.skipped);
  };

  const sender = new BatchSender<T>(opts.inFlight ?? IN_FLIGHT, (batch) => post(batch, false));
  let batch: T[] = [];
  let limit = Math.min(FIRST_BATCH, opts.batchSize);
  for await (const rows of chunks) {
    for (const row of rows) {
      report.rows++;
      let item: T;
      try {
        item = plan.read(row);
      } catch (err) {
        if (!(err instanceof BadRow)) throw err;
        if (err.key !== undefined) seen?.add(err.key);
        if (report.skipped++ < SHOWN) report.skippedShown.push(`${err.row}: ${err.message}`);
        continue;
      }
      seen?.add(entity.key(item));
      batch.push(item);
      if (batch.length >= limit) {
        await sender.send(batch);
        batch = [];
        limit = Math.min(limit * 2, opts.batchSize);
      }
    }
  }
  rowsRead();
  if (batch.length > 0) await sender.send(batch);
  await sender.drain();
  // A passkey that moved from one user to another in the site is refused while the old holder
  // still has it in the daemon; by now every user is in, so a second try settles those.
  for (let i = 0; i < conflicted.length; i += opts.batchSize) await post(conflicted.slice(i, i + opts.batchSize), true);
  progress.update(report.rows);
  report.seconds = (now() - started) / 1000;
  progress.finish(report);
  return report;
}
