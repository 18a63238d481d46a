import { join, resolve } from 'node:path';
import type { RootDatabase } from 'lmdb';
import type { FlushBatch } from '../flush-batch.js';
import { K } from '../memory/journal.js';
import { MemoryStore } from '../memory/memory-store.js';
import type { Adjustment, StoredCreditEvent, BlacklistEntry, CheatCounts, CheatEvent, PeerInfo, SwarmTotals, Torrent, TorrentStats, User, UserStats, UserTorrentEntry, UserTorrentStats, WhitelistEntry } from '../records.js';
import type { AnnounceInput, AnnounceResult, CheatFilter, PasskeyConflict, RegistryCounts, ScrapeEntry, Store, TorrentIdConflict } from '../store.js';
import { DataFolderError, isMark, lockDataFolder, openDataFile, RECORDS_KEY } from './data-folder.js';
import { foldLog } from './commit-log.js';
import { GroupCommit } from './group-commit.js';
import { DATA_FILE } from './layout.js';

export interface EmbeddedStoreOptions {
  /** The data folder (config store.path); created when missing. */
  path: string;
  /** Track changes for the SQL flush (config sql.flush.enabled). */
  flush?: boolean | undefined;
  /** With `flush`: cheat events go into the flush's batches too (config sql.flush.cheats.table). */
  flushCheats?: boolean | undefined;
  /** With `flush`: the site rows (history, peers, snatches) too. */
  flushSite?: boolean | undefined;
  /** How old a commit-log record is before a batch folds it into the records (group-commit.ts; tests). */
  checkpointMs?: number | undefined;
}

