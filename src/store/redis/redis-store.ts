import { randomBytes } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { PeerState } from '../../accounting/settle.js';
import type { StoreLogger } from '../create-store.js';
import { peerInfo, seedersFirst, userIdOfPeerKey } from '../peer-info.js';
import { RECORD_LEN } from '../peer-record.js';
import type { Adjustment, StoredCreditEvent, BlacklistEntry, CheatCounts, CheatEvent, PeerInfo, SwarmTotals, Torrent, TorrentStats, User, UserStats, UserTorrentEntry, UserTorrentStats, WhitelistEntry } from '../records.js';
import { RegistryCache } from '../registry-cache.js';
import {
  OVERTAKEN,
  NO_PEERS,
  refusedResult,
  RegistryConflictError,
  StorageUnavailableError,
  torrentIdTaken,
  type AnnounceInput,
  type AnnounceResult,
  type CheatFilter,
  type PasskeyConflict,
  type PeerLimitKind,
  type RegistryCounts,
  type ScrapeEntry,
  type Store,
  type TorrentIdConflict,
} from '../store.js';
import { FigureRangeError } from '../figure-range-error.js';
import type { FlushBatch } from '../flush-batch.js';
import { openConnection, retryStrategy, type RedisTarget } from './connection.js';
import { execPipeline } from './exec-pipeline.js';
import { RedisKeys } from './keys.js';
import { blacklistMessage, creditEventsMessage, flag, torrentFields, userExtras, userFields, reloadMessage, torrentBatchHead, torrentMessage, userBatchHead, userMessage, whitelistMessage, type RegistryMessage } from './registry-codec.js';
import { RedisFlush } from './redis-flush.js';
import { parseCheat } from './cheat-line.js';
import { RegistrySync } from './registry-sync.js';
import { defineScripts, type ScriptCommands, type ScriptPipeline } from './scripts.js';
import { toStoreError } from './storage-error.js';
import { migrateSwarmLayout } from './swarm-layout.js';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL (mode standalone; its scheme in mode sentinel). */
  url: string;
  /** Default standalone: the server at `url`. */
  mode?: 'standalone' | 'sentinel' | 'cluster' | undefined;
  /** Mode cluster: seed nodes, "host:port". */
  nodes?: string[] | undefined;
  /** Mode sentinel: the sentinels, "host:port", the master's name and the sentinels' own password. */
  sentinels?: string[] | undefined;
  sentinelName?: string | undefined;
  sentinelPassword?: string | undefined;
  /** Overrides a password in the URL; undefined or empty for none. */
  password?: string | undefined;
  db?: number | undefined;
  /** Prefix of every key and of the events channel (config `store.redis.key_prefix`). */
  keyPrefix: string;
  logger?: StoreLogger | undefined;
  /** Milliseconds a command may take before it fails as "storage unavailable"; default 2000. */
  commandTimeoutMs?: number | undefined;
  /** Track changes for the SQL flush (config sql.flush.enabled): the scripts mark users and torrents dirty. */
  flush?: boolean | undefined;
  /** With `flush`: cheat events go into the flush's batches too (config sql.flush.cheats.table). */
  flushCheats?: boolean | undefined;
  /** With `flush`: the site rows (history, peers, snatches) too; the scripts mark peers dirty. */
  flushSite?: boolean | undefined;
}

/** Same as the memory store's log size. */
export const CHEAT_LOG_MAX = 10_000;
/**
 * Registry records one bulk-put script writes: one command per this many items (a command per item
 * costs the client more than Redis), and Redis is never held much longer than an announce takes.
 */
export const SCRIPT_BATCH = 500;
/** Swarms the reaper asks for in one go. */
export const REAP_BATCH = 100;

