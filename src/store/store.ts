import type { AnnounceEvent } from '../accounting/events.js';
import type { CheatKind, Rules } from '../accounting/settle.js';
import type { FlushBatch } from './flush-batch.js';
import type { Adjustment, StoredCreditEvent, BlacklistEntry, CheatCounts, CheatEvent, PeerInfo, SwarmTotals, Torrent, TorrentStats, User, UserStats, UserTorrentEntry, UserTorrentStats, WhitelistEntry } from './records.js';

/** One announce, already validated and authorised by the tracker. */
export interface AnnounceInput {
  user: User;
  torrent: Torrent;
  /** 20 bytes. */
  peerId: Buffer;
  /** Where the peer is reachable: 6 bytes (IPv4 + port) or 18 bytes (IPv6 + port), network order. */
  endpoint: Buffer;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent;
  /** Peers wanted, already capped by config; 0 asks for none. */
  numwant: number;
  /** Unix seconds. */
  now: number;
  /** Unix milliseconds, the same instant (the upload budget's clock); floor(nowMs / 1000) = now. */
  nowMs: number;
  /** Seconds; 0 turns the too-early rule off. */
  minInterval: number;
  rules: Rules;
  limits: PeerLimits;
  /** Why rules.multiUp/multiDown are what they are (accounting/credit-rule.ts): kept in the ledger as its `rule`. */
  creditRule?: string | undefined;
  /** The request's User-Agent, kept only for the SQL flush's peers rows (sql.flush.peers). */
  userAgent?: string | undefined;
}

/**
 * How many peers a new peer_id may join beside; 0 = no limit. The user's own leech slots
 * (User.leechSlots) come with the user: a peer that would join the leechers while the user has that
 * many leeching peers over every torrent is refused.
 */
export interface PeerLimits {
  /** Live peers of one user on one torrent (tracker.max_peers_per_user_torrent). */
  perUserTorrent: number;
  /** Live peers of one IP address on one torrent, over every user (tracker.max_peers_per_ip_torrent). */
  perIpTorrent: number;
}

/** The limit a refused peer would have broken (AnnounceResult.refused). */
export type PeerLimitKind = 'peers_per_user_torrent' | 'peers_per_ip_torrent' | 'leech_slots';

/** An announce's peers when it hands out none (AnnounceResult.peers). */
export const NO_PEERS: Buffer = Buffer.alloc(0);

/** What both stores answer for a refused peer: the refusal, and no figures (the tracker replies with a failure). */
export const refusedResult = (refused: PeerLimitKind): AnnounceResult => ({ seeders: 0, leechers: 0, snatches: 0, peers: NO_PEERS, tooEarly: false, unknownPeer: false, refused });

export interface AnnounceResult {
  seeders: number;
  leechers: number;
  snatches: number;
  /**
   * The selected peers' records (peer-record.ts) end to end, RECORD_LEN bytes each, never the
   * announcing peer's: one buffer per reply rather than one per peer (peerCount, recordAt).
   */
  peers: Buffer;
  /** The announce came before min_interval: accounted, but no peers were handed out. */
  tooEarly: boolean;
  /** A `stopped` from a peer the swarm did not hold. */
  unknownPeer: boolean;
  /**
   * Set when a peer the swarm did not hold would break a peer limit: nothing was written (no
   * baseline, no counter), the swarm does not show it, and the other figures are empty (refusedResult).
   */
  refused?: PeerLimitKind | undefined;
}

export interface ScrapeEntry {
  infoHash: string;
  complete: number;
  incomplete: number;
  downloaded: number;
}

/** Fired when another instance (or this one) changed a user, torrent or the whitelist. */
export type RegistryListener = () => void;

/**
 * Where the tracker keeps its state. Two implementations, memory and redis, pass one contract suite
 * (test/contract). Reads of users, torrents and the whitelist are synchronous: they come from an
 * in-process cache that the store keeps current, so an announce reads no registry record from storage.
 */
export interface Store {
  readonly kind: 'memory' | 'embedded' | 'redis';

