import type { PeerState } from '../../accounting/settle.js';
import { RECORD_LEN } from '../peer-record.js';
import type { TorrentStats } from '../records.js';

// The names of the records a MemoryStore's state is made of, for a store that keeps that state on
// disk (the embedded store). The memory store tells its journal which record an operation changed
// and hands it the live value; the keeper reads that value once the operation is over, so that many
// operations on one record cost one write. Keys sort by kind, then by what they name.

/**
 * Told synchronously, where the change happens, which record changed: `live` is the record's live
 * value (read later, when the batch is written) or undefined when the record is gone.
 */
export type Journal = (key: string, live: unknown) => void;

export const K = {
  user: (id: number) => `ru/${id}`,
  torrent: (infoHash: string) => `rt/${infoHash}`,
  whitelist: (prefix: string) => `rw/${prefix}`,
  blacklist: (pattern: string) => `rb/${pattern}`,
  userStats: (id: number) => `us/${id}`,
  torrentStats: (infoHash: string) => `ts/${infoHash}`,
  ledger: (userId: number, torrentId: number) => `ut/${userId}/${torrentId}`,
  /** `peerKey` is `<uid>:<20 peer_id bytes as latin1>`, as the swarm keys its peers. */
  peer: (infoHash: string, peerKey: string) => `p/${infoHash}/${peerKey}`,
  /** Zero-padded so the cheat log reads back in order. */
  cheat: (seq: number) => `c/${String(seq).padStart(15, '0')}`,
  /** Cheat events ever recorded, per kind. */
  cheatCounts: 'cc',
  /** The timed events added through the API, the list as one record. */
  creditEvents: 'ev',
  /** A user's adjustments (POST /api/user/:id/adjust), the list as one record. */
  adjustments: (userId: number) => `ad/${userId}`,
  flushDirtyUser: (id: number) => `fdu/${id}`,
  flushDirtyTorrent: (infoHash: string) => `fdt/${infoHash}`,
  flushSentUser: (id: number) => `fsu/${id}`,
  flushSentTorrent: (infoHash: string) => `fst/${infoHash}`,
  flushGone: (torrentId: number) => `fg/${torrentId}`,
  flushBatch: (id: string) => `fb/${id}`,
  flushCounter: 'fm',
} as const;

/** The kind of a key: what comes before its first slash. */
export const kindOf = (key: string): string => {
  const at = key.indexOf('/');
  return at < 0 ? key : key.slice(0, at);
};

/** What follows the kind. */
export const restOf = (key: string): string => key.slice(key.indexOf('/') + 1);

/** A peer as it is read back: its 44-byte record and last reported counters, no swarm around it. */
export type PeerRow = [record: Buffer, uploaded: number, downloaded: number, left: number, lastSeen: number];

const PEER_ROW_LEN = RECORD_LEN + 4 * 8;

/**
 * A peer as it is written (data format 2): one 76-byte Buffer, its record then uploaded, downloaded,
 * left and lastSeen as float64 LE (whole numbers up to 2^53). A peer is written on every announce:
 * packed by hand it costs a copy, as MessagePack a few µs, and takes fewer bytes in the file.
 */
export const peerRow = (p: { record: Buffer; state: PeerState }): Buffer => {
  const row = Buffer.allocUnsafe(PEER_ROW_LEN);
  p.record.copy(row, 0, 0, RECORD_LEN);
  row.writeDoubleLE(p.state.uploaded, RECORD_LEN);
  row.writeDoubleLE(p.state.downloaded, RECORD_LEN + 8);
  row.writeDoubleLE(p.state.left, RECORD_LEN + 16);
  row.writeDoubleLE(p.state.lastSeen, RECORD_LEN + 24);
  return row;
};

/** A peer row as written by this version (a Buffer) or by data format 1 (a MessagePack array of the same fields). */
export function readPeerRow(value: unknown): PeerRow {
  if (!(value instanceof Uint8Array)) return value as PeerRow;
  const row = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (row.length !== PEER_ROW_LEN) throw new Error(`a peer row of ${row.length} bytes, not ${PEER_ROW_LEN}`);
  return [row.subarray(0, RECORD_LEN), row.readDoubleLE(RECORD_LEN), row.readDoubleLE(RECORD_LEN + 8), row.readDoubleLE(RECORD_LEN + 16), row.readDoubleLE(RECORD_LEN + 24)];
}

/** A swarm as it is written: its counters and the last time it had a leecher (the no-leechers rule); peers are records of their own. */
export interface SwarmRow {
  stats: TorrentStats;
  lastLeecherAt: number;
}

export const swarmRow = (s: SwarmRow): SwarmRow => ({ stats: s.stats, lastLeecherAt: s.lastLeecherAt });