// Record field → hash field, in one table per record: the HMGET and the decoding read the same order.
const USER_COUNTERS = { uploadedRaw: 'up_raw', downloadedRaw: 'down_raw', uploaded: 'up', downloaded: 'down', bonus: 'bonus', snatches: 'snatches', announces: 'announces', cheats: 'cheats' } as const;
const TORRENT_COUNTERS = { snatches: 'snatches', uploadedRaw: 'up_raw', downloadedRaw: 'down_raw', uploaded: 'up', downloaded: 'down', announces: 'announces' } as const;
const UT_FIELDS = { uploadedRaw: 'up_raw', downloadedRaw: 'down_raw', uploaded: 'up', downloaded: 'down', seedTime: 'seed_time', leechTime: 'leech_time', left: 'left', firstSeen: 'first_seen', lastSeen: 'last_seen' } as const;
/** The HMGET of a ledger: its flags and torrent id, then UT_FIELDS (see ledgerOf). */
export const LEDGER_FIELDS = ['first_seen', 'snatched', 'stopped', 'torrent_id', 'rule', ...Object.values(UT_FIELDS)];

export const num = (v: unknown): number => (v == null ? 0 : Number(v));

/** The HMGET reply for `fields`' hash fields, as numbers named by `fields`' keys (0 where absent). */
function numbers<K extends string>(fields: Record<K, string>, values: readonly (string | null)[]): Record<K, number> {
  const out = {} as Record<K, number>;
  (Object.keys(fields) as K[]).forEach((k, i) => (out[k] = num(values[i])));
  return out;
}

