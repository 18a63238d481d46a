import { randomBytes } from 'node:crypto';
import { bonusMillionths, bySeq, type FlushBatch, type FlushHistoryRow, type FlushPeerRow, type FlushSnatchRow, type FlushTorrentRow, type FlushUserRow } from '../flush-batch.js';
import { peerInfo, userIdOfPeerKey } from '../peer-info.js';
import { PEER_ID_LEN } from '../peer-record.js';
import type { CheatEvent, TorrentStats, UserStats, UserTorrentStats } from '../records.js';
import type { PeerState } from '../../accounting/settle.js';
import { K, kindOf, restOf, type Journal } from './journal.js';

type UserFigures = Pick<UserStats, 'uploadedRaw' | 'downloadedRaw' | 'uploaded' | 'downloaded' | 'snatches'> & { bonusMillionths: number };
type TorrentFigures = Pick<TorrentStats, 'seeders' | 'leechers' | 'snatches'>;

const USER_FIELDS = ['uploadedRaw', 'downloadedRaw', 'uploaded', 'downloaded', 'bonusMillionths', 'snatches'] as const;

/** What a torrent of the memory store shows the flush: its id, and its figures while it has a swarm. */
export interface FlushTorrentSource {
  torrentId: number;
  figures: TorrentFigures | undefined;
}

/**
 * The memory store's side of the SQL flush, the same rules as flush-prepare-var.lua and the marks
 * of the announce, reap-swarm and delete-torrent scripts. Everything here lives in the process: what
 * was not flushed when it ends is lost, like the rest of the memory store, unless a journal keeps
 * each change (the embedded store) and `restore` reads them back.
 */
/** The store's cheat log as the flush reads it: events ever recorded, and the newest still held. */
export interface FlushCheatSource {
  total: number;
  held: number;
  /** The newest `n` (n ≤ held), oldest first. */
  last(n: number): CheatEvent[];
}

/** What the site rows read of a (user, torrent) ledger (sql.flush.history, sql.flush.snatches). */
export interface FlushLedgerSource {
  stats: UserTorrentStats;
  /** Announces settled on the ledger (absent in a ledger written before the site rows). */
  announces?: number | undefined;
  /** Unix seconds and address text of the snatch (absent before it, or before the site rows). */
  completedAt?: number | undefined;
  completedIp?: string | undefined;
  /** The snatch went into a batch. */
  snatchFlushed?: boolean | undefined;
}

/** The store as the site rows read it. */
export interface FlushSiteSource {
  peer(infoHash: string, peerKey: string): { record: Buffer; state: PeerState } | undefined;
  ledger(userId: number, torrentId: number): FlushLedgerSource | undefined;
  /** Whether the user has a live peer in the swarm. */
  active(infoHash: string, userId: number): boolean;
  /** Records that the ledger's snatch is in a batch (and journals the ledger). */
  snatchFlushed(userId: number, torrentId: number): void;
}

export class MemoryFlush {
  /**
   * Cheat events (counted over the store's life) already in a batch: the unflushed ones are the
   * log's newest `total - cheatsTaken`. A count, not a copy of the events, so a store that keeps
   * the cheat log on disk keeps only this beside it (with the flush's epoch and seq).
   */
  private cheatsTaken = 0;

  private readonly dirtyUsers = new Set<number>();
  private readonly dirtyTorrents = new Set<string>();
  /** `<info_hash><peerKey>` → [torrent id, User-Agent]: peers (and their ledgers) the site rows wait on. */
  private readonly dirtyPeers = new Map<string, [number, string]>();
  /** Torrent id → snatches a deleted torrent had not flushed. */
  private readonly gone = new Map<number, number>();
  /** What was flushed last (users are never forgotten, as their Redis hash is kept). */
  private readonly sentUsers = new Map<number, UserFigures>();
  private readonly sentTorrents = new Map<string, TorrentFigures>();
  private readonly pending = new Map<string, FlushBatch>();
  /** New per store: ids never repeat those of an earlier process in the flush log. */
  private epoch = randomBytes(8).toString('hex');
  private seq = 0;

  /**
   * `journal`: told of every flush record changed (the embedded store); `cheats`: cheat events go
   * into the batches too (sql.flush.cheats.table).
   */
  constructor(
    private readonly journal?: Journal,
    private readonly cheats = false,
    /** The site rows (history, peers, snatches) go into the batches too. */
    readonly site = false,
  ) {}

  /** A peer that announced, stopped or was reaped: its row and its ledger's go out in the next batch. */
  markPeer(infoHash: string, peerKey: string, torrentId: number, userAgent: string): void {
    const key = infoHash + peerKey;
    const mark: [number, string] = [torrentId, userAgent];
    this.dirtyPeers.set(key, mark);
    this.journal?.(K.flushDirtyPeer(key), mark);
  }

  markUser(id: number): void {
    if (this.dirtyUsers.has(id)) return;
    this.dirtyUsers.add(id);
    this.journal?.(K.flushDirtyUser(id), true);
  }

