import { slotTag } from './hash-slot.js';

// The one place that names Redis keys. docs/redis-keys.md lists the same keys with their types and
// who reads and writes them; a key added here is added there too.
//
// Keys of one swarm carry its info_hash as a hash tag (`{<40 hex>}`) so every key an announce touches
// on the swarm side lands in one Cluster slot.

/** The keys of one swarm, in the order the swarm scripts take them. */
export interface SwarmKeys {
  /** HASH peerKey → 44-byte peer record followed by the peer's state (see announce-19.lua). */
  peers: string;
  /** ZSET peerKey → slot: the seeders; the score is the peer's slot in `seederRecords`, 0 .. ZCARD - 1. */
  seeders: string;
  /** ZSET peerKey → slot: the leechers; the score is the peer's slot in `leecherRecords`. */
  leechers: string;
  /** STRING the seeders' 44-byte records end to end in slot order (valid up to ZCARD seeders × 44). */
  seederRecords: string;
  /** STRING the leechers' 44-byte records end to end in slot order (valid up to ZCARD leechers × 44). */
  leecherRecords: string;
  /** ZSET peerKey → unix seconds of the peer's last announce. */
  expiry: string;
  /** HASH registry fields + counters + rotation state of the torrent. */
  torrent: string;
  /** HASH user id → that user's live peers in the swarm (tracker.max_peers_per_user_torrent). */
  owners: string;
}

/** The keys of the SQL flush (see flush-prepare-var.lua). */
export interface FlushKeys {
  /** SET of user ids changed since their last flush. */
  dirtyUsers: string;
  /** SET of info_hashes whose counters or peer counts changed since their last flush. */
  dirtyTorrents: string;
  /** HASH torrent id → snatches not yet flushed of a deleted torrent (its row goes out with 0 peers). */
  goneTorrents: string;
  /** HASH `epoch` (random, set once), `seq` (last flush sequence): flush ids are `<epoch>:<seq>`. */
  ids: string;
  /** HASH flush id → prepared batch (text rows) not yet acknowledged as committed in SQL. */
  pending: string;
  /** LIST cheat events (cheats-list lines) not yet in a batch, oldest first (sql.flush.cheats.table). */
  cheats: string;
  /**
   * HASH `<info_hash><peerKey>` → User-Agent: peers (and so their ledgers) the site rows wait on
   * (sql.flush.history/peers/snatches); set by announce, reap and delete-torrent, taken by the flush.
   */
  dirtyPeers: string;
}

/**
 * Redis Cluster: the per-slot keys beside the swarms of one hash slot (`{<slot tag>}`), which the
 * swarm scripts write in the same step as the swarm. See docs/redis-keys.md, "Redis Cluster".
 */
export interface SlotKeys {
  /** ZSET info_hash -> reap time, for the swarms of this slot. */
  reap: string;
  /** HASH seeders, leechers over the swarms of this slot. */
  totals: string;
  /** SET "<info_hash> <uid>": ledgers whose user-side figures have not reached the user's hash yet. */
  unsynced: string;
  /** SET registered info_hashes of this slot. */
  torrents: string;
  /** HASH torrent id -> info_hash of this slot's torrents (what put-torrents writes beside them). */
  torrentIds: string;
  /** The flush keys the swarm scripts name (never written: the SQL flush does not run on a cluster). */
  dirtyTorrents: string;
  goneTorrents: string;
}

export class RedisKeys {
  /** SET of user ids with a registry record. */
  readonly users: string;
  /** HASH passkey → user id. */
  readonly passkeys: string;
  /** SET of registered info_hashes. */
  readonly torrents: string;
  /** HASH torrent id → info_hash; outlives the torrent so its user ledgers stay readable. */
  readonly torrentIds: string;
  /** HASH peer_id prefix (latin1) → client name. */
  readonly whitelist: string;
  /** HASH peer_id pattern (latin1, `?` any byte) → reason shown to a refused client. */
  readonly blacklist: string;
  /** ZSET info_hash → a time no later than the oldest last-announce in that swarm. */
  readonly reap: string;
  /** LIST of cheat events, newest first. */
  readonly cheats: string;
  /** HASH seeders, leechers: running totals over every swarm, moved by the scripts that move peers; cheats:<kind>, cheat events ever recorded. */
  readonly totals: string;
  /** HASH user id → that user's peers in a leechers zset over every swarm (leech slots; standalone only). */
  readonly leeching: string;
  /** Pub/sub channel of registry changes. */
  readonly events: string;
  /** STRING: JSON of the timed events added through the API (POST /api/events). */
  readonly creditEvents: string;
  /**
   * STRING the layout of the swarms this Redis holds: absent before rotations had slots (scores were
   * join sequences and there were no record strings), SWARM_LAYOUT once every swarm was migrated.
   */
  readonly layout: string;
  /** The SQL flush's keys (sql.flush; written only by a store made with `flush: true`). */
  readonly flush: FlushKeys;

