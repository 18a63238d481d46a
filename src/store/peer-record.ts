// A peer as handed out: 44 bytes, the same in both stores (Redis keeps it as the hash value).
//   0..19  peer_id
//  20..25  IPv4 address + port (all zero when the peer has no IPv4 endpoint)
//  26..43  IPv6 address + port (all zero when the peer has no IPv6 endpoint)

export const PEER_ID_LEN = 20;
export const V4_LEN = 6;
export const V6_LEN = 18;
export const V4_AT = PEER_ID_LEN;
export const V6_AT = V4_AT + V4_LEN;
export const RECORD_LEN = V6_AT + V6_LEN;

/** How many records a buffer of records end to end holds (AnnounceResult.peers). */
export const peerCount = (records: Buffer): number => records.length / RECORD_LEN;

/** The i-th record of a buffer of records end to end: a view, for the paths that are not every announce's. */
export const recordAt = (records: Buffer, i: number): Buffer => records.subarray(i * RECORD_LEN, (i + 1) * RECORD_LEN);

/** Every record of a buffer of records end to end, as views (geo ordering, tests). */
export const recordsOf = (records: Buffer): Buffer[] => Array.from({ length: peerCount(records) }, (_, i) => recordAt(records, i));

/** A new record for a peer, or `prev` with the endpoint of the announcing family replaced. */
export function writeEndpoint(prev: Buffer | undefined, peerId: Buffer, endpoint: Buffer): Buffer {
  const rec = Buffer.alloc(RECORD_LEN);
  if (prev) prev.copy(rec);
  peerId.copy(rec, 0);
  endpoint.copy(rec, endpoint.length === V4_LEN ? V4_AT : V6_AT);
  return rec;
}

/** Whether `rec` holds `endpoint` (6 bytes IPv4 or 18 IPv6) as its endpoint of that family (every re-announce asks: a byte loop, cheaper than Buffer#compare here). */
export const hasEndpoint = (rec: Buffer, endpoint: Buffer): boolean => {
  const at = endpoint.length === V4_LEN ? V4_AT : V6_AT;
  for (let i = 0; i < endpoint.length; i++) if (rec[at + i] !== endpoint[i]) return false;
  return true;
};

const isZero = (b: Buffer, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
};

export const peerIdOf = (rec: Buffer): Buffer => rec.subarray(0, PEER_ID_LEN);
export const v4Of = (rec: Buffer): Buffer | undefined => (isZero(rec, V4_AT, V6_AT) ? undefined : rec.subarray(V4_AT, V6_AT));
export const v6Of = (rec: Buffer): Buffer | undefined => (isZero(rec, V6_AT, RECORD_LEN) ? undefined : rec.subarray(V6_AT, RECORD_LEN));

/**
 * The address a peer counts under for tracker.max_peers_per_ip_torrent, as latin1 text: its IPv4
 * address when it has an IPv4 endpoint, else its IPv6 address (ports left out). Read from the record
 * alone, so a store can rebuild the counts from the peers it holds; announce-19.lua's ipOf is the same.
 */
export const addressKey = (rec: Buffer): string => (isZero(rec, V4_AT, V6_AT) ? rec.toString('latin1', V6_AT, RECORD_LEN - 2) : rec.toString('latin1', V4_AT, V6_AT - 2));
