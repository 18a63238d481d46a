import type { PoolConnection } from 'mysql2/promise';
import type { SqlConfig } from '../config/schema.js';
import { ident } from '../sql/connect.js';
import type { FlushBatch } from '../store/flush-batch.js';
import { applySiteRows } from './apply-site-rows.js';
import type { HnrContext } from './history-hnr.js';

export type FlushTargets = SqlConfig['flush'];

/** A statement that hangs this long fails (and its connection is dropped); the batch stays pending. */
const QUERY_TIMEOUT_MS = 30_000;

/** Runs one statement with the flush's timeout. */
export function run(conn: PoolConnection, sql: string, values?: unknown[]): Promise<unknown> {
  return conn.query({ sql, timeout: QUERY_TIMEOUT_MS }, values);
}

/** Millionths as exact decimal text ("12.000345"): MySQL converts it to DECIMAL without rounding. */
export function millionthsText(m: number): string {
  const abs = Math.abs(m);
  const frac = abs % 1_000_000;
  return `${m < 0 ? '-' : ''}${(abs - frac) / 1_000_000}.${String(frac).padStart(6, '0')}`;
}

/**
 * Applies one batch in one transaction: the batch id into the log table first (its primary key: a
 * batch committed before, whose acknowledgement was lost, stops there and changes nothing), then one
 * multi-row upsert per table, counters added and peer counts set, and the cheat events inserted
 * when sql.flush.cheats.table names a table, then the site rows (history, peers, snatches) into
 * the tables sql.flush names for them (apply-site-rows.ts). Resolves false for such an
 * already applied batch. Rows go in id order, so concurrent flushers lock rows in the same order.
 */
export async function applyBatch(conn: PoolConnection, t: FlushTargets, batch: FlushBatch, hnr?: HnrContext): Promise<boolean> {
  await run(conn, 'START TRANSACTION');
  try {
    try {
      await run(conn, `INSERT INTO ${ident(t.log_table)} (flush_id, applied_at) VALUES (?, NOW())`, [batch.id]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
      await run(conn, 'ROLLBACK');
      return false;
    }
    if (batch.users.length > 0) {
      const u = t.users;
      const added = [u.uploaded, u.downloaded, u.uploaded_raw, u.downloaded_raw, u.bonus, u.snatches].map(ident);
      const rows = [...batch.users]
        .sort((a, b) => a.userId - b.userId)
        .map((r) => [r.userId, r.uploaded, r.downloaded, r.uploadedRaw, r.downloadedRaw, millionthsText(r.bonusMillionths), r.snatches]);
      await run(conn, `INSERT INTO ${ident(u.table)} (${[ident(u.id), ...added].join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE ${added.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')}`, [rows]);
    }
    if (batch.torrents.length > 0) {
      const tt = t.torrents;
      const [id, seeders, leechers, snatches] = [tt.id, tt.seeders, tt.leechers, tt.snatches].map(ident) as [string, string, string, string];
      const rows = [...batch.torrents].sort((a, b) => a.torrentId - b.torrentId).map((r) => [r.torrentId, r.seeders, r.leechers, r.snatches]);
      await run(
        conn,
        `INSERT INTO ${ident(tt.table)} (${id}, ${seeders}, ${leechers}, ${snatches}) VALUES ? ON DUPLICATE KEY UPDATE ${seeders} = VALUES(${seeders}), ${leechers} = VALUES(${leechers}), ${snatches} = ${snatches} + VALUES(${snatches})`,
        [rows],
      );
    }
    if (batch.cheats.length > 0 && t.cheats.table !== '') {
      // Inserted in the order recorded; the log row above keeps a retried batch from adding them twice.
      const rows = batch.cheats.map((e) => [e.at, e.userId, e.torrentId, e.peerId, e.kind, e.rate, e.reported, e.allowed]);
      await run(conn, `INSERT INTO ${ident(t.cheats.table)} (at, user_id, torrent_id, peer_id, kind, rate, reported, allowed) VALUES ?`, [rows]);
    }
    await applySiteRows(conn, t, batch, hnr);
    await run(conn, 'COMMIT');
    return true;
  } catch (err) {
    await run(conn, 'ROLLBACK').catch(() => undefined);
    throw err;
  }
}
