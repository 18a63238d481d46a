import { isOvertaken, isTooEarly, oversizedFigure, settle, type CheatKind, type PeerState, type Report, type Settlement, type SwarmView } from '../../accounting/settle.js';
import { endpointText } from '../../net/ip-address.js';
import { peerInfo, peerKey, seedersFirst, userIdOfPeerKey } from '../peer-info.js';
import type { FlushBatch } from '../flush-batch.js';
import { addressKey, hasEndpoint, PEER_ID_LEN, RECORD_LEN, writeEndpoint } from '../peer-record.js';
import type { Adjustment, StoredCreditEvent, BlacklistEntry, CheatCounts, CheatEvent, PeerInfo, SwarmTotals, Torrent, TorrentStats, User, UserStats, UserTorrentEntry, UserTorrentStats, WhitelistEntry } from '../records.js';
import { Bytes20Index, type Chained } from '../bytes-index.js';
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
import { CheatLog, type LoggedCheat } from './cheat-log.js';
import { K, kindOf, readPeerRow, restOf, type Journal, type PeerRow, type SwarmRow } from './journal.js';
import { MemoryFlush, type FlushSiteSource } from './memory-flush.js';
import { Liveness, type Listed } from './liveness.js';
import { Rotation, type Rotating } from './rotation.js';

/** One peer of a swarm; updated in place, so it doubles as its own entry in the liveness list, a rotation and the swarm's index. */
interface Peer extends Rotating, Chained, Listed, PeerState {
  swarm: Swarm;
  /** `<uid>:<peer_id latin1>`: the journal's and the flush's name for it, made once when the peer joins. */
  key: string;
  userId: number;
  record: Buffer;
  /**
   * Its last announce's counters: the peer itself, whose PeerState fields are overwritten in place
   * by each announce (no object per announce, and none beside the peer to reach in a big swarm);
   * kept as a field for the readers of `{ record, state }` (the journal's peer row, the flush).
   */
  state: PeerState;
}

const userOfPeer = (p: Peer): number => p.userId;
const recordOfPeer = (p: Peer): Buffer => p.record;

/** Every peer is made here, so that all have one shape. */
function newPeer(swarm: Swarm, key: string, userId: number, record: Buffer, uploaded: number, downloaded: number, left: number, lastSeen: number): Peer {
  const peer: Peer = { swarm, key, userId, record, uploaded, downloaded, left, lastSeen, state: undefined as unknown as PeerState, at: -1, hash: 0, sameHash: undefined, older: undefined, newer: undefined };
  peer.state = peer;
  return peer;
}

/** One torrent's swarm: its peers, their rotations, its counters and what the ledger rules read of it. */
interface Swarm {
  infoHash: string;
  /** By user and peer_id (the record's first 20 bytes). */
  peers: Bytes20Index<Peer>;
  seeders: Rotation<Peer>;
  leechers: Rotation<Peer>;
  stats: TorrentStats;
  /** User id → that user's live peers here (the per-user peer limit); a user with none has no entry. */
  owners: Map<number, number>;
  /** addressKey of a peer's record → live peers under it here (the per-IP peer limit); derived from the records. */
  addresses: Map<string, number>;
  /** Unix seconds of the last announce that saw a leecher here, 0 before any (the no-leechers rule). */
  lastLeecherAt: number;
}

/**
 * One user's ledger on one torrent: what the API shows (`stats`) and the state settle() shares
 * between all the user's peer_ids there.
 */
interface Ledger {
  infoHash: string;
  torrentId: number;
  stats: UserTorrentStats;
  /** Unix ms since which the upload budget accrues. */
  budgetAt: number;
  /** Unix seconds up to which wall time was accrued. */
  clockAt: number;
  // The site rows' (sql.flush.history, sql.flush.snatches); absent in a ledger kept before them.
  /** Announces settled on the ledger while the site rows were on (announce-19.lua counts the same). */
  announces?: number;
  /** Unix seconds and address text of the snatch. */
  completedAt?: number;
  completedIp?: string;
  /** The snatch went into a SQL flush batch. */
  snatchFlushed?: boolean;
}

const CHEAT_LOG_MAX = 10_000;

type Transfer = Pick<UserStats, 'uploadedRaw' | 'downloadedRaw' | 'uploaded' | 'downloaded'>;