  /** Where the user side lives: `<prefix>` standalone, `<prefix>{users}:` on a cluster (one slot). */
  private readonly userSide: string;

  /**
   * `cluster`: the Redis Cluster layout. The user side (registry, counters, cheats) shares the
   * `{users}` slot and the torrent registry index the `{torrents}` slot; swarms keep `{<ih>}`.
   */
  constructor(
    readonly prefix: string,
    readonly cluster = false,
  ) {
    const u = (this.userSide = cluster ? `${prefix}{users}:` : prefix);
    const t = cluster ? `${prefix}{torrents}:` : prefix;
    this.users = `${u}users`;
    this.passkeys = `${u}passkeys`;
    this.torrents = `${t}torrents`;
    this.torrentIds = `${t}torrent-ids`;
    this.whitelist = `${prefix}whitelist`;
    this.blacklist = `${prefix}blacklist`;
    this.reap = `${prefix}reap`;
    this.cheats = `${u}cheats`;
    this.totals = `${prefix}totals`;
    this.leeching = `${prefix}leeching`;
    this.events = `${prefix}events`;
    this.creditEvents = `${prefix}credit-events`;
    this.layout = `${prefix}layout`;
    this.flush = {
      dirtyUsers: `${prefix}flush:dirty-users`,
      dirtyTorrents: `${prefix}flush:dirty-torrents`,
      goneTorrents: `${prefix}flush:gone-torrents`,
      ids: `${prefix}flush:ids`,
      pending: `${prefix}flush:pending`,
      cheats: `${prefix}flush:cheats`,
      dirtyPeers: `${prefix}flush:dirty-peers`,
    };
  }

  swarm(infoHash: string): SwarmKeys {
    const tag = `${this.prefix}{${infoHash}}:`;
    return {
      peers: `${tag}peers`,
      seeders: `${tag}seeders`,
      leechers: `${tag}leechers`,
      seederRecords: `${tag}seeder-records`,
      leecherRecords: `${tag}leecher-records`,
      expiry: `${tag}expiry`,
      torrent: `${tag}torrent`,
      owners: `${tag}owners`,
    };
  }

  torrent(infoHash: string): string {
    return `${this.prefix}{${infoHash}}:torrent`;
  }

  /** HASH: what one user did on one torrent. */
  userTorrent(infoHash: string, userId: number): string {
    return `${this.prefix}{${infoHash}}:ut:${userId}`;
  }

  /** HASH: registry fields and counters of one user. */
  user(userId: number): string {
    return `${this.userSide}user:${userId}`;
  }

  /** SET of info_hashes the user ever announced. */
  userTorrents(userId: number): string {
    return `${this.userSide}user:${userId}:torrents`;
  }

  /** LIST of the user's adjustments (JSON, oldest first): POST /api/user/:id/adjust. */
  userAdjustments(userId: number): string {
    return `${this.userSide}user:${userId}:adjustments`;
  }

  /** Cluster: HASH info_hash -> the ledger figures already added to the user's counters (user-sync-4.lua). */
  userSeen(userId: number): string {
    return `${this.userSide}user:${userId}:seen`;
  }

  /** Cluster: the per-slot keys of `slot` (see hash-slot.ts). */
  slot(slot: number): SlotKeys {
    const tag = `${this.prefix}{${slotTag(slot)}}:`;
    return {
      reap: `${tag}reap`,
      totals: `${tag}totals`,
      unsynced: `${tag}unsynced`,
      torrents: `${tag}torrents`,
      torrentIds: `${tag}torrent-ids`,
      dirtyTorrents: `${tag}flush:dirty-torrents`,
      goneTorrents: `${tag}flush:gone-torrents`,
    };
  }
}