/**
 * The durable single-process store: the memory store's state and rules, each change also written to
 * an LMDB file in the data folder. Every operation that changes state resolves only once its
 * records are committed and flushed to disk (group-commit.ts: many announces share a transaction and
 * an fsync, written as one commit-log record), so an acknowledged announce survives SIGKILL and power
 * loss; `open` folds the log into the records (commit-log.ts) and reads everything
 * back, the peers' last counters included, so the next announce of a known peer is credited its
 * delta. One process writes a data folder (data-folder.ts locks it), so it runs with procs 1 only.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded';
  private db: RootDatabase | undefined;
  private commits: GroupCommit | undefined;
  private mem: MemoryStore = new MemoryStore();
  private unlock: (() => void) | undefined;

  constructor(private readonly opts: EmbeddedStoreOptions) {}

  async open(): Promise<void> {
    const unlock = lockDataFolder(this.opts.path);
    try {
      const db = openDataFile(this.opts.path);
      // restore() notes nothing: the journal is first called by an operation, once commits exists.
      const mem = new MemoryStore({ flush: this.opts.flush, flushCheats: this.opts.flushCheats, flushSite: this.opts.flushSite, journal: (key, live) => commits.note(key, live) });
      foldCommitLog(db, join(this.opts.path, DATA_FILE));
      restoreAll(db, mem, join(this.opts.path, DATA_FILE));
      const commits = new GroupCommit(db, this.opts.checkpointMs);
      this.db = db;
      this.commits = commits;
      this.mem = mem;
      this.unlock = unlock;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  async close(): Promise<void> {
    const { db, commits } = this;
    if (!db || !commits) return;
    await commits.checkpoint();
    await db.close();
    this.db = undefined;
    this.commits = undefined;
    this.unlock?.();
  }

  /** Batches written since open (tests, benchmarks). */
  get commitCount(): number {
    return this.commits?.commits ?? 0;
  }

  /** Checkpoints written since open: batches written as records rather than as a commit-log record (tests). */
  get checkpointCount(): number {
    return this.commits?.checkpoints ?? 0;
  }

  // One process: nobody to tell, nobody to hear from.
  async publishReload(): Promise<void> {}
  onReload(): void {}

  async ping(): Promise<boolean> {
    return this.db !== undefined;
  }

  userByPasskey(passkey: string): User | undefined {
    return this.mem.userByPasskey(passkey);
  }
  userById(id: number): User | undefined {
    return this.mem.userById(id);
  }
  torrentByInfoHash(infoHash: string): Torrent | undefined {
    return this.mem.torrentByInfoHash(infoHash);
  }
  torrentByInfoHashBytes(infoHash: Buffer): Torrent | undefined {
    return this.mem.torrentByInfoHashBytes(infoHash);
  }
  torrentById(id: number): Torrent | undefined {
    return this.mem.torrentById(id);
  }
  creditEvents(): readonly StoredCreditEvent[] {
    return this.mem.creditEvents();
  }
  async putCreditEvents(events: StoredCreditEvent[]): Promise<void> {
    await this.mem.putCreditEvents(events);
    await this.durable();
  }
  whitelistMatch(peerId: Buffer): WhitelistEntry | undefined {
    return this.mem.whitelistMatch(peerId);
  }
  whitelist(): WhitelistEntry[] {
    return this.mem.whitelist();
  }
  blacklistMatch(peerId: Buffer): BlacklistEntry | undefined {
    return this.mem.blacklistMatch(peerId);
  }
  blacklist(): BlacklistEntry[] {
    return this.mem.blacklist();
  }
  counts(): RegistryCounts {
    return this.mem.counts();
  }
  userIds(): number[] {
    return this.mem.userIds();
  }
  infoHashes(): string[] {
    return this.mem.infoHashes();
  }

  // Registry writes: the memory store applies its rules, then each record named is written as it
  // now is there (present or gone), whatever the rules decided.

  async createUser(user: User): Promise<void> {
    try {
      await this.mem.createUser(user);
    } finally {
      await this.usersChanged([user.id]);
    }
  }
  async putUser(user: User): Promise<void> {
    try {
      await this.mem.putUser(user);
    } finally {
      await this.usersChanged([user.id]);
    }
  }
  async putUsers(users: User[]): Promise<PasskeyConflict[]> {
    const conflicts = await this.mem.putUsers(users);
    await this.usersChanged(users.map((u) => u.id));
    return conflicts;
  }
  async deleteUser(id: number): Promise<void> {
    await this.mem.deleteUser(id);
    await this.usersChanged([id]);
  }
  async deleteUsers(ids: number[]): Promise<number> {
    const had = await this.mem.deleteUsers(ids);
    await this.usersChanged(ids);
    return had;
  }
  async putTorrent(torrent: Torrent): Promise<void> {
    try {
      await this.mem.putTorrent(torrent);
    } finally {
      await this.torrentsChanged([torrent.infoHash]);
    }
  }
  async putTorrents(torrents: Torrent[]): Promise<TorrentIdConflict[]> {
    const conflicts = await this.mem.putTorrents(torrents);
    await this.torrentsChanged(torrents.map((t) => t.infoHash));
    return conflicts;
  }
  async deleteTorrent(infoHash: string): Promise<void> {
    await this.mem.deleteTorrent(infoHash);
    await this.torrentsChanged([infoHash]);
  }
  async deleteTorrents(infoHashes: string[]): Promise<number> {
    const had = await this.mem.deleteTorrents(infoHashes);
    await this.torrentsChanged(infoHashes);
    return had;
  }
  async putWhitelist(entry: WhitelistEntry): Promise<void> {
    await this.mem.putWhitelist(entry);
    await this.whitelistChanged([entry.prefix]);
  }
  async putWhitelistEntries(entries: WhitelistEntry[]): Promise<void> {
    await this.mem.putWhitelistEntries(entries);
    await this.whitelistChanged(entries.map((e) => e.prefix));
  }
  async deleteWhitelist(prefix: string): Promise<void> {
    await this.mem.deleteWhitelist(prefix);
    await this.whitelistChanged([prefix]);
  }
  async putBlacklist(entry: BlacklistEntry): Promise<void> {
    await this.mem.putBlacklist(entry);
    await this.blacklistChanged(entry.pattern);
  }
  async deleteBlacklist(pattern: string): Promise<void> {
    await this.mem.deleteBlacklist(pattern);
    await this.blacklistChanged(pattern);
  }

  async announce(input: AnnounceInput): Promise<AnnounceResult> {
    const result = await this.mem.announce(input);
    await this.durable();
    return result;
  }

  async scrape(infoHashes: string[]): Promise<ScrapeEntry[]> {
    return this.mem.scrape(infoHashes);
  }

  async reap(now: number, ttl: number): Promise<number> {
    const reaped = await this.mem.reap(now, ttl);
    if (reaped > 0) await this.durable();
    return reaped;
  }

  async userStats(id: number): Promise<UserStats> {
    return this.mem.userStats(id);
  }
  async torrentStats(infoHash: string): Promise<TorrentStats> {
    return this.mem.torrentStats(infoHash);
  }
  async userTorrentStats(userId: number, torrentId: number): Promise<UserTorrentStats | undefined> {
    return this.mem.userTorrentStats(userId, torrentId);
  }
  async cheatEvents(limit: number, filter?: CheatFilter): Promise<CheatEvent[]> {
    return this.mem.cheatEvents(limit, filter);
  }
  async cheatCounts(): Promise<CheatCounts> {
    return this.mem.cheatCounts();
  }
  async peers(infoHash: string): Promise<PeerInfo[]> {
    return this.mem.peers(infoHash);
  }
  async userTorrents(userId: number): Promise<UserTorrentEntry[]> {
    return this.mem.userTorrents(userId);
  }
  async totals(): Promise<SwarmTotals> {
    return this.mem.totals();
  }

  async adjustUser(adjustment: Adjustment): Promise<void> {
    await this.mem.adjustUser(adjustment);
    await this.durable();
  }
  async adjustments(userId: number): Promise<Adjustment[]> {
    return this.mem.adjustments(userId);
  }

  async prepareFlush(max: number): Promise<FlushBatch | undefined> {
    const batch = await this.mem.prepareFlush(max);
    // Handed to the flusher only once it is pending on disk: a restart offers it again.
    if (batch) await this.durable();
    return batch;
  }
  async pendingFlushes(): Promise<FlushBatch[]> {
    return this.mem.pendingFlushes();
  }
  async ackFlush(id: string): Promise<void> {
    await this.mem.ackFlush(id);
    await this.durable();
  }

  private durable(): Promise<void> {
    if (!this.commits) return Promise.reject(new Error('the embedded store is not open'));
    return this.commits.durable();
  }

  private usersChanged(ids: number[]): Promise<void> {
    for (const id of ids) this.commits?.note(K.user(id), this.mem.userById(id));
    return this.durable();
  }

  private torrentsChanged(infoHashes: string[]): Promise<void> {
    for (const ih of infoHashes) this.commits?.note(K.torrent(ih), this.mem.torrentByInfoHash(ih));
    return this.durable();
  }

  private blacklistChanged(pattern: string): Promise<void> {
    this.commits?.note(K.blacklist(pattern), this.mem.blacklist().find((e) => e.pattern === pattern));
    return this.durable();
  }

  private whitelistChanged(prefixes: string[]): Promise<void> {
    const now = new Map(this.mem.whitelist().map((e) => [e.prefix, e]));
    for (const prefix of prefixes) this.commits?.note(K.whitelist(prefix), now.get(prefix));
    return this.durable();
  }
}