  markTorrent(infoHash: string): void {
    if (this.dirtyTorrents.has(infoHash)) return;
    this.dirtyTorrents.add(infoHash);
    this.journal?.(K.flushDirtyTorrent(infoHash), true);
  }

  /** Puts back one record a journal kept; false when the key is not the flush's. */
  restore(key: string, value: unknown): boolean {
    const rest = restOf(key);
    switch (kindOf(key)) {
      case 'fdu': this.dirtyUsers.add(Number(rest)); return true;
      case 'fdt': this.dirtyTorrents.add(rest); return true;
      case 'fdp': this.dirtyPeers.set(rest, value as [number, string]); return true;
      case 'fsu': this.sentUsers.set(Number(rest), value as UserFigures); return true;
      case 'fst': this.sentTorrents.set(rest, value as TorrentFigures); return true;
      case 'fg': this.gone.set(Number(rest), value as number); return true;
      case 'fb': this.pending.set(rest, value as FlushBatch); return true;
      case 'fm': ({ epoch: this.epoch, seq: this.seq, cheatsTaken: this.cheatsTaken = 0 } = value as { epoch: string; seq: number; cheatsTaken?: number }); return true;
      default: return false;
    }
  }

  /** Before a torrent and its swarm go: keeps what the site's row still needs (delete-torrent-14.lua). */
  torrentDeleted(infoHash: string, torrentId: number, snatches: number): void {
    const dirty = this.dirtyTorrents.delete(infoHash);
    const sent = this.sentTorrents.get(infoHash);
    this.sentTorrents.delete(infoHash);
    if (this.journal) {
      if (dirty) this.journal(K.flushDirtyTorrent(infoHash), undefined);
      if (sent) this.journal(K.flushSentTorrent(infoHash), undefined);
    }
    const unsent = snatches - (sent?.snatches ?? 0);
    if (dirty || unsent !== 0 || (sent !== undefined && (sent.seeders !== 0 || sent.leechers !== 0))) {
      const total = (this.gone.get(torrentId) ?? 0) + unsent;
      this.gone.set(torrentId, total);
      this.journal?.(K.flushGone(torrentId), total);
    }
  }

  prepare(
    max: number,
    user: (id: number) => UserStats | undefined,
    torrent: (infoHash: string) => FlushTorrentSource | undefined,
    cheatLog?: FlushCheatSource,
    site?: FlushSiteSource,
  ): FlushBatch | undefined {
    const users: FlushUserRow[] = [];
    for (const id of take(this.dirtyUsers, max)) {
      this.dirtyUsers.delete(id);
      this.journal?.(K.flushDirtyUser(id), undefined);
      const stats = user(id);
      const cur: UserFigures = stats ? { ...stats, bonusMillionths: bonusMillionths(stats.bonus) } : { uploadedRaw: 0, downloadedRaw: 0, uploaded: 0, downloaded: 0, bonusMillionths: 0, snatches: 0 };
      const sent = this.sentUsers.get(id);
      const row = { userId: id } as FlushUserRow;
      let changed = false;
      for (const f of USER_FIELDS) {
        row[f] = cur[f] - (sent?.[f] ?? 0);
        if (row[f] !== 0) changed = true;
      }
      if (!changed) continue;
      const sentNow = { uploadedRaw: cur.uploadedRaw, downloadedRaw: cur.downloadedRaw, uploaded: cur.uploaded, downloaded: cur.downloaded, bonusMillionths: cur.bonusMillionths, snatches: cur.snatches };
      this.sentUsers.set(id, sentNow);
      this.journal?.(K.flushSentUser(id), sentNow);
      users.push(row);
    }

    const rows = new Map<number, FlushTorrentRow>();
    const row = (torrentId: number, seeders: number, leechers: number, snatches: number): void => {
      const r = rows.get(torrentId);
      if (r) Object.assign(r, { seeders, leechers, snatches: r.snatches + snatches });
      else rows.set(torrentId, { torrentId, seeders, leechers, snatches });
    };
    const takeGone = (id: number): void => {
      const unsent = this.gone.get(id);
      if (unsent === undefined) return;
      this.gone.delete(id);
      this.journal?.(K.flushGone(id), undefined);
      row(id, 0, 0, unsent);
    };
    for (const id of take(this.gone.keys(), max)) takeGone(id);
    for (const infoHash of take(this.dirtyTorrents, max)) {
      this.dirtyTorrents.delete(infoHash);
      this.journal?.(K.flushDirtyTorrent(infoHash), undefined);
      const t = torrent(infoHash);
      if (!t) continue;
      const cur = t.figures ?? { seeders: 0, leechers: 0, snatches: 0 };
      const sent = this.sentTorrents.get(infoHash);
      const snatches = cur.snatches - (sent?.snatches ?? 0);
      takeGone(t.torrentId);
      if (snatches !== 0 || cur.seeders !== (sent?.seeders ?? 0) || cur.leechers !== (sent?.leechers ?? 0) || rows.has(t.torrentId)) {
        const sentNow = { seeders: cur.seeders, leechers: cur.leechers, snatches: cur.snatches };
        this.sentTorrents.set(infoHash, sentNow);
        this.journal?.(K.flushSentTorrent(infoHash), sentNow);
        row(t.torrentId, cur.seeders, cur.leechers, snatches);
      }
    }

    let cheats: CheatEvent[] = [];
    if (this.cheats && cheatLog) {
      // Events that left the log before a flush took them are gone (at most CHEAT_LOG_MAX wait).
      this.cheatsTaken = Math.max(this.cheatsTaken, cheatLog.total - cheatLog.held);
      const waiting = cheatLog.total - this.cheatsTaken;
      if (waiting > 0) {
        cheats = cheatLog.last(waiting).slice(0, max);
        this.cheatsTaken += cheats.length;
      }
    }

    const siteRows = site && this.dirtyPeers.size > 0 ? this.siteRows(max, site) : undefined;

    if (users.length === 0 && rows.size === 0 && cheats.length === 0 && !siteRows) return undefined;
    const seq = ++this.seq;
    const batch: FlushBatch = { id: `${this.epoch}:${seq}`, seq, users, torrents: [...rows.values()], cheats, ...siteRows };
    this.pending.set(batch.id, batch);
    this.journal?.(K.flushBatch(batch.id), batch);
    this.journal?.(K.flushCounter, { epoch: this.epoch, seq, cheatsTaken: this.cheatsTaken });
    return copy(batch);
  }