  /** Loads the registry caches and starts listening for changes. */
  open(): Promise<void>;
  /** Stops timers and connections; pending writes finish first. */
  close(): Promise<void>;
  /**
   * Tells every other instance on this store to re-read its config (after POST /api/reload here),
   * as the registry's changes reach them. A no-op where there are no others (memory).
   */
  publishReload(): Promise<void>;
  /** `handler` runs when another instance published a reload. */
  onReload(handler: () => void): void;
  /** Whether storage answers now. */
  ping(): Promise<boolean>;
  /** Storage connections re-established after they were lost, since start (metrics); none for the memory store. */
  readonly reconnects?: number;

  userByPasskey(passkey: string): User | undefined;
  userById(id: number): User | undefined;
  torrentByInfoHash(infoHash: string): Torrent | undefined;
  /** The same look-up by the info_hash's 20 bytes, as an announce decodes them: no hex string is made per announce. */
  torrentByInfoHashBytes(infoHash: Buffer): Torrent | undefined;
  /** The timed events added through the API (the in-process copy, like the registry's). */
  creditEvents(): readonly StoredCreditEvent[];
  /** Replaces the API's timed events; every instance applies the new list, as a registry change. */
  putCreditEvents(events: StoredCreditEvent[]): Promise<void>;
  /** The registered torrent with the site's torrent id (the seed's client names torrents so). */
  torrentById(id: number): Torrent | undefined;
  /** The whitelist entry whose prefix starts this peer_id, if any. */
  whitelistMatch(peerId: Buffer): WhitelistEntry | undefined;
  whitelist(): WhitelistEntry[];
  /** The blacklist entry whose pattern matches this peer_id, if any (checked besides the whitelist). */
  blacklistMatch(peerId: Buffer): BlacklistEntry | undefined;
  /** The blacklist, by pattern. */
  blacklist(): BlacklistEntry[];
  /** How many users, torrents and whitelist entries the registry holds. */
  counts(): RegistryCounts;
  /** The id of every registered user (from the in-process registry, in no particular order). */
  userIds(): number[];
  /** The info_hash of every registered torrent (from the in-process registry, in no particular order). */
  infoHashes(): string[];

  /**
   * Registers a new user, in one check-and-set: a user id that exists (on any instance) is refused
   * with RegistryConflictError code `user_exists`, a passkey held by another user with
   * `passkey_taken`; of several racing creates of one id exactly one succeeds.
   */
  createUser(user: User): Promise<void>;
  /** Adds or replaces a user (by id). Rejects a passkey held by another user. Every instance sees it before the promise settles here, and at most a pub/sub hop later elsewhere. */
  putUser(user: User): Promise<void>;
  deleteUser(id: number): Promise<void>;
  /**
   * Adds or replaces a torrent (by info_hash). A torrent_id that a registered torrent with another
   * info_hash holds is refused with RegistryConflictError code `torrent_id_taken`.
   */
  putTorrent(torrent: Torrent): Promise<void>;
  deleteTorrent(infoHash: string): Promise<void>;
  putWhitelist(entry: WhitelistEntry): Promise<void>;
  deleteWhitelist(prefix: string): Promise<void>;
  /** Adds or replaces a blacklist entry (by pattern); every instance sees it as a whitelist change. */
  putBlacklist(entry: BlacklistEntry): Promise<void>;
  deleteBlacklist(pattern: string): Promise<void>;

  /**
   * Bulk upserts for importers: one storage round trip for the whole batch, each item as its single
   * put would do it, in order. Users whose passkey another user holds (before or earlier in the
   * batch) are refused and listed in the result; the others are written.
   */
  putUsers(users: User[]): Promise<PasskeyConflict[]>;
  /**
   * Bulk putTorrent, in order, one check-and-set per torrent: a torrent whose torrent_id a
   * registered torrent with another info_hash holds (before, or earlier in the batch) is refused and
   * listed; the others are written.
   */
  putTorrents(torrents: Torrent[]): Promise<TorrentIdConflict[]>;
  putWhitelistEntries(entries: WhitelistEntry[]): Promise<void>;
  /** Bulk deleteUser, one storage round trip for the batch; returns how many of the ids had a record. */
  deleteUsers(ids: number[]): Promise<number>;
  /** Bulk deleteTorrent (swarms purged), one storage round trip for the batch; returns how many were registered. */
  deleteTorrents(infoHashes: string[]): Promise<number>;

