import type { PoolConnection } from 'mysql2/promise';
import type { SqlConfig } from '../config/schema.js';
import { parseAddress } from '../net/ip-address.js';
import { ident } from '../sql/connect.js';
import type { FlushBatch, FlushHistoryRow, FlushPeerRow, FlushSnatchRow } from '../store/flush-batch.js';
import { historyHnr, type HnrContext } from './history-hnr.js';
import { run } from './apply-batch.js';

// The site rows of a batch (sql.flush.history, .peers, .snatches), written inside applyBatch's
// transaction: history and peers are set to what they are now (a batch applied late or twice
// writes the same rows), snatches are inserted (the flush log keeps a batch from adding them twice).

type Flush = SqlConfig['flush'];
type Times = 'unix' | 'datetime';
type Addresses = 'text' | 'binary';

/** A column spec of the config: "" none, "a" one, "a,b" several. */
const columnsOf = (spec: string): string[] => (spec === '' ? [] : spec.split(','));

/** Unix seconds as the table wants them; 0 means never (NULL as a datetime). */
function time(t: Times, seconds: number): number | string | null {
  if (t === 'unix') return seconds;
  return seconds === 0 ? null : new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** An address as the table wants it; undefined means none ("" as text, NULL as bytes). */
function address(a: Addresses, text: string | undefined): string | Buffer | null {
  if (a === 'text') return text ?? '';
  return (text !== undefined && text !== '' && parseAddress(text)?.bytes) || null;
}

type Field<R> = [spec: string, value: (row: R) => unknown];

/**
 * One multi-row INSERT of `rows` into `table`: the key fields first, then each field into every
 * column its spec names. With `upsert`, a row whose key exists gets its other columns set.
 */
async function insert<R>(conn: PoolConnection, table: string, keys: Array<Field<R>>, fields: Array<Field<R>>, rows: R[], upsert: boolean): Promise<void> {
  const named = [...keys, ...fields].flatMap(([spec, get]) => columnsOf(spec).map((c) => [c, get] as const));
  const keyCount = keys.flatMap(([spec]) => columnsOf(spec)).length;
  // With only key columns named, an existing row is left as it is (the first key set to itself).
  const set = named.slice(keyCount).map(([c]) => `${ident(c)} = VALUES(${ident(c)})`);
  if (set.length === 0 && named[0]) set.push(`${ident(named[0][0])} = ${ident(named[0][0])}`);
  const update = upsert ? ` ON DUPLICATE KEY UPDATE ${set.join(', ')}` : '';
  const values = rows.map((r) => named.map(([, get]) => get(r)));
  await run(conn, `INSERT INTO ${ident(table)} (${named.map(([c]) => ident(c)).join(', ')}) VALUES ?${update}`, [values]);
}

const byKey = <R extends { userId: number; torrentId: number }>(a: R, b: R): number => a.torrentId - b.torrentId || a.userId - b.userId;

async function applyHistory(conn: PoolConnection, h: Flush['history'], rows: FlushHistoryRow[], ctx: HnrContext | undefined): Promise<void> {
  const hnr = new Map(rows.map((r) => [r, historyHnr(r, ctx)]));
  const flag = (b: boolean) => (b ? 1 : 0);
  await insert(
    conn,
    h.table,
    [
      [h.user_id, (r) => r.userId],
      [h.torrent_id, (r) => r.torrentId],
    ],
    [
      [h.uploaded, (r) => r.uploaded],
      [h.downloaded, (r) => r.downloaded],
      [h.uploaded_raw, (r) => r.uploadedRaw],
      [h.downloaded_raw, (r) => r.downloadedRaw],
      [h.seed_time, (r) => r.seedTime],
      [h.leech_time, (r) => r.leechTime],
      [h.announces, (r) => r.announces],
      [h.first_announce, (r) => time(h.times, r.firstAnnounce)],
      [h.last_announce, (r) => time(h.times, r.lastAnnounce)],
      [h.completed_at, (r) => time(h.times, r.completedAt)],
      [h.active, (r) => flag(r.active)],
      [h.seeder, (r) => flag(r.seeder)],
      [h.left, (r) => r.left],
      [h.hnr_state, (r) => hnr.get(r)!.state],
      [h.hitrun, (r) => flag(hnr.get(r)!.state === 'hnr')],
      [h.immune, (r) => flag(hnr.get(r)!.immune)],
    ],
    [...rows].sort(byKey),
    true,
  );
}

async function applyPeers(conn: PoolConnection, p: Flush['peers'], rows: FlushPeerRow[]): Promise<void> {
  const sorted = [...rows].sort((a, b) => byKey(a, b) || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
  // A batch holds one row per peer: those gone are deleted, the others set.
  const gone = sorted.filter((r) => !r.peer);
  if (gone.length > 0) {
    const key = `(${[p.torrent_id, p.user_id, p.peer_id].map(ident).join(', ')})`;
    await run(conn, `DELETE FROM ${ident(p.table)} WHERE ${key} IN (${gone.map(() => '(?, ?, ?)').join(', ')})`, gone.flatMap((r) => [r.torrentId, r.userId, Buffer.from(r.peerId, 'hex')]));
  }
  const live = sorted.filter((r) => r.peer);
  if (live.length === 0) return;
  const preferred = (r: FlushPeerRow) => (r.peer!.ipv4 !== undefined ? { ip: r.peer!.ipv4, port: r.peer!.ipv4Port } : { ip: r.peer!.ipv6, port: r.peer!.ipv6Port });
  await insert(
    conn,
    p.table,
    [
      [p.user_id, (r) => r.userId],
      [p.torrent_id, (r) => r.torrentId],
      [p.peer_id, (r) => Buffer.from(r.peerId, 'hex')],
    ],
    [
      [p.ip, (r) => address(p.addresses, preferred(r).ip)],
      [p.port, (r) => preferred(r).port ?? 0],
      [p.ipv4, (r) => address(p.addresses, r.peer!.ipv4)],
      [p.ipv4_port, (r) => r.peer!.ipv4Port ?? 0],
      [p.ipv6, (r) => address(p.addresses, r.peer!.ipv6)],
      [p.ipv6_port, (r) => r.peer!.ipv6Port ?? 0],
      [p.user_agent, (r) => r.userAgent.slice(0, p.user_agent_max)],
      [p.seeder, (r) => (r.peer!.seeder ? 1 : 0)],
      [p.uploaded, (r) => r.peer!.uploaded],
      [p.downloaded, (r) => r.peer!.downloaded],
      [p.left, (r) => r.peer!.left],
      [p.connectable, () => null],
      [p.active, () => 1],
      [p.last_announce, (r) => time(p.times, r.peer!.lastSeen)],
    ],
    live,
    true,
  );
}

async function applySnatches(conn: PoolConnection, s: Flush['snatches'], rows: FlushSnatchRow[]): Promise<void> {
  await insert(
    conn,
    s.table,
    [],
    [
      [s.user_id, (r) => r.userId],
      [s.torrent_id, (r) => r.torrentId],
      [s.at, (r) => time(s.times, r.at)],
      [s.ip, (r) => address(s.addresses, r.ip)],
    ],
    rows,
    false,
  );
}

/** Writes the batch's site rows to the tables config names; a kind whose table is "" is left out. */
export async function applySiteRows(conn: PoolConnection, t: Flush, batch: FlushBatch, hnr?: HnrContext): Promise<void> {
  if (batch.history?.length && t.history.table !== '') await applyHistory(conn, t.history, batch.history, hnr);
  if (batch.peers?.length && t.peers.table !== '') await applyPeers(conn, t.peers, batch.peers);
  if (batch.snatches?.length && t.snatches.table !== '') await applySnatches(conn, t.snatches, batch.snatches);
}

/** Whether any site table is named: the store then tracks the peers and ledgers they need. */
export const siteRowsWanted = (t: Flush): boolean => t.history.table !== '' || t.peers.table !== '' || t.snatches.table !== '';
