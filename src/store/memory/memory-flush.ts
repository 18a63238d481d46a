import { randomBytes } from 'node:crypto';
import { bonusMillionths, bySeq, type FlushBatch, type FlushTorrentRow, type FlushUserRow } from '../flush-batch.js';
import type { TorrentStats, UserStats } from '../records.js';

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
 * was not flushed when it ends is lost, like the rest of the memory store.
 */
export class MemoryFlush {
  private readonly dirtyUsers = new Set<number>();
  private readonly dirtyTorrents = new Set<string>();
  /** Torrent id → snatches a deleted torrent had not flushed. */
  private readonly gone = new Map<number, number>();
  /** What was flushed last (users are never forgotten, as their Redis hash is kept). */
  private readonly sentUsers = new Map<number, UserFigures>();
  private readonly sentTorrents = new Map<string, TorrentFigures>();
  private readonly pending = new Map<string, FlushBatch>();
  /** New per store: ids never repeat those of an earlier process in the flush log. */
  private readonly epoch = randomBytes(8).toString('hex');
  private seq = 0;

  markUser(id: number): void {
    this.dirtyUsers.add(id);
  }

  markTorrent(infoHash: string): void {
    this.dirtyTorrents.add(infoHash);
  }

  /** Before a torrent and its swarm go: keeps what the site's row still needs (delete-torrent-11.lua). */
  torrentDeleted(infoHash: string, torrentId: number, snatches: number): void {
    const dirty = this.dirtyTorrents.delete(infoHash);
    const sent = this.sentTorrents.get(infoHash);
    this.sentTorrents.delete(infoHash);
    const unsent = snatches - (sent?.snatches ?? 0);
    if (dirty || unsent !== 0 || (sent !== undefined && (sent.seeders !== 0 || sent.leechers !== 0))) {
      this.gone.set(torrentId, (this.gone.get(torrentId) ?? 0) + unsent);
    }
  }

  prepare(max: number, user: (id: number) => UserStats | undefined, torrent: (infoHash: string) => FlushTorrentSource | undefined): FlushBatch | undefined {
    const users: FlushUserRow[] = [];
    for (const id of take(this.dirtyUsers, max)) {
      this.dirtyUsers.delete(id);
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
      this.sentUsers.set(id, { uploadedRaw: cur.uploadedRaw, downloadedRaw: cur.downloadedRaw, uploaded: cur.uploaded, downloaded: cur.downloaded, bonusMillionths: cur.bonusMillionths, snatches: cur.snatches });
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
      row(id, 0, 0, unsent);
    };
    for (const id of take(this.gone.keys(), max)) takeGone(id);
    for (const infoHash of take(this.dirtyTorrents, max)) {
      this.dirtyTorrents.delete(infoHash);
      const t = torrent(infoHash);
      if (!t) continue;
      const cur = t.figures ?? { seeders: 0, leechers: 0, snatches: 0 };
      const sent = this.sentTorrents.get(infoHash);
      const snatches = cur.snatches - (sent?.snatches ?? 0);
      takeGone(t.torrentId);
      if (snatches !== 0 || cur.seeders !== (sent?.seeders ?? 0) || cur.leechers !== (sent?.leechers ?? 0) || rows.has(t.torrentId)) {
        this.sentTorrents.set(infoHash, { seeders: cur.seeders, leechers: cur.leechers, snatches: cur.snatches });
        row(t.torrentId, cur.seeders, cur.leechers, snatches);
      }
    }

    if (users.length === 0 && rows.size === 0) return undefined;
    const seq = ++this.seq;
    const batch: FlushBatch = { id: `${this.epoch}:${seq}`, seq, users, torrents: [...rows.values()] };
    this.pending.set(batch.id, batch);
    return copy(batch);
  }

  pendingBatches(): FlushBatch[] {
    return [...this.pending.values()].map(copy).sort(bySeq);
  }

  ack(id: string): void {
    this.pending.delete(id);
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

const copy = (b: FlushBatch): FlushBatch => ({ ...b, users: b.users.map((u) => ({ ...u })), torrents: b.torrents.map((t) => ({ ...t })) });
