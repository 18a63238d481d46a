import type { CheatKind } from '../accounting/settle.js';

// The site's entities as the tracker holds them in process. They come from the site (API, warmup)
// and are read on every announce without touching storage.

export interface User {
  /** The site's user id. */
  id: number;
  /** 32 characters or more, unique; the secret in the announce URL. */
  passkey: string;
  name: string;
  /** False: the user may seed but every announce with left > 0 fails. */
  canLeech: boolean;
  /** False: every announce with this passkey fails. */
  enabled: boolean;
  /**
   * Most peers of this user leeching at once, over every torrent (0 = no limit): a peer that would
   * join the leechers beyond it is refused (docs/protocol.md, "Leech slots").
   */
  leechSlots: number;
  /** Never a hit-and-run (accounting/hnr.ts): staff, or a class the site exempts. Absent: false. */
  hnrImmune?: boolean | undefined;
  /** Personal freeleech: no download is credited before this unix second. Absent or 0: none. */
  freeleechUntil?: number | undefined;
  /** The user's own factors (a class bonus), applied on top of the torrent's (accounting/credit-rule.ts). Absent: 1. */
  multiUp?: number | undefined;
  multiDown?: number | undefined;
  /** Freeleech tokens: one torrent each, until a unix second. Absent: none. */
  tokens?: FreeleechToken[] | undefined;
}

/** A freeleech token: the user's download on `torrentId` is not credited before `until` (unix seconds). */
export interface FreeleechToken {
  torrentId: number;
  until: number;
}

export interface Torrent {
  /** The site's torrent id. */
  id: number;
  /** 40 lowercase hex characters. */
  infoHash: string;
  name: string;
  /** Credited upload = reported upload × multiUp. */
  multiUp: number;
  /** Credited download = reported download × multiDown (0 = freeleech). */
  multiDown: number;
  /** False: announces fail with `reason`. */
  enabled: boolean;
  reason: string;
  /** Bytes of the torrent's content; what the hit-and-run rule measures against. Absent or 0: unknown. */
  size?: number | undefined;
}

export interface WhitelistEntry {
  /** Leading bytes of the peer_id, as latin1 text (e.g. "-qB4", "-TR3"). */
  prefix: string;
  client: string;
}

/**
 * A client refused whatever the whitelist says. `pattern` is matched against the start of the
 * peer_id (latin1 text) byte for byte, `?` matching any one byte ("-UT2?" refuses -UT20…-UT2z);
 * `reason` is shown to the client in the failure reason.
 */
export interface BlacklistEntry {
  pattern: string;
  reason: string;
}

/** Totals kept per user; raw = as reported, credited = after multipliers and clamping. */
export interface UserStats {
  uploadedRaw: number;
  downloadedRaw: number;
  uploaded: number;
  downloaded: number;
  bonus: number;
  snatches: number;
  announces: number;
  cheats: number;
}

/** Totals kept per torrent. */
export interface TorrentStats {
  seeders: number;
  leechers: number;
  snatches: number;
  uploadedRaw: number;
  downloadedRaw: number;
  uploaded: number;
  downloaded: number;
  announces: number;
}

/** What a user did on one torrent: the ledger a site reads for hit-and-run rules. */
export interface UserTorrentStats {
  uploadedRaw: number;
  downloadedRaw: number;
  uploaded: number;
  downloaded: number;
  /** Seconds spent seeding, on one clock for all the user's peer_ids on the torrent. */
  seedTime: number;
  /** Seconds spent leeching, on the same clock. */
  leechTime: number;
  snatched: boolean;
  /** Bytes left at the last announce. */
  left: number;
  firstSeen: number;
  lastSeen: number;
  /** The last announce was a `stopped`: the user has no peer on the torrent since then. */
  stopped: boolean;
  /**
   * The credit rule of the last announce (accounting/credit-rule.ts, e.g. "dn=token:0 up=event:2"):
   * why its figures were credited as they were. Absent: the ledger saw no announce since rules were kept.
   */
  rule?: string | undefined;
}

/**
 * A correction of a user's credited upload or download by staff (POST /api/user/:id/adjust): added
 * to the user's counters and flushed as a delta like any announce's; kept so the site can list it.
 */
export interface Adjustment {
  userId: number;
  /** Signed bytes added to the credited upload and download. */
  uploaded: number;
  downloaded: number;
  reason: string;
  /** Unix seconds. */
  at: number;
}

/** One torrent of a user's history (GET /api/user/:id/torrents). */
export interface UserTorrentEntry {
  infoHash: string;
  torrentId: number;
  stats: UserTorrentStats;
}

/** One peer of a swarm as the API shows it. */
export interface PeerInfo {
  userId: number;
  /** Hex of the 20-byte peer_id. */
  peerId: string;
  /** "a.b.c.d" when the peer announced an IPv4 endpoint. */
  ipv4?: string | undefined;
  ipv4Port?: number | undefined;
  /** Canonical IPv6 text when the peer announced an IPv6 endpoint. */
  ipv6?: string | undefined;
  ipv6Port?: number | undefined;
  uploaded: number;
  downloaded: number;
  left: number;
  seeder: boolean;
  /** Unix seconds of its last announce. */
  lastSeen: number;
}

/** Peers over every swarm. */
export interface SwarmTotals {
  seeders: number;
  leechers: number;
}

/**
 * An announce whose upload was not credited in full: `upload_rate`, more than the user's upload
 * budget on the torrent allowed (accounting.max_upload_rate); `no_leechers`, a seeder's upload over
 * an interval in which its swarm had no leecher to upload to.
 */
export interface CheatEvent {
  kind: CheatKind;
  at: number;
  userId: number;
  torrentId: number;
  /** Hex of the 20-byte peer_id. */
  peerId: string;
  /** Reported bytes per second over the budget's window. */
  rate: number;
  /** Raw upload delta reported. */
  reported: number;
  /** Upload credited after clamping (before the multiplier). */
  allowed: number;
}

/** Which cheat events to read (GET /api/cheats): newest first, at most `limit`. */
export interface CheatQuery {
  limit: number;
  userId?: number | undefined;
  kind?: CheatKind | undefined;
}

/** Cheat events recorded per kind since the store began (metrics). */
export type CheatCounts = Record<CheatKind, number>;

/**
 * A timed site-wide event added through the API (POST /api/events), kept by the store so that
 * every instance applies it and it outlives a restart; the config's accounting.events sit beside.
 */
export interface StoredCreditEvent {
  id: number;
  kind: 'freeleech' | 'double_upload';
  /** Unix seconds, start included, end not. */
  start: number;
  end: number;
  name: string;
}