  /**
   * Records one announce and selects peers. Everything it changes (peer, user and torrent counters,
   * bonus, snatch, seed time, cheat event) is durable in storage before the promise resolves.
   */
  announce(input: AnnounceInput): Promise<AnnounceResult>;
  /** Counts for each registered info_hash asked; unregistered ones are left out. */
  scrape(infoHashes: string[]): Promise<ScrapeEntry[]>;
  /** Drops peers silent since before `now - ttl`, touching only those. Returns how many it dropped. */
  reap(now: number, ttl: number): Promise<number>;

  userStats(id: number): Promise<UserStats>;
  torrentStats(infoHash: string): Promise<TorrentStats>;
  userTorrentStats(userId: number, torrentId: number): Promise<UserTorrentStats | undefined>;
  /** The newest cheat events first, at most `limit`, only those of `filter`'s user and kind when given. */
  cheatEvents(limit: number, filter?: CheatFilter): Promise<CheatEvent[]>;
  /** Cheat events recorded per kind, ever (not only those the log still holds). */
  cheatCounts(): Promise<CheatCounts>;
  /** The peers of one swarm now, seeders first; empty for an unknown swarm. */
  peers(infoHash: string): Promise<PeerInfo[]>;
  /** Every torrent the user ever announced, with its ledger; ordered by info_hash. */
  userTorrents(userId: number): Promise<UserTorrentEntry[]>;
  /** Seeders and leechers over every swarm (kept as running totals, not counted per call). */
  totals(): Promise<SwarmTotals>;

  /**
   * Adds a signed correction to a user's credited upload and download and keeps it in the user's
   * adjustment list, in one step: the SQL flush sends it as part of the user's next delta (never an
   * overwrite). The caller checks that no figure goes below 0.
   */
  adjustUser(adjustment: Adjustment): Promise<void>;
  /** The user's adjustments, oldest first. */
  adjustments(userId: number): Promise<Adjustment[]>;

  /**
   * SQL flush (src/flush). Only a store made with `flush: true` tracks changes; otherwise this
   * resolves undefined. Takes up to `max` changed users, `max` changed torrents and `max` deleted
   * torrents, computes what each gained since its last flush (peer counts as they are now), records
   * that as flushed and keeps the batch pending under a new id, all in one step: a change is either
   * still to flush or in a pending batch, never both, never neither. Undefined when nothing changed.
   */
  prepareFlush(max: number): Promise<FlushBatch | undefined>;
  /** Prepared batches not yet acknowledged, oldest first. */
  pendingFlushes(): Promise<FlushBatch[]>;
  /** Drops a pending batch once the site database has committed it. */
  ackFlush(id: string): Promise<void>;
}

export interface RegistryCounts {
  users: number;
  torrents: number;
  whitelist: number;
}

export interface CheatFilter {
  userId?: number | undefined;
  kind?: CheatKind | undefined;
}

/** A torrent of a bulk put that was not written: its torrent_id belongs to the torrent `holder` (info_hash). */
export interface TorrentIdConflict {
  infoHash: string;
  torrentId: number;
  holder: string;
}

/** A user of a bulk put that was not written: its passkey belongs to `holder`. */
export interface PasskeyConflict {
  userId: number;
  holder: number;
}

/**
 * The cause of the StorageUnavailableError an overtaken announce fails with (isOvertaken in
 * accounting/settle.ts): the store could not apply it in order, so it applied nothing.
 */
export const OVERTAKEN = 'announce overtaken by a later one of the same peer: nothing applied';

/** Storage cannot be reached: announces fail with "tracker storage unavailable" until it is back. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(cause?: unknown) {
    super('tracker storage unavailable', { cause });
  }
}

/** Why the registry refused a write. */
export type RegistryConflictCode = 'passkey_taken' | 'user_exists' | 'torrent_id_taken';

/** A write the registry refuses (e.g. a passkey held by another user); `code` says which rule. */
export class RegistryConflictError extends Error {
  override readonly name = 'RegistryConflictError';
  constructor(
    readonly code: RegistryConflictCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error putTorrent throws for the first conflict of its one-item batch. */
export const torrentIdTaken = (c: TorrentIdConflict): RegistryConflictError =>
  new RegistryConflictError('torrent_id_taken', `torrent_id ${c.torrentId} belongs to the torrent ${c.holder}`);