  /**
   * The rows of up to `max` marked peers (flush-prepare-var.lua does the same): each peer as it is
   * now or gone, the ledger of each (user, torrent) among them, and the snatch of a ledger whose
   * snatch no batch has carried yet.
   */
  private siteRows(max: number, site: FlushSiteSource): Pick<FlushBatch, 'history' | 'peers' | 'snatches'> {
    const peers: FlushPeerRow[] = [];
    const history: FlushHistoryRow[] = [];
    const snatches: FlushSnatchRow[] = [];
    const ledgers = new Map<string, { userId: number; torrentId: number; infoHash: string }>();
    for (const key of take(this.dirtyPeers.keys(), max)) {
      const [torrentId, userAgent] = this.dirtyPeers.get(key)!;
      this.dirtyPeers.delete(key);
      this.journal?.(K.flushDirtyPeer(key), undefined);
      const infoHash = key.slice(0, 40);
      const peerKey = key.slice(40);
      const userId = userIdOfPeerKey(peerKey);
      const live = site.peer(infoHash, peerKey);
      const peer = live && peerInfo(userId, live.record, live.state);
      // A live peer's hex comes with its info; only a gone one needs its key's bytes encoded.
      const peerId = peer?.peerId ?? Buffer.from(peerKey.slice(peerKey.length - PEER_ID_LEN), 'latin1').toString('hex');
      peers.push({ userId, torrentId, peerId, peer, userAgent });
      ledgers.set(`${userId}/${torrentId}`, { userId, torrentId, infoHash });
    }
    for (const { userId, torrentId, infoHash } of ledgers.values()) {
      const l = site.ledger(userId, torrentId);
      if (!l) continue;
      const active = site.active(infoHash, userId);
      const s = l.stats;
      history.push({
        userId,
        torrentId,
        uploaded: s.uploaded,
        downloaded: s.downloaded,
        uploadedRaw: s.uploadedRaw,
        downloadedRaw: s.downloadedRaw,
        seedTime: s.seedTime,
        leechTime: s.leechTime,
        announces: l.announces ?? 0,
        firstAnnounce: s.firstSeen,
        lastAnnounce: s.lastSeen,
        completedAt: l.completedAt ?? 0,
        snatched: s.snatched,
        active,
        seeder: active && s.left === 0,
        left: s.left,
      });
      // A snatch from before the site rows were on has no time: it is not listed.
      if (s.snatched && !l.snatchFlushed && l.completedAt) {
        snatches.push({ userId, torrentId, at: l.completedAt, ip: l.completedIp ?? '' });
        site.snatchFlushed(userId, torrentId);
      }
    }
    return { history, peers, snatches };
  }

  pendingBatches(): FlushBatch[] {
    return [...this.pending.values()].map(copy).sort(bySeq);
  }

  ack(id: string): void {
    if (this.pending.delete(id)) this.journal?.(K.flushBatch(id), undefined);
  }
}

/** The first `max` of `items` (a copy: the caller deletes from the set it came from). */
function take<T>(items: Iterable<T>, max: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= max) break;
    out.push(item);
  }
  return out;
}

const copy = (b: FlushBatch): FlushBatch => ({
  ...b,
  users: b.users.map((u) => ({ ...u })),
  torrents: b.torrents.map((t) => ({ ...t })),
  cheats: b.cheats.map((e) => ({ ...e })),
  ...(b.history && { history: b.history.map((r) => ({ ...r })) }),
  ...(b.peers && { peers: b.peers.map((r) => ({ ...r, peer: r.peer && { ...r.peer } })) }),
  ...(b.snatches && { snatches: b.snatches.map((r) => ({ ...r })) }),
});
