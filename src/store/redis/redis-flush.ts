import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CheatEvent } from '../records.js';
import { bySeq, type FlushBatch, type FlushHistoryRow, type FlushPeerRow, type FlushSnatchRow, type FlushTorrentRow, type FlushUserRow } from '../flush-batch.js';
import { endpointText } from '../../net/ip-address.js';
import { peerInfo, userIdOfPeerKey } from '../peer-info.js';
import { execPipeline } from './exec-pipeline.js';
import { parseCheat } from './cheat-line.js';
import type { RedisKeys } from './keys.js';
import type { ScriptCommands } from './scripts.js';

/**
 * The Redis side of the SQL flush: picks dirty users and torrents, runs flush-prepare-var.lua on
 * them, and reads and acknowledges the pending batches. Errors are the caller's to map.
 */
export class RedisFlush {
  constructor(
    private readonly main: Redis & ScriptCommands,
    private readonly keys: RedisKeys,
    /** Cheat events go into the batches too (sql.flush.cheats.table). */
    private readonly cheats = false,
    /** The site rows too (sql.flush.history/peers/snatches): the dirty peers are read. */
    private readonly site = false,
  ) {}

  async prepare(max: number): Promise<FlushBatch | undefined> {
    const f = this.keys.flush;
    const p = this.main.pipeline().srandmember(f.dirtyUsers, max).srandmember(f.dirtyTorrents, max).hscan(f.goneTorrents, '0', 'COUNT', max);
    // Peer fields hold peer_id bytes: read as Buffers.
    if (this.site) p.hscanBuffer(f.dirtyPeers, '0', 'COUNT', max);
    const [users, infoHashes, scan, peerScan] = (await execPipeline(p)) as [string[], string[], [string, string[]], [Buffer, Buffer[]] | undefined];
    // HSCAN replies field, value, field, value…; it may return more than COUNT.
    const gone = scan[1].filter((_, i) => i % 2 === 0).slice(0, max);
    const peers = (peerScan?.[1] ?? []).filter((_, i) => i % 2 === 0).slice(0, max);
    // The cheat events waiting are not counted first: the script takes what is there.
    if (users.length + infoHashes.length + gone.length + peers.length === 0 && !this.cheats) return undefined;
    const keys = [f.ids, f.pending, f.dirtyUsers, f.dirtyTorrents, f.goneTorrents, f.cheats, f.dirtyPeers];
    for (const uid of users) keys.push(this.keys.user(Number(uid)));
    for (const ih of infoHashes) {
      const s = this.keys.swarm(ih);
      keys.push(s.torrent, s.seeders, s.leechers);
    }
    for (const field of peers) {
      // "<info_hash><peerKey>"
      const ih = field.toString('latin1', 0, 40);
      const s = this.keys.swarm(ih);
      keys.push(s.peers, this.keys.userTorrent(ih, userIdOfPeerKey(field.toString('latin1', 40))), s.owners);
    }
    const reply = await this.main.flushPrepare(keys.length, ...keys, randomBytes(8).toString('hex'), users.length, infoHashes.length, this.cheats ? max : 0, peers.length, ...users, ...infoHashes, ...peers, ...gone);
    return reply ? decodeBatch(reply[0], reply[1]) : undefined;
  }

  async pending(): Promise<FlushBatch[]> {
    const all = await this.main.hgetall(this.keys.flush.pending);
    return Object.entries(all)
      .map(([id, rows]) => decodeBatch(id, rows))
      .sort(bySeq);
  }

  async ack(id: string): Promise<void> {
    await this.main.hdel(this.keys.flush.pending, id);
  }
}

/** A batch as flush-prepare-var.lua stores it: "u …", "t …" and "c …" lines under "<epoch>:<seq>". */
function decodeBatch(id: string, text: string): FlushBatch {
  const users: FlushUserRow[] = [];
  const torrents: FlushTorrentRow[] = [];
  const cheats: CheatEvent[] = [];
  const site = { history: [] as FlushHistoryRow[], peers: [] as FlushPeerRow[], snatches: [] as FlushSnatchRow[] };
  for (const line of text.split('\n')) {
    if (line.startsWith('c ')) {
      cheats.push(parseCheat(line.slice(2)));
      continue;
    }
    if (decodeSiteRow(line, site)) continue;
    const [kind, ...f] = line.split(' ').map((v, i) => (i === 0 ? v : Number(v))) as [string, ...number[]];
    if (kind === 'u') {
      const [userId, uploadedRaw, downloadedRaw, uploaded, downloaded, bonusMillionths, snatches] = f as [number, number, number, number, number, number, number];
      users.push({ userId, uploadedRaw, downloadedRaw, uploaded, downloaded, bonusMillionths, snatches });
    } else if (kind === 't') {
      const [torrentId, seeders, leechers, snatches] = f as [number, number, number, number];
      torrents.push({ torrentId, seeders, leechers, snatches });
    }
  }
  const hasSite = site.history.length + site.peers.length + site.snatches.length > 0;
  return { id, seq: Number(id.slice(id.lastIndexOf(':') + 1)), users, torrents, cheats, ...(hasSite && site) };
}

/** A p, x, h or s row of flush-prepare-var.lua into `site`; false for another kind of line. */
function decodeSiteRow(line: string, site: Required<Pick<FlushBatch, 'history' | 'peers' | 'snatches'>>): boolean {
  const kind = line.slice(0, 2);
  if (kind !== 'p ' && kind !== 'x ' && kind !== 'h ' && kind !== 's ') return false;
  const f = line.split(' ');
  const num = (i: number) => Number(f[i]);
  const userId = num(1);
  const torrentId = num(2);
  if (kind === 'p ') {
    const record = Buffer.from(f[3]!, 'hex');
    const peer = peerInfo(userId, record, { uploaded: num(4), downloaded: num(5), left: num(6), lastSeen: num(7) });
    site.peers.push({ userId, torrentId, peerId: peer.peerId, peer, userAgent: f.slice(8).join(' ') });
  } else if (kind === 'x ') {
    site.peers.push({ userId, torrentId, peerId: f[3]!, peer: undefined, userAgent: '' });
  } else if (kind === 'h ') {
    const active = f[13] === '1';
    const left = num(14);
    site.history.push({
      userId,
      torrentId,
      uploaded: num(3),
      downloaded: num(4),
      uploadedRaw: num(5),
      downloadedRaw: num(6),
      seedTime: num(7),
      leechTime: num(8),
      announces: num(9),
      firstAnnounce: num(10),
      lastAnnounce: num(11),
      completedAt: num(12),
      snatched: f[15] === '1',
      active,
      seeder: active && left === 0,
      left,
    });
  } else {
    site.snatches.push({ userId, torrentId, at: num(3), ip: f[4] ? endpointText(Buffer.from(f[4], 'hex')) : '' });
  }
  return true;
}