/** Adds one announce's raw and credited transfer to a ledger (user, torrent or user-torrent). */
function addTransfer(ledger: Transfer, s: Settlement): void {
  ledger.uploadedRaw += s.upRaw;
  ledger.downloadedRaw += s.downRaw;
  ledger.uploaded += s.up;
  ledger.downloaded += s.down;
}

const emptyUserStats = (): UserStats => ({ uploadedRaw: 0, downloadedRaw: 0, uploaded: 0, downloaded: 0, bonus: 0, snatches: 0, announces: 0, cheats: 0 });
const emptyTorrentStats = (): TorrentStats => ({ seeders: 0, leechers: 0, snatches: 0, uploadedRaw: 0, downloadedRaw: 0, uploaded: 0, downloaded: 0, announces: 0 });

/**
 * The embedded store: all state in this process, nothing to install. It loses everything when the
 * process ends (SQL flush changes not yet flushed included), so it suits a single instance and
 * tests; production sites use the Redis store.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly registry = new RegistryCache();
  private readonly swarms = new Map<string, Swarm>();
  /** Every live peer in order of last announce, oldest first: the reaper reads from the front. */
  private readonly liveness = new Liveness<Peer>();
  private readonly users = new Map<number, UserStats>();
  /** user id → torrent id → ledger (numeric keys: no key string to build and hash per announce). */
  private readonly ledgers = new Map<number, Map<number, Ledger>>();
  /** User id → its adjustments, oldest first. */
  private readonly adjusted = new Map<number, Adjustment[]>();
  /** The newest CHEAT_LOG_MAX cheat events. */
  private readonly cheats = new CheatLog(CHEAT_LOG_MAX);
  /** Cheat events ever recorded, per kind. */
  private readonly cheatTally: CheatCounts = { upload_rate: 0, no_leechers: 0 };
  /**
   * User id → that user's peers in a leechers rotation over every swarm (leech slots); a user with
   * none has no entry. Derived from the swarms: moved wherever a leechers rotation gains or loses a
   * member (leechingMoved), never stored on its own.
   */
  private readonly leeching = new Map<number, number>();
  /** Cheat events ever logged: names each one for the journal. */
  private cheatSeq = 0;
  /** Seeders and leechers over every swarm, moved wherever a rotation gains or loses a member. */
  private readonly running: SwarmTotals = { seeders: 0, leechers: 0 };
  /** What settle() reads of the announcing peer's swarm, refilled per announce (no allocation on the hot path). */
  private readonly view: SwarmView = { seeders: 0, leechers: 0, lastLeecherAt: 0 };
  /** What settle() reads of the announce itself, refilled the same way. */
  private readonly report: Report = { uploaded: 0, downloaded: 0, left: 0, event: '', now: 0, nowMs: 0 };
  /** Changes for the SQL flush; only when made with `flush: true`. */
  private readonly flush: MemoryFlush | undefined;

  /** Told of every record an operation changes (see journal.ts); registry writes are the keeper's to note. */
  private readonly journal: Journal | undefined;

  /**
   * `flushCheats`: the flush's batches carry the cheat events too (sql.flush.cheats.table);
   * `flushSite`: and the site rows, history, peers and snatches (sql.flush.history/peers/snatches).
   */
  constructor(opts: { flush?: boolean; flushCheats?: boolean; flushSite?: boolean; journal?: Journal } = {}) {
    this.journal = opts.journal;
    this.flush = opts.flush ? new MemoryFlush(opts.journal, opts.flushCheats, opts.flushSite) : undefined;
  }

  /**
   * Puts back the records a journal kept, before the store is used: the registry, the ledgers, the
   * cheat log and its counts, the flush's state and every peer (in order of last announce, for the
   * reaper; each swarm's per-user and per-address counts and the users' leeching peers rebuilt from
   * them).
   */
  restore(records: Iterable<{ key: string; value: unknown }>): void {
    const peers: Array<{ infoHash: string; key: string; row: PeerRow }> = [];
    for (const { key, value } of records) {
      const rest = restOf(key);
      switch (kindOf(key)) {
        // A user kept before leech slots has none: no limit.
        case 'ru': {
          const user = value as User;
          this.registry.setUser({ ...user, leechSlots: user.leechSlots ?? 0 });
          break;
        }
        case 'rt': this.registry.setTorrent(value as Torrent); break;
        case 'rw': this.registry.setWhitelist(value as WhitelistEntry); break;
        case 'rb': this.registry.setBlacklist(value as BlacklistEntry); break;
        case 'us': this.users.set(Number(rest), value as UserStats); break;
        case 'ts': {
          const swarm = this.swarm(rest);
          ({ stats: swarm.stats, lastLeecherAt: swarm.lastLeecherAt } = value as SwarmRow);
          break;
        }
        case 'ut': {
          const ledger = value as Ledger;
          const userId = Number(rest.slice(0, rest.indexOf('/')));
          let ledgers = this.ledgers.get(userId);
          if (!ledgers) this.ledgers.set(userId, (ledgers = new Map()));
          ledgers.set(ledger.torrentId, ledger);
          break;
        }
        case 'p': peers.push({ infoHash: rest.slice(0, 40), key: rest.slice(41), row: readPeerRow(value) }); break;
        case 'c':
          this.cheats.add(value as LoggedCheat);
          this.cheatSeq = Number(rest) + 1;
          break;
        case 'cc': Object.assign(this.cheatTally, value as CheatCounts); break;
        case 'ad': this.adjusted.set(Number(rest), value as Adjustment[]); break;
        case 'ev': this.registry.setCreditEvents(value as StoredCreditEvent[]); break;
        // Flush records when the flush is off now: left as they are for a start with it on.
        default: this.flush?.restore(key, value);
      }
    }
    peers.sort((a, b) => a.row[4] - b.row[4]);
    for (const { infoHash, key, row } of peers) {
      const swarm = this.swarm(infoHash);
      const [record, uploaded, downloaded, left, lastSeen] = row;
      const userId = userIdOfPeerKey(key);
      const peer = newPeer(swarm, key, userId, Buffer.from(record), uploaded, downloaded, left, lastSeen);
      swarm.peers.add(peer);
      swarm.owners.set(userId, (swarm.owners.get(userId) ?? 0) + 1);
      this.liveness.touch(peer);
      const { size: seeders } = swarm.seeders;
      const { size: leechers } = swarm.leechers;
      (left === 0 ? swarm.seeders : swarm.leechers).add(peer);
      this.running.seeders += swarm.seeders.size - seeders;
      this.running.leechers += swarm.leechers.size - leechers;
      // The per-IP and leech-slot counts are derived from the peers, never stored.
      countAddress(swarm, addressKey(peer.record), 1);
      if (swarm.leechers.size !== leechers) this.leechingMoved(userId, 1);
    }
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  // One process, no other instances: nobody to tell, nobody to hear from.
  async publishReload(): Promise<void> {}

  onReload(): void {}
  async ping(): Promise<boolean> {
    return true;
  }

  userByPasskey(passkey: string): User | undefined {
    return this.registry.userByPasskey(passkey);
  }
  userById(id: number): User | undefined {
    return this.registry.userById(id);
  }
  torrentByInfoHash(infoHash: string): Torrent | undefined {
    return this.registry.torrentByInfoHash(infoHash);
  }
  torrentByInfoHashBytes(infoHash: Buffer): Torrent | undefined {
    return this.registry.torrentByInfoHashBytes(infoHash);
  }
  torrentById(id: number): Torrent | undefined {
    return this.registry.torrentById(id);
  }
  creditEvents(): readonly StoredCreditEvent[] {
    return this.registry.creditEvents();
  }
  async putCreditEvents(events: StoredCreditEvent[]): Promise<void> {
    const copy = events.map((e) => ({ ...e }));
    this.registry.setCreditEvents(copy);
    this.journal?.(K.creditEvents, copy);
  }
  whitelistMatch(peerId: Buffer): WhitelistEntry | undefined {
    return this.registry.whitelistMatch(peerId);
  }
  whitelist(): WhitelistEntry[] {
    return this.registry.whitelist();
  }
  blacklistMatch(peerId: Buffer): BlacklistEntry | undefined {
    return this.registry.blacklistMatch(peerId);
  }
  blacklist(): BlacklistEntry[] {
    return this.registry.blacklist();
  }
  counts(): RegistryCounts {
    return this.registry.counts();
  }
  userIds(): number[] {
    return this.registry.userIds();
  }
  infoHashes(): string[] {
    return this.registry.infoHashes();
  }

  // No await between the check and the write: racing creates run one after the other.
  async createUser(user: User): Promise<void> {
    if (this.registry.userById(user.id)) throw new RegistryConflictError('user_exists', `user ${user.id} exists already`);
    await this.putUser(user);
  }

  async putUser(user: User): Promise<void> {
    const [conflict] = await this.putUsers([user]);
    if (conflict) throw new RegistryConflictError('passkey_taken', `passkey already belongs to user ${conflict.holder}`);
  }

  async putUsers(users: User[]): Promise<PasskeyConflict[]> {
    const conflicts: PasskeyConflict[] = [];
    for (const user of users) {
      const holder = this.registry.passkeyHolder(user.passkey, user.id);
      if (holder) conflicts.push({ userId: user.id, holder: holder.id });
      else this.registry.setUser({ ...user });
    }
    return conflicts;
  }

  async deleteUser(id: number): Promise<void> {
    this.registry.deleteUser(id);
  }

  async deleteUsers(ids: number[]): Promise<number> {
    let had = 0;
    for (const id of ids) {
      if (this.registry.userById(id)) had++;
      this.registry.deleteUser(id);
    }
    return had;
  }

  async putTorrent(torrent: Torrent): Promise<void> {
    const [conflict] = await this.putTorrents([torrent]);
    if (conflict) throw torrentIdTaken(conflict);
  }

  async putTorrents(torrents: Torrent[]): Promise<TorrentIdConflict[]> {
    const conflicts: TorrentIdConflict[] = [];
    for (const torrent of torrents) {
      const holder = this.registry.torrentIdHolder(torrent.id, torrent.infoHash);
      if (holder) conflicts.push({ infoHash: torrent.infoHash, torrentId: torrent.id, holder: holder.infoHash });
      else this.registry.setTorrent({ ...torrent });
    }
    return conflicts;
  }

  async deleteTorrent(infoHash: string): Promise<void> {
    const registered = this.registry.torrentByInfoHash(infoHash);
    if (registered) this.flush?.torrentDeleted(infoHash, registered.id, this.swarms.get(infoHash)?.stats.snatches ?? 0);
    this.registry.deleteTorrent(infoHash);
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return;
    for (const peer of swarm.peers.values()) {
      if (registered) this.markGone(peer, registered.id);
      this.liveness.delete(peer);
      if (swarm.leechers.has(peer)) this.leechingMoved(peer.userId, -1);
      this.journal?.(K.peer(infoHash, peer.key), undefined);
    }
    this.journal?.(K.torrentStats(infoHash), undefined);
    this.running.seeders -= swarm.seeders.size;
    this.running.leechers -= swarm.leechers.size;
    this.swarms.delete(infoHash);
  }

  async deleteTorrents(infoHashes: string[]): Promise<number> {
    let had = 0;
    for (const ih of infoHashes) {
      if (this.registry.torrentByInfoHash(ih)) had++;
      await this.deleteTorrent(ih);
    }
    return had;
  }

  async putWhitelist(entry: WhitelistEntry): Promise<void> {
    this.registry.setWhitelist({ ...entry });
  }

  async putWhitelistEntries(entries: WhitelistEntry[]): Promise<void> {
    for (const entry of entries) this.registry.setWhitelist({ ...entry });
  }

  async deleteWhitelist(prefix: string): Promise<void> {
    this.registry.deleteWhitelist(prefix);
  }

  async putBlacklist(entry: BlacklistEntry): Promise<void> {
    this.registry.setBlacklist({ ...entry });
  }

  async deleteBlacklist(pattern: string): Promise<void> {
    this.registry.deleteBlacklist(pattern);
  }

  async announce(input: AnnounceInput): Promise<AnnounceResult> {
    const { user, torrent, event, now } = input;
    const swarm = this.swarm(torrent.infoHash);
    const peer = swarm.peers.get(user.id, input.peerId);
    // A known peer's key was made when it joined: none is built per announce.
    const key = peer ? peer.key : peerKey(user.id, input.peerId);
    if (isOvertaken(peer?.state, now)) throw new StorageUnavailableError(new Error(OVERTAKEN));

    if (event === 'stopped' && !peer) {
      this.countAnnounce(user.id, swarm);
      return this.result(swarm, NO_PEERS, false, true);
    }
    if (!peer) {
      const refused = this.overLimit(swarm, user.id, input);
      if (refused) return refusedResult(refused);
    }
    // Leech slots: checked when the peer would join the leechers (new, or a seeder leeching again);
    // a peer already leeching keeps its slot.
    if (user.leechSlots > 0 && input.left > 0 && event !== 'stopped' && !(peer && swarm.leechers.has(peer)) && (this.leeching.get(user.id) ?? 0) >= user.leechSlots) {
      return refusedResult('leech_slots');
    }

    const ledger = this.ledgerOf(user.id, torrent.id, torrent.infoHash, input);
    this.journal?.(K.ledger(user.id, torrent.id), ledger);
    const ut = ledger.stats;
    const report = this.report;
    report.uploaded = input.uploaded;
    report.downloaded = input.downloaded;
    report.left = input.left;
    report.event = event;
    report.now = now;
    report.nowMs = input.nowMs;
    const view = this.view;
    view.seeders = swarm.seeders.size;
    view.leechers = swarm.leechers.size;
    view.lastLeecherAt = swarm.lastLeecherAt;
    const s = settle(peer?.state, report, input.rules, ut, ledger, view);
    // Checked before anything is written: an announce the ledger cannot take changes nothing.
    const oversized = oversizedFigure(s);
    if (oversized) throw new FigureRangeError(oversized);
    const tooEarly = isTooEarly(peer?.state, report, input.minInterval);

    const userStats = this.countAnnounce(user.id, swarm);
    userStats.bonus += s.bonus;
    addTransfer(userStats, s);
    addTransfer(swarm.stats, s);
    addTransfer(ut, s);
    ut.seedTime += s.seedTime;
    ut.leechTime += s.leechTime;
    ut.left = input.left;
    ut.lastSeen = now;
    ut.stopped = event === 'stopped';
    if (input.creditRule !== undefined) ut.rule = input.creditRule;
    ledger.budgetAt = s.budgetAt;
    ledger.clockAt = s.clockAt;
    if (s.snatch) {
      ut.snatched = true;
      ledger.completedAt = now;
      ledger.completedIp = endpointText(input.endpoint);
      userStats.snatches++;
      swarm.stats.snatches++;
      this.flush?.markTorrent(swarm.infoHash);
    }
    if (this.flush && (s.upRaw !== 0 || s.downRaw !== 0 || s.bonus !== 0 || s.snatch)) this.flush.markUser(user.id);
    // Site rows (sql.flush.history/peers/snatches): the peer and its ledger go out in the next batch.
    if (this.flush?.site) {
      ledger.announces = (ledger.announces ?? 0) + 1;
      this.flush.markPeer(torrent.infoHash, key, torrent.id, input.userAgent ?? '');
    }
    if (s.cheat) {
      userStats.cheats++;
      // The key ends with the peer_id's bytes as latin1: no encoding here (the log makes hex when read).
      const peerIdLatin1 = key.slice(key.length - input.peerId.length);
      this.recordCheat({ kind: s.cheat.kind, at: now, userId: user.id, torrentId: torrent.id, peerIdLatin1, rate: s.cheat.rate, reported: s.cheat.reported, allowed: s.cheat.allowed });
    }
    // A leecher was here when this announce came (itself, if it leaves or completes now).
    if (swarm.leechers.size > 0) swarm.lastLeecherAt = now;

    if (event === 'stopped') {
      this.dropPeer(peer!);
      return this.result(swarm, NO_PEERS, false, false);
    }

    const seeder = input.left === 0;
    let member: Peer;
    if (peer) {
      // A re-announce from where the peer was keeps its record (no new Buffer per announce).
      if (!hasEndpoint(peer.record, input.endpoint)) {
        const record = writeEndpoint(peer.record, input.peerId, input.endpoint);
        // A peer that moved (or gained an IPv4 endpoint) counts under its new address from now on.
        countAddress(swarm, addressKey(peer.record), -1);
        countAddress(swarm, addressKey(record), 1);
        peer.record = record;
        // Whichever rotation holds it hands out the new endpoint from now on.
        swarm.seeders.update(peer);
        swarm.leechers.update(peer);
      }
      const state = peer.state;
      state.uploaded = input.uploaded;
      state.downloaded = input.downloaded;
      state.left = input.left;
      state.lastSeen = now;
      // Moved to the back: the liveness list stays ordered by last announce.
      this.liveness.touch(peer);
      this.journal?.(K.peer(torrent.infoHash, key), peer);
      member = peer;
    } else {
      const fresh = newPeer(swarm, key, user.id, writeEndpoint(undefined, input.peerId, input.endpoint), input.uploaded, input.downloaded, input.left, now);
      swarm.peers.add(fresh);
      swarm.owners.set(user.id, (swarm.owners.get(user.id) ?? 0) + 1);
      countAddress(swarm, addressKey(fresh.record), 1);
      this.liveness.touch(fresh);
      this.journal?.(K.peer(torrent.infoHash, key), fresh);
      member = fresh;
    }
    // A peer joins the back of its rotation; one that changes side leaves the other one.
    const { size: seeders } = swarm.seeders;
    const { size: leechers } = swarm.leechers;
    (seeder ? swarm.leechers : swarm.seeders).delete(member);
    (seeder ? swarm.seeders : swarm.leechers).add(member);
    if (swarm.leechers.size !== leechers) this.leechingMoved(user.id, swarm.leechers.size - leechers);
    this.tally(swarm, seeders, leechers);
    if (!seeder) swarm.lastLeecherAt = now;

    let peers = NO_PEERS;
    if (!tooEarly && input.numwant > 0) {
      // A seeder or a partial seed (BEP 21 paused) has no use for seeders.
      const fromSeeders = !seeder && event !== 'paused' ? swarm.seeders.available(input.numwant, member) : 0;
      const fromLeechers = swarm.leechers.available(input.numwant - fromSeeders, member);
      if (fromSeeders + fromLeechers > 0) {
        peers = Buffer.allocUnsafe((fromSeeders + fromLeechers) * RECORD_LEN);
        swarm.leechers.take(fromLeechers, member, peers, swarm.seeders.take(fromSeeders, member, peers, 0));
      }
    }
    return this.result(swarm, peers, tooEarly, false);
  }

  async scrape(infoHashes: string[]): Promise<ScrapeEntry[]> {
    const out: ScrapeEntry[] = [];
    for (const infoHash of infoHashes) {
      if (!this.registry.torrentByInfoHash(infoHash)) continue;
      const swarm = this.swarms.get(infoHash);
      out.push({
        infoHash,
        complete: swarm?.seeders.size ?? 0,
        incomplete: swarm?.leechers.size ?? 0,
        downloaded: swarm?.stats.snatches ?? 0,
      });
    }
    return out;
  }

  async reap(now: number, ttl: number): Promise<number> {
    const cutoff = now - ttl;
    let reaped = 0;
    for (const peer of this.liveness.oldestFirst()) {
      if (peer.state.lastSeen >= cutoff) break;
      this.markGone(peer);
      this.dropPeer(peer);
      reaped++;
    }
    return reaped;
  }

  async userStats(id: number): Promise<UserStats> {
    return { ...(this.users.get(id) ?? emptyUserStats()) };
  }

  async torrentStats(infoHash: string): Promise<TorrentStats> {
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return emptyTorrentStats();
    return { ...swarm.stats, seeders: swarm.seeders.size, leechers: swarm.leechers.size };
  }

  async userTorrentStats(userId: number, torrentId: number): Promise<UserTorrentStats | undefined> {
    const entry = this.ledgers.get(userId)?.get(torrentId);
    return entry && { ...entry.stats };
  }

  async cheatEvents(limit: number, filter: CheatFilter = {}): Promise<CheatEvent[]> {
    return this.cheats.newest(limit, (e) => (filter.userId === undefined || e.userId === filter.userId) && (filter.kind === undefined || e.kind === filter.kind));
  }

  async cheatCounts(): Promise<CheatCounts> {
    return { ...this.cheatTally };
  }

  async peers(infoHash: string): Promise<PeerInfo[]> {
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return [];
    return seedersFirst([...swarm.peers.values()].map((p) => peerInfo(userIdOfPeerKey(p.key), p.record, p.state)));
  }

  async userTorrents(userId: number): Promise<UserTorrentEntry[]> {
    const ledgers = this.ledgers.get(userId);
    if (!ledgers) return [];
    return [...ledgers.values()]
      .map((e) => ({ infoHash: e.infoHash, torrentId: e.torrentId, stats: { ...e.stats } }))
      .sort((a, b) => (a.infoHash < b.infoHash ? -1 : a.infoHash > b.infoHash ? 1 : 0));
  }

  async totals(): Promise<SwarmTotals> {
    return { ...this.running };
  }

  async adjustUser(a: Adjustment): Promise<void> {
    const stats = this.userStatsOf(a.userId);
    stats.uploaded += a.uploaded;
    stats.downloaded += a.downloaded;
    let list = this.adjusted.get(a.userId);
    if (!list) this.adjusted.set(a.userId, (list = []));
    list.push({ ...a });
    this.journal?.(K.userStats(a.userId), stats);
    this.journal?.(K.adjustments(a.userId), list);
    this.flush?.markUser(a.userId);
  }

  async adjustments(userId: number): Promise<Adjustment[]> {
    return (this.adjusted.get(userId) ?? []).map((a) => ({ ...a }));
  }

  async prepareFlush(max: number): Promise<FlushBatch | undefined> {
    return this.flush?.prepare(
      max,
      (id) => this.users.get(id),
      (infoHash) => {
        const torrent = this.registry.torrentByInfoHash(infoHash);
        if (!torrent) return undefined;
        const swarm = this.swarms.get(infoHash);
        return { torrentId: torrent.id, figures: swarm && { seeders: swarm.seeders.size, leechers: swarm.leechers.size, snatches: swarm.stats.snatches } };
      },
      { total: Object.values(this.cheatTally).reduce((a, b) => a + b, 0), held: this.cheats.size, last: (n) => this.cheats.last(n) },
      this.siteSource,
    );
  }

  /** What the flush's site rows read (memory-flush.ts). */
  private readonly siteSource: FlushSiteSource = {
    peer: (infoHash, key) => this.swarms.get(infoHash)?.peers.get(userIdOfPeerKey(key), Buffer.from(key.slice(key.length - PEER_ID_LEN), 'latin1')),
    ledger: (userId, torrentId) => this.ledgers.get(userId)?.get(torrentId),
    active: (infoHash, userId) => (this.swarms.get(infoHash)?.owners.get(userId) ?? 0) > 0,
    snatchFlushed: (userId, torrentId) => {
      const ledger = this.ledgers.get(userId)?.get(torrentId);
      if (!ledger) return;
      ledger.snatchFlushed = true;
      this.journal?.(K.ledger(userId, torrentId), ledger);
    },
  };

  async pendingFlushes(): Promise<FlushBatch[]> {
    return this.flush?.pendingBatches() ?? [];
  }

  async ackFlush(id: string): Promise<void> {
    this.flush?.ack(id);
  }

  private swarm(infoHash: string): Swarm {
    let swarm = this.swarms.get(infoHash);
    if (!swarm) {
      swarm = { infoHash, peers: new Bytes20Index(userOfPeer, recordOfPeer), seeders: new Rotation(), leechers: new Rotation(), stats: emptyTorrentStats(), owners: new Map(), addresses: new Map(), lastLeecherAt: 0 };
      this.swarms.set(infoHash, swarm);
    }
    return swarm;
  }

  private userStatsOf(id: number): UserStats {
    let stats = this.users.get(id);
    if (!stats) {
      stats = emptyUserStats();
      this.users.set(id, stats);
    }
    return stats;
  }

  /** The user's ledger on the torrent; a new one has budget and clock at 0 (the peer's own last announce bounds both). */
  private ledgerOf(userId: number, torrentId: number, infoHash: string, input: AnnounceInput): Ledger {
    let ledgers = this.ledgers.get(userId);
    if (!ledgers) this.ledgers.set(userId, (ledgers = new Map()));
    let ledger = ledgers.get(torrentId);
    if (!ledger) {
      const stats = { uploadedRaw: 0, downloadedRaw: 0, uploaded: 0, downloaded: 0, seedTime: 0, leechTime: 0, snatched: false, left: input.left, firstSeen: input.now, lastSeen: input.now, stopped: false };
      ledger = { infoHash, torrentId, stats, budgetAt: 0, clockAt: 0 };
      ledgers.set(torrentId, ledger);
    }
    return ledger;
  }

  /** The limit a new peer of `userId` would break in `swarm`, if any. */
  private overLimit(swarm: Swarm, userId: number, input: AnnounceInput): PeerLimitKind | undefined {
    const max = input.limits.perUserTorrent;
    if (max > 0 && (swarm.owners.get(userId) ?? 0) >= max) return 'peers_per_user_torrent';
    const perIp = input.limits.perIpTorrent;
    // A new peer's record holds only this announce's endpoint: its address is the endpoint's.
    if (perIp > 0 && (swarm.addresses.get(input.endpoint.toString('latin1', 0, input.endpoint.length - 2)) ?? 0) >= perIp) return 'peers_per_ip_torrent';
    return undefined;
  }

  private countAnnounce(userId: number, swarm: Swarm): UserStats {
    const userStats = this.userStatsOf(userId);
    userStats.announces++;
    swarm.stats.announces++;
    const { journal } = this;
    if (journal) {
      journal(K.userStats(userId), userStats);
      // The swarm's counters and its last-leecher time (swarmRow): moved by every announce.
      journal(K.torrentStats(swarm.infoHash), swarm);
    }
    return userStats;
  }

  private recordCheat(event: LoggedCheat): void {
    this.cheats.add(event);
    const seq = this.cheatSeq++;
    this.journal?.(K.cheat(seq), event);
    // The ring let go of the oldest event: so does the file.
    if (seq >= CHEAT_LOG_MAX) this.journal?.(K.cheat(seq - CHEAT_LOG_MAX), undefined);
    this.cheatTally[event.kind as CheatKind]++;
    this.journal?.(K.cheatCounts, this.cheatTally);
  }

  /** Site rows: a peer reaped or dropped with its torrent leaves the site's peers in the next batch. */
  private markGone(peer: Peer, torrentId = this.registry.torrentByInfoHash(peer.swarm.infoHash)?.id): void {
    if (this.flush?.site && torrentId !== undefined) this.flush.markPeer(peer.swarm.infoHash, peer.key, torrentId, '');
  }

  private dropPeer(peer: Peer): void {
    const { swarm, key } = peer;
    const owned = (swarm.owners.get(peer.userId) ?? 1) - 1;
    if (owned > 0) swarm.owners.set(peer.userId, owned);
    else swarm.owners.delete(peer.userId);
    countAddress(swarm, addressKey(peer.record), -1);
    const { size: seeders } = swarm.seeders;
    const { size: leechers } = swarm.leechers;
    swarm.peers.delete(peer);
    swarm.seeders.delete(peer);
    swarm.leechers.delete(peer);
    if (swarm.leechers.size !== leechers) this.leechingMoved(peer.userId, -1);
    this.tally(swarm, seeders, leechers);
    this.liveness.delete(peer);
    this.journal?.(K.peer(swarm.infoHash, key), undefined);
  }

  /** Moves a user's leeching peers (leech slots) by `delta`; a user at 0 leaves the map. */
  private leechingMoved(userId: number, delta: number): void {
    const n = (this.leeching.get(userId) ?? 0) + delta;
    if (n > 0) this.leeching.set(userId, n);
    else this.leeching.delete(userId);
  }

  /** Moves the running totals by what the swarm's rotations changed since they held `seeders` and `leechers`. */
  private tally(swarm: Swarm, seeders: number, leechers: number): void {
    this.running.seeders += swarm.seeders.size - seeders;
    this.running.leechers += swarm.leechers.size - leechers;
    if (this.flush && (swarm.seeders.size !== seeders || swarm.leechers.size !== leechers)) this.flush.markTorrent(swarm.infoHash);
  }

  private result(swarm: Swarm, peers: Buffer, tooEarly: boolean, unknownPeer: boolean): AnnounceResult {
    return { seeders: swarm.seeders.size, leechers: swarm.leechers.size, snatches: swarm.stats.snatches, peers, tooEarly, unknownPeer };
  }
}

/** Moves the live peers under one address of a swarm by `delta`; an address at 0 leaves the map. */
function countAddress(swarm: Swarm, address: string, delta: number): void {
  const n = (swarm.addresses.get(address) ?? 0) + delta;
  if (n > 0) swarm.addresses.set(address, n);
  else swarm.addresses.delete(address);
}
