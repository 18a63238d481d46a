import type { Redis } from 'ioredis';
import type { StoreLogger } from '../create-store.js';
import type { BlacklistEntry, StoredCreditEvent, Torrent, User, WhitelistEntry } from '../records.js';
import type { RecordKind, RegistryCache } from '../registry-cache.js';
import { execPipeline } from './exec-pipeline.js';
import type { RedisKeys } from './keys.js';
import { decodeTorrent, decodeUser, parseMessage, TORRENT_FIELDS, USER_FIELDS, type RegistryMessage } from './registry-codec.js';
import type { ScriptCommands, ScriptPipeline } from './scripts.js';

const SCAN_COUNT = 1000;
const RETRY_MS = 1000;
/** Records one read-records script reads: a burst of notices or a scan batch costs a command per this many. */
const READ_BATCH = 1000;

/**
 * Keeps a RegistryCache equal to the registry in Redis: a full load at start, then a re-read of
 * the records that change notices on the events channel name, and a full load again whenever the
 * subscription was lost (notices published meanwhile are gone). Notices that arrive together (a
 * bulk import sends thousands) are re-read together, each record once, in one round trip. Retries
 * a failed load every second until it succeeds.
 *
 * Bulk notices of its own store (`origin`) are skipped: that store puts what it wrote into the
 * cache when the script's reply comes. Should another instance write the same record just after,
 * its notice is re-read on the main connection, whose reply comes after the put's, so the later
 * write still wins. During a full load they are applied like any other, since the load may have
 * read the record before the write and would otherwise undo it.
 */
export class RegistrySync {
  private started = false;
  private stopped = false;
  /** Notices that came during a full load: re-applied after it, so the load cannot undo them. */
  private pending: RegistryMessage[] | undefined;
  private reloadAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Live notices not yet applied: applied together on the next turn of the event loop. */
  private queued: RegistryMessage[] = [];
  /** Runs on another instance's config reload notice (Store.onReload). */
  reloadHandler: (() => void) | undefined;

  constructor(
    private readonly main: Redis,
    private readonly sub: Redis,
    private readonly keys: RedisKeys,
    private readonly cache: RegistryCache,
    private readonly origin: string,
    private readonly logger: StoreLogger | undefined,
  ) {}

  /** Subscribes and loads everything; rejects when Redis cannot be read. */
  async start(): Promise<void> {
    this.sub.on('message', this.onMessage);
    // ioredis's own resubscribe is off: subscribing here first and loading after it leaves no gap
    // in which a change could be neither loaded nor notified.
    this.sub.on('ready', this.onSubscriberReady);
    await this.sub.subscribe(this.keys.events);
    await this.reload();
    this.started = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.sub.off('message', this.onMessage);
    this.sub.off('ready', this.onSubscriberReady);
  }

  private readonly onSubscriberReady = (): void => {
    if (!this.started || this.stopped) return;
    this.sub
      .subscribe(this.keys.events)
      .then(() => this.reload())
      .then(
        () => this.logger?.info({ ...this.cache.counts() }, 'registry reloaded from redis after reconnect'),
        (err: unknown) => this.retryLater(err),
      );
  };

  private readonly onMessage = (_channel: string, message: string): void => {
    const notice = parseMessage(message);
    if (!notice) return;
    if (notice.reload) {
      if (notice.origin !== this.origin) this.reloadHandler?.();
      return;
    }
    if (notice.origin === this.origin && !this.pending) return;
    this.reread(notice.records);
  };

  /**
   * Puts what Redis holds of these records into the cache, soon (with the notices of this turn of
   * the event loop) or after the full load under way. The store calls it when a put's reply was
   * lost: the put may have been written, and its notice skipped.
   */
  reread(records: readonly RegistryMessage[]): void {
    if (records.length === 0) return;
    if (this.pending) {
      for (const m of records) this.pending.push(m);
      return;
    }
    if (this.queued.length === 0) setImmediate(this.applyQueued);
    for (const m of records) this.queued.push(m);
  };

  private readonly applyQueued = (): void => {
    const burst = this.queued;
    this.queued = [];
    this.apply(burst).catch((err: unknown) => this.retryLater(err));
  };

