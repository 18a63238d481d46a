import type { ConfigChanges } from '../config/diff.js';
import type { PeerInfo, Torrent, TorrentStats, User, UserStats, UserTorrentEntry } from '../store/records.js';
import type { PeersReply, ReloadReply, TorrentReply, UserReply, UserTorrentReply, UserTorrentsReply } from './schemas.js';

// Store records → API replies: the snake_case field names of the seed's API live here only.

const transfer = (s: Pick<UserStats, 'uploaded' | 'downloaded' | 'uploadedRaw' | 'downloadedRaw'>) => ({
  uploaded: s.uploaded,
  downloaded: s.downloaded,
  uploaded_raw: s.uploadedRaw,
  downloaded_raw: s.downloadedRaw,
});

export const torrentView = (t: Torrent, s: TorrentStats): TorrentReply => ({
  torrent_id: t.id,
  info_hash: t.infoHash,
  name: t.name,
  multi_up: t.multiUp,
  multi_dn: t.multiDown,
  enabled: t.enabled,
  reason: t.reason,
  seeders: s.seeders,
  leechers: s.leechers,
  snatches: s.snatches,
  announces: s.announces,
  ...transfer(s),
});

export const userView = (u: User, s: UserStats): UserReply => ({
  user_id: u.id,
  passkey: u.passkey,
  name: u.name,
  can_leech: u.canLeech,
  enabled: u.enabled,
  ...transfer(s),
  bonus: s.bonus,
  snatches: s.snatches,
  announces: s.announces,
  cheats: s.cheats,
});

export const peersView = (infoHash: string, peers: PeerInfo[]): PeersReply => ({
  info_hash: infoHash,
  peers: peers.map((p) => ({
    user_id: p.userId,
    peer_id: p.peerId,
    ...(p.ipv4 !== undefined ? { ipv4: p.ipv4, ipv4_port: p.ipv4Port } : {}),
    ...(p.ipv6 !== undefined ? { ipv6: p.ipv6, ipv6_port: p.ipv6Port } : {}),
    uploaded: p.uploaded,
    downloaded: p.downloaded,
    left: p.left,
    seeder: p.seeder,
    last_seen: p.lastSeen,
  })),
});

const userTorrentView = ({ infoHash, torrentId, stats: s }: UserTorrentEntry): UserTorrentReply => ({
  info_hash: infoHash,
  torrent_id: torrentId,
  ...transfer(s),
  seed_time: s.seedTime,
  leech_time: s.leechTime,
  left: s.left,
  snatched: s.snatched,
  first_seen: s.firstSeen,
  last_seen: s.lastSeen,
});

export interface HistoryRules {
  /** Unix seconds. */
  now: number;
  /** Seconds a silent peer stays in its swarm (tracker.reap_interval). */
  peerTtl: number;
  /** Seconds a snatched torrent must be seeded (accounting.hnr_seed_time). */
  hnrSeedTime: number;
}

/**
 * A user's torrents in the seed's four lists. Active: a peer of the user is in the swarm (its last
 * announce was no `stopped` and came within the peer TTL). The others hold no peer now: complete
 * (downloaded to the end, or seeded from the start), incomplete (the rest). Hit-and-run: complete
 * through a snatch, but seeded less than the site's minimum.
 */
export function userTorrentsView(entries: UserTorrentEntry[], r: HistoryRules): UserTorrentsReply {
  const out: UserTorrentsReply = { active: [], incomplete: [], complete: [], hnr: [] };
  for (const e of entries) {
    const view = userTorrentView(e);
    const s = e.stats;
    if (!s.stopped && s.lastSeen >= r.now - r.peerTtl) {
      out.active.push(view);
      continue;
    }
    if (!s.snatched && s.left > 0) {
      out.incomplete.push(view);
      continue;
    }
    out.complete.push(view);
    if (s.snatched && s.seedTime < r.hnrSeedTime) out.hnr.push(view);
  }
  return out;
}

export const reloadView = (c: ConfigChanges): ReloadReply => ({ changed: c.changed, needs_restart: c.needsRestart });