/** foldLog, a log record that does not read refusing the file like a damaged record. */
function foldCommitLog(db: RootDatabase, path: string): void {
  try {
    foldLog(db);
  } catch (err) {
    void db.close();
    throw new DataFolderError(`${resolve(path)} is damaged (${(err as Error).message}): refusing to start on part of the ledger. Restore it from a backup (docs/operations.md)`);
  }
}

/**
 * Reads every store record of the file into `mem`. A file whose records do not all read back (fewer
 * than LMDB's own count of its entries, kept in the database's root apart from the pages a scan
 * reads: LMDB has no checksums, and a damaged page can make a scan end early without an error) or
 * one that does not decode is refused: starting on part of the ledger would be silent loss.
 */
function restoreAll(db: RootDatabase, mem: MemoryStore, path: string): void {
  let read = 0;
  let marks = 0;
  function* records(): Generator<{ key: string; value: unknown }> {
    for (const { key, value } of db.getRange({})) {
      if (typeof key === 'string' && isMark(key)) {
        marks++;
        continue;
      }
      read++;
      if (typeof key === 'string') yield { key, value };
    }
  }
  const file = resolve(path);
  try {
    mem.restore(records());
  } catch (err) {
    void db.close();
    throw new DataFolderError(`${file} is damaged (${(err as Error).message} after ${read} records): refusing to start on part of the ledger. Restore it from a backup (docs/operations.md)`);
  }
  const expected = (db.getStats() as { entryCount: number }).entryCount - marks;
  if (expected !== read) {
    void db.close();
    throw new DataFolderError(`${file} is damaged: it holds ${expected} records and ${read} could be read: refusing to start on part of the ledger. Restore it from a backup (docs/operations.md)`);
  }
  // The count older versions kept themselves (the same check, paid with a read per record written): stale from now on.
  if (db.doesExist(RECORDS_KEY)) db.removeSync(RECORDS_KEY);
}