  private retryLater(err: unknown): void {
    if (this.stopped || this.retryTimer) return;
    this.logger?.warn({ err }, 'registry reload from redis failed; retrying');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reload().catch((e: unknown) => this.retryLater(e));
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** Replaces the cache with what Redis holds now. */
  async reload(): Promise<void> {
    if (this.pending) {
      this.reloadAgain = true;
      return;
    }
    this.pending = [];
    try {
      do {
        this.reloadAgain = false;
        const [users, torrents, whitelist, blacklist, events] = await Promise.all([
          this.loadUsers(),
          this.loadTorrents(),
          this.loadHash(this.keys.whitelist, (prefix, client): WhitelistEntry => ({ prefix, client })),
          this.loadHash(this.keys.blacklist, (pattern, reason): BlacklistEntry => ({ pattern, reason })),
          this.loadCreditEvents(),
        ]);
        this.cache.replaceAll(users, torrents, whitelist, blacklist);
        this.cache.setCreditEvents(events);
      } while (this.reloadAgain);
    } finally {
      const missed = this.pending;
      this.pending = undefined;
      await this.apply(missed);
    }
  }

  /**
   * Re-reads the records the notices name, each once and all in one round trip, and puts what
   * Redis holds now into the cache. Replies come in the order the reads were sent, so a later
   * burst never lands before an earlier one.
   */
  private async apply(ms: RegistryMessage[]): Promise<void> {
    if (ms.length === 0) return;
    const users = new Set<number>();
    const torrents = new Set<string>();
    const prefixes = new Set<string>();
    const patterns = new Set<string>();
    let events = false;
    for (const m of ms) {
      if (m.kind === 'u') users.add(m.id);
      else if (m.kind === 't') torrents.add(m.infoHash);
      else if (m.kind === 'w') prefixes.add(m.prefix);
      else if (m.kind === 'b') patterns.add(m.pattern);
      else events = true;
    }
    // A record this instance writes while the reads are under way keeps that write: the notice of
    // it comes after, and its re-read then reads what the write left.
    const since = this.cache.beginRead();
    try {
      const rows = await Promise.all([
        this.readRecords([...users], (id) => this.keys.user(id), USER_FIELDS),
        // On a cluster each torrent hash is in its swarm's slot.
        this.readRecords([...torrents], (ih) => this.keys.torrent(ih), TORRENT_FIELDS, !this.keys.cluster),
        prefixes.size > 0 ? this.main.hmget(this.keys.whitelist, ...prefixes) : [],
        patterns.size > 0 ? this.main.hmget(this.keys.blacklist, ...patterns) : [],
        events ? this.loadCreditEvents() : undefined,
      ]);
      const [userRows, torrentRows, clients, reasons, eventList] = rows;
      const fresh = (kind: RecordKind, id: number | string) => !this.cache.writtenSince(kind, id, since);
      this.cache.applying(() => {
        if (eventList) this.cache.setCreditEvents(eventList);
        [...users].forEach((id, i) => {
          if (!fresh('u', id)) return;
          const user = decodeUser(id, userRows[i]!);
          if (user) this.cache.setUser(user);
          else this.cache.deleteUser(id);
        });
        [...torrents].forEach((infoHash, i) => {
          if (!fresh('t', infoHash)) return;
          const torrent = decodeTorrent(infoHash, torrentRows[i]!);
          if (torrent) this.cache.setTorrent(torrent);
          else this.cache.deleteTorrent(infoHash);
        });
        [...prefixes].forEach((prefix, i) => {
          if (!fresh('w', prefix)) return;
          const client = clients[i];
          if (client == null) this.cache.deleteWhitelist(prefix);
          else this.cache.setWhitelist({ prefix, client });
        });
        [...patterns].forEach((pattern, i) => {
          if (!fresh('b', pattern)) return;
          const reason = reasons[i];
          if (reason == null) this.cache.deleteBlacklist(pattern);
          else this.cache.setBlacklist({ pattern, reason });
        });
      });
    } finally {
      // Only once the rows are applied: until then the writes made during the read must be known.
      this.cache.endRead();
    }
  }

  /**
   * The `fields` of each record, in `ids` order: one read-records script per READ_BATCH, pipelined,
   * when the keys share a slot (`oneSlot`), else one per record, sent together.
   */
  private async readRecords<K>(ids: readonly K[], key: (id: K) => string, fields: readonly string[], oneSlot = true): Promise<Array<(string | null)[]>> {
    if (ids.length === 0) return [];
    if (!oneSlot) {
      const main = this.main as Redis & ScriptCommands;
      return (await Promise.all(ids.map((id) => main.readRecords(1, key(id), ...fields)))).map((rows) => rows[0]!);
    }
    const p = this.main.pipeline() as ScriptPipeline;
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const part = ids.slice(i, i + READ_BATCH);
      p.readRecords(part.length, ...part.map(key), ...fields);
    }
    return ((await execPipeline(p)) as Array<Array<(string | null)[]>>).flat();
  }

  /** The API's timed events (one JSON string); none when the key is absent. */
  private async loadCreditEvents(): Promise<StoredCreditEvent[]> {
    const text = await this.main.get(this.keys.creditEvents);
    return text ? (JSON.parse(text) as StoredCreditEvent[]) : [];
  }

  private loadUsers(): Promise<User[]> {
    return this.loadRecords(this.keys.users, (id) => this.keys.user(Number(id)), USER_FIELDS, (id, row) => decodeUser(Number(id), row));
  }

  private loadTorrents(): Promise<Torrent[]> {
    return this.loadRecords(this.keys.torrents, (ih) => this.keys.torrent(ih), TORRENT_FIELDS, decodeTorrent, !this.keys.cluster);
  }

  /** Every record whose id is in the set `indexKey`: SSCAN in batches, each read with readRecords. */
  private async loadRecords<T>(
    indexKey: string,
    recordKey: (id: string) => string,
    fields: readonly string[],
    decode: (id: string, row: (string | null)[]) => T | undefined,
    oneSlot = true,
  ): Promise<T[]> {
    // SSCAN may return a member twice: keyed by id, it counts once.
    const records = new Map<string, T>();
    await this.scanSet(indexKey, async (ids) => {
      const rows = await this.readRecords(ids, recordKey, fields, oneSlot);
      ids.forEach((id, i) => {
        const record = decode(id, rows[i]!);
        if (record) records.set(id, record);
      });
    });
    return [...records.values()];
  }

  /** Every field of the hash `key` as an entry (the whitelist, the blacklist): HSCAN in batches. */
  private async loadHash<T>(key: string, entry: (field: string, value: string) => T): Promise<T[]> {
    const entries = new Map<string, T>();
    let cursor = '0';
    do {
      const [next, flat] = await this.main.hscan(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) entries.set(flat[i]!, entry(flat[i]!, flat[i + 1]!));
    } while (cursor !== '0');
    return [...entries.values()];
  }

  /** SSCAN in batches (never KEYS); a member may come twice, callers dedupe. */
  private async scanSet(key: string, each: (members: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, members] = await this.main.sscan(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (members.length > 0) await each(members);
    } while (cursor !== '0');
  }
}