/**
 * The shared store: swarms, counters and the registry live in Redis, so several tracker processes
 * (and machines) serve one site. Each announce is one Lua script, one round trip (announce-19.lua).
 * The registry is read from an in-process cache kept current over pub/sub.
 *
 * When Redis is unreachable no call hangs and nothing throws outside the promises: every method
 * rejects at once with StorageUnavailableError, and the connections come back by themselves.
 * Commands in flight when the connection drops fail rather than being resent, so an announce is
 * never counted twice.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  protected readonly keys: RedisKeys;
  protected readonly main: Redis & ScriptCommands;
  private readonly sub: Redis;
  protected readonly cache = new RegistryCache();
  /** This store's token in its bulk notices: its sync skips them, its cache being current already. */
  protected readonly origin = randomBytes(8).toString('hex');
  protected readonly sync: RegistrySync;
  protected readonly logger: StoreLogger | undefined;
  /** Connections (main and events each) re-established after they were lost, since start. */
  reconnects = 0;
  /** ARGV of the scripts that mark changes for the SQL flush: "1" on, "0" off. */
  protected readonly flushFlag: string;
  /** ARGV of announce: "1" when cheat events go to the SQL flush. */
  private readonly flushCheatsFlag: string;
  /** ARGV of announce, reap and delete-torrent: the dirty-peers key when the site rows are on, else "". */
  protected readonly dirtyPeersArg: string;
  private readonly flush: RedisFlush;
  protected readonly fail = (err: unknown): never => {
    throw toStoreError(err);
  };
  /**
   * A bulk put failed, perhaps after Redis wrote it (a reply lost or late): the cache re-reads the
   * records, since this store skips its own notices.
   */
  protected readonly lostPut = (err: unknown, records: RegistryMessage[]): never => {
    this.sync.reread(records);
    throw toStoreError(err);
  };

  constructor(opts: RedisStoreOptions) {
    this.keys = new RedisKeys(opts.keyPrefix, opts.mode === 'cluster');
    this.logger = opts.logger;
    const options: RedisOptions = {
      lazyConnect: true,
      // Fail fast instead of queueing while disconnected, and never resend a command whose reply was
      // lost (a resent announce would count twice); in-flight commands fail when the link drops.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
      connectTimeout: 2000,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      // Ours is explicit (registry-sync.ts), so that the reload follows the subscription.
      autoResubscribe: false,
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.db !== undefined ? { db: opts.db } : {}),
    };
    const target = redisTarget(opts);
    this.main = defineScripts(openConnection(target, { ...options, connectionName: 'mika' }));
    this.sub = openConnection(target, { ...options, connectionName: 'mika-events' });
    this.watch(this.main, 'main');
    this.watch(this.sub, 'events');
    this.sync = new RegistrySync(this.main, this.sub, this.keys, this.cache, this.origin, this.logger);
    this.flushFlag = opts.flush ? '1' : '0';
    this.flushCheatsFlag = opts.flush && opts.flushCheats ? '1' : '0';
    this.dirtyPeersArg = opts.flush && opts.flushSite ? this.keys.flush.dirtyPeers : '';
    this.flush = new RedisFlush(this.main, this.keys, this.flushCheatsFlag === '1', this.dirtyPeersArg !== '');
  }

  /** The message of the last connection error of either connection, for a failed open(). */
  private lastConnectionError: string | undefined;

  async open(): Promise<void> {
    try {
      await Promise.all([this.main.connect(), this.sub.connect()]);
      await this.connected();
      await migrateSwarmLayout(this.main, this.keys, await this.reapKeys(), this.logger);
      await this.sync.start();
    } catch (err) {
      // A refused AUTH closes the connection: "Connection is closed." would hide why.
      const why = this.lastConnectionError && (err as Error).message === 'Connection is closed.' ? new Error(this.lastConnectionError, { cause: err }) : err;
      throw toStoreError(why);
    }
    this.logger?.info({ ...this.cache.counts() }, 'registry loaded from redis');
  }

  /** Called once both connections are up, before the registry loads. */
  protected async connected(): Promise<void> {}

  /** The reap sets: between them they name every swarm that has peers. */
  protected async reapKeys(): Promise<string[]> {
    return [this.keys.reap];
  }

  async close(): Promise<void> {
    this.sync.stop();
    // QUIT goes after the commands already sent, so their replies still arrive; when the link is
    // down there is nothing to wait for.
    await Promise.all([this.main, this.sub].map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }

  async publishReload(): Promise<void> {
    await this.main.publish(this.keys.events, reloadMessage(this.origin)).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  onReload(handler: () => void): void {
    this.sync.reloadHandler = handler;
  }

  async ping(): Promise<boolean> {
    return this.main.ping().then(
      () => true,
      () => false,
    );
  }

  userByPasskey(passkey: string): User | undefined {
    return this.cache.userByPasskey(passkey);
  }
  userById(id: number): User | undefined {
    return this.cache.userById(id);
  }
  torrentByInfoHash(infoHash: string): Torrent | undefined {
    return this.cache.torrentByInfoHash(infoHash);
  }
  torrentByInfoHashBytes(infoHash: Buffer): Torrent | undefined {
    return this.cache.torrentByInfoHashBytes(infoHash);
  }
  torrentById(id: number): Torrent | undefined {
    return this.cache.torrentById(id);
  }
  creditEvents(): readonly StoredCreditEvent[] {
    return this.cache.creditEvents();
  }
  async putCreditEvents(events: StoredCreditEvent[]): Promise<void> {
    // Written and announced in one MULTI: every instance (this one too) reads the list again.
    await execPipeline(this.main.multi().set(this.keys.creditEvents, JSON.stringify(events)).publish(this.keys.events, creditEventsMessage)).catch(this.fail);
    this.cache.setCreditEvents(events.map((e) => ({ ...e })));
  }
  whitelistMatch(peerId: Buffer): WhitelistEntry | undefined {
    return this.cache.whitelistMatch(peerId);
  }
  whitelist(): WhitelistEntry[] {
    return this.cache.whitelist();
  }
  blacklistMatch(peerId: Buffer): BlacklistEntry | undefined {
    return this.cache.blacklistMatch(peerId);
  }
  blacklist(): BlacklistEntry[] {
    return this.cache.blacklist();
  }
  counts(): RegistryCounts {
    return this.cache.counts();
  }
  userIds(): number[] {
    return this.cache.userIds();
  }
  infoHashes(): string[] {
    return this.cache.infoHashes();
  }

  async createUser(user: User): Promise<void> {
    const k = this.keys;
    const notice = `${userBatchHead(this.origin)} ${user.id}`;
    const r = await this.main
      .createUser(k.passkeys, k.users, k.user(user.id), user.id, user.passkey, user.name, flag(user.canLeech), flag(user.enabled), k.events, notice, user.leechSlots, userExtras(user))
      .catch((err: unknown) => this.lostPut(err, [{ kind: 'u', id: user.id }]));
    if (r === 1) throw new RegistryConflictError('user_exists', `user ${user.id} exists already`);
    if (Array.isArray(r)) throw new RegistryConflictError('passkey_taken', `passkey already belongs to user ${r[1]}`);
    this.cache.setUser({ ...user });
  }

  async putUser(user: User): Promise<void> {
    const [conflict] = await this.putUsers([user]);
    if (conflict) throw new RegistryConflictError('passkey_taken', `passkey already belongs to user ${conflict.holder}`);
  }

  async putUsers(users: User[]): Promise<PasskeyConflict[]> {
    if (users.length === 0) return [];
    const k = this.keys;
    const p = this.main.pipeline() as ScriptPipeline;
    for (let i = 0; i < users.length; i += SCRIPT_BATCH) {
      const part = users.slice(i, i + SCRIPT_BATCH);
      p.putUsers(2 + part.length, k.passkeys, k.users, ...part.map((u) => k.user(u.id)), k.events, userBatchHead(this.origin), userFields(part));
    }
    const replies = (await execPipeline(p).catch((err: unknown) => this.lostPut(err, users.map((u) => ({ kind: 'u', id: u.id }))))) as Array<Array<number | string>>;
    // The scripts ran in batch order, so the cache takes the written users in that order too.
    return splitRefused(users, replies, (u) => this.cache.setUser({ ...u }), (u, holder) => ({ userId: u.id, holder: num(holder) }));
  }

  async deleteUser(id: number): Promise<void> {
    await this.deleteUsers([id]);
  }

  async deleteUsers(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const k = this.keys;
    const p = this.main.pipeline() as ScriptPipeline;
    for (const id of ids) p.deleteUser(k.user(id), k.passkeys, k.users, id, k.events, userMessage(id));
    const had = await execPipeline(p).catch(this.fail);
    for (const id of ids) this.cache.deleteUser(id);
    return had.reduce((n: number, r) => n + num(r), 0);
  }

  async putTorrent(torrent: Torrent): Promise<void> {
    const [conflict] = await this.putTorrents([torrent]);
    if (conflict) throw torrentIdTaken(conflict);
  }

  async putTorrents(torrents: Torrent[]): Promise<TorrentIdConflict[]> {
    if (torrents.length === 0) return [];
    const k = this.keys;
    const p = this.main.pipeline() as ScriptPipeline;
    for (let i = 0; i < torrents.length; i += SCRIPT_BATCH) {
      const part = torrents.slice(i, i + SCRIPT_BATCH);
      p.putTorrents(2 + part.length, k.torrents, k.torrentIds, ...part.map((t) => k.torrent(t.infoHash)), k.events, torrentBatchHead(this.origin), torrentFields(part));
    }
    const replies = (await execPipeline(p).catch((err: unknown) => this.lostPut(err, torrentRecords(torrents)))) as Array<Array<number | string>>;
    return splitRefused(torrents, replies, (t) => this.cache.setTorrent({ ...t }), (t, holder) => ({ infoHash: t.infoHash, torrentId: t.id, holder }));
  }

  async deleteTorrent(infoHash: string): Promise<void> {
    await this.deleteTorrents([infoHash]);
  }

  async deleteTorrents(infoHashes: string[]): Promise<number> {
    if (infoHashes.length === 0) return 0;
    const k = this.keys;
    const p = this.main.pipeline() as ScriptPipeline;
    for (const ih of infoHashes) {
      const s = k.swarm(ih);
      p.deleteTorrent(s.torrent, s.peers, s.seeders, s.leechers, s.expiry, k.torrents, k.reap, k.totals, k.flush.dirtyTorrents, k.flush.goneTorrents, s.owners, k.leeching, s.seederRecords, s.leecherRecords, ih, k.events, torrentMessage(ih), this.flushFlag, '1', this.dirtyPeersArg);
    }
    const had = await execPipeline(p).catch(this.fail);
    for (const ih of infoHashes) this.cache.deleteTorrent(ih);
    return had.reduce((n: number, r) => n + num(r), 0);
  }

  putWhitelist(entry: WhitelistEntry): Promise<void> {
    return this.putWhitelistEntries([entry]);
  }

  async putWhitelistEntries(entries: WhitelistEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One HSET of every pair, then a notice per prefix, in one MULTI: no instance re-reads a prefix
    // before it is written.
    const m = this.main.multi().hset(this.keys.whitelist, ...entries.flatMap((e) => [e.prefix, e.client]));
    for (const e of entries) m.publish(this.keys.events, whitelistMessage(e.prefix));
    await execPipeline(m).catch(this.fail);
    for (const e of entries) this.cache.setWhitelist({ ...e });
  }

  async deleteWhitelist(prefix: string): Promise<void> {
    await execPipeline(this.main.multi().hdel(this.keys.whitelist, prefix).publish(this.keys.events, whitelistMessage(prefix))).catch(this.fail);
    this.cache.deleteWhitelist(prefix);
  }

  async putBlacklist(entry: BlacklistEntry): Promise<void> {
    await execPipeline(this.main.multi().hset(this.keys.blacklist, entry.pattern, entry.reason).publish(this.keys.events, blacklistMessage(entry.pattern))).catch(this.fail);
    this.cache.setBlacklist({ ...entry });
  }

  async deleteBlacklist(pattern: string): Promise<void> {
    await execPipeline(this.main.multi().hdel(this.keys.blacklist, pattern).publish(this.keys.events, blacklistMessage(pattern))).catch(this.fail);
    this.cache.deleteBlacklist(pattern);
  }

  announce(input: AnnounceInput): Promise<AnnounceResult> {
    const k = this.keys;
    const uid = input.user.id;
    const sideKeys = [k.user(uid), k.userTorrents(uid), k.reap, k.cheats, k.torrentIds, k.totals, k.flush.dirtyUsers, k.flush.dirtyTorrents];
    return this.main.announceBuffer(...this.announceArgs(input, sideKeys, k.leeching, '0')).then(toAnnounceResult, this.fail);
  }

  /**
   * The keys and arguments of announce-19.lua: the swarm's keys and the ledger, then `sideKeys`
   * (KEYS[7..14]), the swarm's owners (KEYS[15]), `leeching` (KEYS[16]), the flush's cheats (KEYS[17];
   * `leeching` again on a cluster), the swarm's record strings (KEYS[18..19]), then ARGV; `cluster` is its ARGV[21]. A cluster counts no leech
   * slots (its user side is another slot) and has no SQL flush: ARGV[25] and ARGV[26] are 0 there.
   */
  protected announceArgs(input: AnnounceInput, sideKeys: string[], leeching: string, cluster: '0' | '1'): string[] {
    const { user, torrent, rules } = input;
    const ih = torrent.infoHash;
    const s = this.keys.swarm(ih);
    // Text only: one Buffer argument sends ioredis down its much slower binary path. The binary
    // peer_id and endpoint go as latin1 text (UTF-8 on the wire), which the script decodes.
    return [
      s.peers,
      s.seeders,
      s.leechers,
      s.expiry,
      s.torrent,
      this.keys.userTorrent(ih, user.id),
      ...sideKeys,
      s.owners,
      leeching,
      cluster === '1' ? leeching : this.keys.flush.cheats,
      s.seederRecords,
      s.leecherRecords,
      input.peerId.toString('latin1') + input.endpoint.toString('latin1'),
      '',
      '',
      String(input.uploaded),
      String(input.downloaded),
      String(input.left),
      input.event,
      String(input.numwant),
      String(input.now),
      String(input.minInterval),
      String(rules.multiUp),
      String(rules.multiDown),
      String(rules.bonusRate),
      String(rules.interval),
      String(rules.maxUploadRate),
      ih,
      String(user.id),
      String(torrent.id),
      String(CHEAT_LOG_MAX),
      this.flushFlag,
      cluster,
      String(input.nowMs),
      rules.creditWithoutLeechers ? '1' : '0',
      String(input.limits.perUserTorrent),
      cluster === '1' ? '0' : String(user.leechSlots),
      cluster === '1' ? '0' : this.flushCheatsFlag,
      String(input.limits.perIpTorrent),
      input.creditRule ?? '',
      cluster === '1' ? '' : this.dirtyPeersArg,
      cluster === '1' || this.dirtyPeersArg === '' ? '' : (input.userAgent ?? ''),
    ];
  }

  async scrape(infoHashes: string[]): Promise<ScrapeEntry[]> {
    const registered = infoHashes.filter((ih) => this.cache.torrentByInfoHash(ih) !== undefined);
    if (registered.length === 0) return [];
    const p = this.main.pipeline();
    for (const ih of registered) {
      const s = this.keys.swarm(ih);
      p.zcard(s.seeders).zcard(s.leechers).hget(s.torrent, 'snatches');
    }
    const r = await execPipeline(p).catch(this.fail);
    return registered.map((infoHash, i) => ({ infoHash, complete: num(r[3 * i]), incomplete: num(r[3 * i + 1]), downloaded: num(r[3 * i + 2]) }));
  }

  async reap(now: number, ttl: number): Promise<number> {
    const cutoff = now - ttl;
    const done = new Set<string>();
    let reaped = 0;
    try {
      for (;;) {
        // Each swarm swept leaves this range (its reap time moves to its oldest peer, at or after the
        // cutoff, or it leaves the set), so asking again from the start finds the next ones.
        const due = (await this.main.zrangebyscore(this.keys.reap, '-inf', `(${cutoff}`, 'LIMIT', 0, REAP_BATCH)).filter((ih) => !done.has(ih));
        if (due.length === 0) return reaped;
        const p = this.main.pipeline() as ScriptPipeline;
        for (const ih of due) {
          done.add(ih);
          const s = this.keys.swarm(ih);
          p.reapSwarm(s.peers, s.seeders, s.leechers, s.expiry, this.keys.reap, this.keys.totals, this.keys.flush.dirtyTorrents, s.owners, this.keys.leeching, s.seederRecords, s.leecherRecords, ih, cutoff, this.flushFlag, '1', this.dirtyPeersArg);
        }
        for (const n of await execPipeline(p)) reaped += num(n);
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async adjustUser(a: Adjustment): Promise<void> {
    const k = this.keys;
    // One MULTI in the user's slot: the counters, the list and the flush's mark go together.
    const m = this.main.multi().hincrby(k.user(a.userId), USER_COUNTERS.uploaded, a.uploaded).hincrby(k.user(a.userId), USER_COUNTERS.downloaded, a.downloaded);
    m.rpush(k.userAdjustments(a.userId), JSON.stringify(a));
    if (this.flushFlag === '1') m.sadd(k.flush.dirtyUsers, a.userId);
    await execPipeline(m).catch(this.fail);
  }

  async adjustments(userId: number): Promise<Adjustment[]> {
    const lines = await this.main.lrange(this.keys.userAdjustments(userId), 0, -1).catch(this.fail);
    return lines.map((l) => JSON.parse(l) as Adjustment);
  }

  async userStats(id: number): Promise<UserStats> {
    const v = await this.main.hmget(this.keys.user(id), ...Object.values(USER_COUNTERS)).catch(this.fail);
    return numbers(USER_COUNTERS, v);
  }

  async torrentStats(infoHash: string): Promise<TorrentStats> {
    const s = this.keys.swarm(infoHash);
    const [seeders, leechers, v] = await execPipeline(
      this.main.pipeline().zcard(s.seeders).zcard(s.leechers).hmget(s.torrent, ...Object.values(TORRENT_COUNTERS)),
    ).catch(this.fail);
    return { seeders: num(seeders), leechers: num(leechers), ...numbers(TORRENT_COUNTERS, v as (string | null)[]) };
  }

  async userTorrentStats(userId: number, torrentId: number): Promise<UserTorrentStats | undefined> {
    const infoHash = await this.main.hget(this.keys.torrentIds, String(torrentId)).catch(this.fail);
    if (infoHash === null) return undefined;
    const v = await this.main.hmget(this.keys.userTorrent(infoHash, userId), ...LEDGER_FIELDS).catch(this.fail);
    return ledgerOf(v)?.stats;
  }

  async userTorrents(userId: number): Promise<UserTorrentEntry[]> {
    // Hex info_hashes: the default sort is their order.
    const infoHashes = (await this.main.smembers(this.keys.userTorrents(userId)).catch(this.fail)).sort();
    if (infoHashes.length === 0) return [];
    const p = this.main.pipeline();
    for (const ih of infoHashes) p.hmget(this.keys.userTorrent(ih, userId), ...LEDGER_FIELDS);
    const replies = (await execPipeline(p).catch(this.fail)) as Array<(string | null)[]>;
    const out: UserTorrentEntry[] = [];
    infoHashes.forEach((infoHash, i) => {
      const ledger = ledgerOf(replies[i]!);
      // A ledger from before torrent_id was kept in it: the registry still knows a live torrent's id.
      if (ledger) out.push({ infoHash, torrentId: ledger.torrentId ?? this.cache.torrentByInfoHash(infoHash)?.id ?? 0, stats: ledger.stats });
    });
    return out;
  }

  async cheatEvents(limit: number, filter: CheatFilter = {}): Promise<CheatEvent[]> {
    if (limit <= 0) return [];
    const filtered = filter.userId !== undefined || filter.kind !== undefined;
    // A filter reads the whole log (CHEAT_LOG_MAX lines at most, an operator's request, not an announce's).
    const rows = await this.main.lrange(this.keys.cheats, 0, filtered ? -1 : limit - 1).catch(this.fail);
    const out: CheatEvent[] = [];
    for (const row of rows) {
      const e = parseCheat(row);
      if ((filter.userId === undefined || e.userId === filter.userId) && (filter.kind === undefined || e.kind === filter.kind)) out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  async cheatCounts(): Promise<CheatCounts> {
    const [rate, none] = await this.main.hmget(this.keys.totals, ...CHEAT_COUNT_FIELDS).catch(this.fail);
    return { upload_rate: num(rate), no_leechers: num(none) };
  }

  async peers(infoHash: string): Promise<PeerInfo[]> {
    // The raw reply, field and value alternating: hgetallBuffer's object keys the fields by their
    // UTF-8 text, which merges two peer_ids that differ only in bytes that are not UTF-8.
    const flat = (await this.main.callBuffer('HGETALL', this.keys.swarm(infoHash).peers).catch(this.fail)) as Buffer[];
    const out: PeerInfo[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push(decodePeer(flat[i]!, flat[i + 1]!));
    return seedersFirst(out);
  }

  async totals(): Promise<SwarmTotals> {
    const [seeders, leechers] = await this.main.hmget(this.keys.totals, 'seeders', 'leechers').catch(this.fail);
    return { seeders: num(seeders), leechers: num(leechers) };
  }

  prepareFlush(max: number): Promise<FlushBatch | undefined> {
    return this.flush.prepare(max).catch(this.fail);
  }

  pendingFlushes(): Promise<FlushBatch[]> {
    return this.flush.pending().catch(this.fail);
  }

  ackFlush(id: string): Promise<void> {
    return this.flush.ack(id).catch(this.fail);
  }

  /** Logs connection trouble once per outage instead of once per reconnect attempt; never throws. */
  private watch(conn: Redis, role: string): void {
    let lastError: string | undefined;
    let lost = false;
    conn.on('error', (err: Error) => {
      this.lastConnectionError = err.message;
      if (err.message === lastError) return;
      lastError = err.message;
      this.logger?.warn({ err, role }, 'redis connection error');
    });
    conn.on('close', () => {
      lost = true;
    });
    conn.on('ready', () => {
      if (lost) {
        this.reconnects++;
        this.logger?.info({ role }, 'redis connection back');
      }
      lost = false;
      lastError = undefined;
    });
  }
}

/**
 * The items of a bulk put, batch by batch in order: `written` for each the scripts wrote, and the
 * conflict `refusal` makes of each they refused. `replies[b]` lists batch b's refusals as pairs
 * (1-based position in the batch, holder), as put-users-var.lua and put-torrents-var.lua answer.
 */
function splitRefused<T, C>(items: readonly T[], replies: ReadonlyArray<ReadonlyArray<number | string>>, written: (item: T) => void, refusal: (item: T, holder: string) => C): C[] {
  const conflicts: C[] = [];
  replies.forEach((refused, batch) => {
    const offset = batch * SCRIPT_BATCH;
    let next = 0;
    for (let i = offset; i < Math.min(offset + SCRIPT_BATCH, items.length); i++) {
      const item = items[i]!;
      if (next < refused.length && Number(refused[next]) - 1 === i - offset) {
        conflicts.push(refusal(item, String(refused[next + 1])));
        next += 2;
      } else written(item);
    }
  });
  return conflicts;
}

export const torrentRecords = (torrents: readonly Torrent[]): RegistryMessage[] => torrents.map((t) => ({ kind: 't', infoHash: t.infoHash }));

function redisTarget(opts: RedisStoreOptions): RedisTarget {
  if (opts.mode === 'cluster') return { mode: 'cluster', nodes: opts.nodes ?? [] };
  if (opts.mode === 'sentinel') return { mode: 'sentinel', url: opts.url, sentinels: opts.sentinels ?? [], name: opts.sentinelName ?? 'mymaster', sentinelPassword: opts.sentinelPassword };
  return { mode: 'standalone', url: opts.url };
}

/** The totals fields of the cheat counts, in CheatCounts order. */
export const CHEAT_COUNT_FIELDS = ['cheats:upload_rate', 'cheats:no_leechers'];

export function toAnnounceResult(reply: Array<number | Buffer>): AnnounceResult {
  if (reply[0] === -1) throw new StorageUnavailableError(new Error(OVERTAKEN));
  if (reply[0] === -2) return refusedResult(String(reply[1]) as PeerLimitKind);
  if (reply[0] === -3) throw new FigureRangeError(String(reply[1]) as 'uploaded' | 'downloaded');
  return {
    seeders: reply[0] as number,
    leechers: reply[1] as number,
    snatches: reply[2] as number,
    tooEarly: reply[3] === 1,
    unknownPeer: reply[4] === 1,
    // The selected peers' 44-byte records end to end, as the reply is handed out.
    peers: (reply[5] as Buffer | undefined)?.length ? (reply[5] as Buffer) : NO_PEERS,
  };
}

/** A peers hash entry: the field is the peer key, the value its record then struct '<dddd' (announce-19.lua). */
function decodePeer(field: Buffer, value: Buffer): PeerInfo {
  const state: PeerState = {
    uploaded: value.readDoubleLE(RECORD_LEN),
    downloaded: value.readDoubleLE(RECORD_LEN + 8),
    left: value.readDoubleLE(RECORD_LEN + 16),
    lastSeen: value.readDoubleLE(RECORD_LEN + 24),
  };
  return peerInfo(userIdOfPeerKey(field.toString('latin1')), value.subarray(0, RECORD_LEN), state);
}

/** A ledger from HMGET of LEDGER_FIELDS; undefined when it has no first_seen (no announce wrote it). */
export function ledgerOf(v: readonly (string | null)[]): { torrentId: number | undefined; stats: UserTorrentStats } | undefined {
  const [firstSeen, snatched, stopped, torrentId, rule, ...rest] = v;
  if (firstSeen == null) return undefined;
  const stats: UserTorrentStats = { ...numbers(UT_FIELDS, rest), snatched: snatched === '1', stopped: stopped === '1' };
  if (rule != null) stats.rule = rule;
  return { torrentId: torrentId == null ? undefined : Number(torrentId), stats };
}

