import { createHash } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import type { MariaDbServer } from './mariadb-server.js';

// The seed's site schema (what `mika warmup` reads with the default sql.queries) and rows made from
// their index alone, so a test or the bench knows each row's passkey and info_hash without reading
// it back. Rows are generated inside MariaDB (the SEQUENCE engine's seq_1_to_N tables): 100,000
// rows take well under a second.

export const SEED_SCHEMA = `
CREATE TABLE xbt_client_whitelist (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  peer_id VARCHAR(20) NOT NULL UNIQUE,
  vstring VARCHAR(200) NOT NULL DEFAULT ''
);
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  passkey CHAR(32) NOT NULL,
  username VARCHAR(64) NOT NULL
);
CREATE TABLE torrents (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  info_hash BINARY(20) NOT NULL,
  release_name VARCHAR(255) NOT NULL
);
`;

/** Real client prefixes first; rows past these are -X<n>. */
const CLIENTS: Array<[string, string]> = [
  ['-qB4', 'qBittorrent 4.x'],
  ['-qB5', 'qBittorrent 5.x'],
  ['-TR3', 'Transmission 3.x'],
  ['-TR4', 'Transmission 4.x'],
  ['-DE2', 'Deluge 2.x'],
  ['-DE13', 'Deluge 1.3.x'],
  ['-lt0D', 'rTorrent 0.9.x'],
  ['-UT355', 'µTorrent 3.5.5'],
  ['-KT5', 'KTorrent 5.x'],
  ['-BI3', 'BiglyBT 3.x'],
  ['-LT2', 'libtorrent (Rasterbar) 2.x'],
  ['-AZ5', 'Vuze 5.x'],
];

/** User `id`'s passkey: md5("u<id>"), 32 hex characters. */
export const passkeyOf = (id: number): string => createHash('md5').update(`u${id}`).digest('hex');
/** Torrent `id`'s info_hash: sha1("t<id>"), hex. */
export const infoHashOf = (id: number): string => createHash('sha1').update(`t${id}`).digest('hex');

/** Fills the seed's tables up to ids 1..n each (`n` rows in the whitelist): only the ids not there yet are added. */
export async function fillSite(db: Connection, n: { whitelist?: number; users?: number; torrents?: number }): Promise<void> {
  const next = async (sql: string) => Number(((await db.query(sql))[0] as Array<{ n: number | string | null }>)[0]?.n ?? 0) + 1;
  if (n.whitelist) {
    const from = await next('SELECT COUNT(*) AS n FROM xbt_client_whitelist');
    const known = CLIENTS.slice(from - 1, n.whitelist);
    if (known.length > 0) await db.query('INSERT INTO xbt_client_whitelist (peer_id, vstring) VALUES ?', [known]);
    const rest = from + known.length;
    if (rest <= n.whitelist) await db.query(`INSERT INTO xbt_client_whitelist (peer_id, vstring) SELECT CONCAT('-X', seq), CONCAT('Client ', seq) FROM seq_${rest}_to_${n.whitelist}`);
  }
  if (n.users) {
    const from = await next('SELECT MAX(id) AS n FROM users');
    if (from <= n.users) await db.query(`INSERT INTO users (id, passkey, username) SELECT seq, MD5(CONCAT('u', seq)), CONCAT('user', seq) FROM seq_${from}_to_${n.users}`);
  }
  if (n.torrents) {
    const from = await next('SELECT MAX(id) AS n FROM torrents');
    if (from <= n.torrents) {
      await db.query(`INSERT INTO torrents (id, info_hash, release_name) SELECT seq, UNHEX(SHA1(CONCAT('t', seq))), CONCAT('Release ', seq) FROM seq_${from}_to_${n.torrents}`);
    }
  }
}

/** A new database on `mariadb` with the seed's tables, filled by fillSite; returns its name. */
export async function seedSite(mariadb: MariaDbServer, label: string, n: Parameters<typeof fillSite>[1]): Promise<string> {
  const database = await mariadb.createDatabase(label);
  const db = await mariadb.connect(database);
  try {
    await db.query(SEED_SCHEMA);
    await fillSite(db, n);
  } finally {
    await db.end();
  }
  return database;
}
