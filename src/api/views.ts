import type { ConfigChanges } from '../config/diff.js';
import type { Adjustment, PeerInfo, Torrent, TorrentStats, User, UserStats } from '../store/records.js';
import type { HnrEntry } from './hnr-list.js';
import type { HnrEntryReply, HnrReply, PeersReply, ReloadReply, TorrentReply, UserReply, UserTorrentReply, UserTorrentsReply } from './schemas.js';

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
  size: t.size ?? 0,
  enabled: t.enabled,
  reason: t.reason,
  seeders: s.seeders,
  leechers: s.leechers,
  snatches: s.snatches,
  announces: s.announces,
  ...transfer(s),
});

export const userView = (u: User, s: UserStats, hnrCount: number): UserReply => ({
  user_id: u.id,
  passkey: u.passkey,
  name: u.name,
  can_leech: u.canLeech,
  enabled: u.enabled,
  leech_slots: u.leechSlots,
  hnr_immune: u.hnrImmune ?? false,
  freeleech_until: u.freeleechUntil ?? 0,
  multi_up: u.multiUp ?? 1,
  multi_dn: u.multiDown ?? 1,
  tokens: (u.tokens ?? []).map((t) => ({ torrent_id: t.torrentId, until: t.until })),
  ...transfer(s),
  bonus: s.bonus,
  snatches: s.snatches,
  announces: s.announces,
  cheats: s.cheats,
  hnr_count: hnrCount,
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

const userTorrentView = ({ entry: { infoHash, torrentId, stats: s }, verdict }: HnrEntry): UserTorrentReply => ({
  info_hash: infoHash,
  torrent_id: torrentId,
  ...transfer(s),
  seed_time: s.seedTime,
  leech_time: s.leechTime,
  left: s.left,
  snatched: s.snatched,
  first_seen: s.firstSeen,
  last_seen: s.lastSeen,
  rule: s.rule ?? '',
  hnr: verdict.state,
});

export interface HistoryRules {
  /** Unix seconds. */
  now: number;
  /** Seconds a silent peer stays in its swarm (tracker.reap_interval). */
  peerTtl: number;
}

/**
 * A user's torrents in the seed's four lists. Active: a peer of the user is in the swarm (its last
 * announce was no `stopped` and came within the peer TTL). The others hold no peer now: complete
 * (downloaded to the end, or seeded from the start), incomplete (the rest). Hit-and-run: any of
 * them in the `hnr` state (accounting/hnr.ts).
 */
export function userTorrentsView(entries: HnrEntry[], r: HistoryRules): UserTorrentsReply {
  const out: UserTorrentsReply = { active: [], incomplete: [], complete: [], hnr: [] };
  for (const e of entries) {
    const view = userTorrentView(e);
    const s = e.entry.stats;
    if (e.verdict.state === 'hnr') out.hnr.push(view);
    if (!s.stopped && s.lastSeen >= r.now - r.peerTtl) out.active.push(view);
    else if (!s.snatched && s.left > 0) out.incomplete.push(view);
    else out.complete.push(view);
  }
  return out;
}

const hnrEntryView = ({ entry: { infoHash, torrentId, stats: s }, size, verdict: v }: HnrEntry): HnrEntryReply => ({
  info_hash: infoHash,
  torrent_id: torrentId,
  state: v.state,
  size,
  downloaded_raw: s.downloadedRaw,
  uploaded: s.uploaded,
  seed_time: s.seedTime,
  seed_time_required: v.seedTimeRequired,
  deadline: v.deadline,
  last_seen: s.lastSeen,
});

/** GET /api/user/:user_id/hnr: every torrent the user owes or owed seeding, with the counts. */
export function hnrView(userId: number, entries: HnrEntry[]): HnrReply {
  const owed = entries.filter((e) => e.verdict.state !== 'none');
  return {
    user_id: userId,
    hnr_count: owed.filter((e) => e.verdict.state === 'hnr').length,
    pending_count: owed.filter((e) => e.verdict.state === 'pending').length,
    torrents: owed.map(hnrEntryView),
  };
}

export const adjustmentView = (a: Adjustment) => ({ user_id: a.userId, uploaded: a.uploaded, downloaded: a.downloaded, reason: a.reason, at: a.at });

export const reloadView = (c: ConfigChanges): ReloadReply => ({ changed: c.changed, needs_restart: c.needsRestart });
