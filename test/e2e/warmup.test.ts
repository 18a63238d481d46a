import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';
import { startMariaDb, type MariaDbServer } from '../helpers/mariadb-server.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { fillSite, infoHashOf, passkeyOf, seedSite } from '../helpers/site-schema.js';
import { failureOf, httpAnnounce, id20 } from '../helpers/tracker-harness.js';

// `mika warmup` as an operator runs it: the built binary, against `mika serve` on the Redis store and
// a MariaDB of the file's own, seeded by the test. The tests run in order and build on each other:
// the seed's database first, then more rows, then rows deleted, then a site with its own schema.

let mariadb: MariaDbServer;
let redis: RedisServer;
let serve: MikaProcess;
let dir: string;
let api: ApiClient;
let trackerPort: number;
let settings: Record<string, any>;
let seedUrl: string;

/** Runs `mika warmup` with the config file made from `settings` plus `sql`; its exit code and output. */
async function warmup(args: string[] = [], sql: Record<string, unknown> = { url: seedUrl }) {
  const config = join(dir, `warmup-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(config, JSON.stringify({ ...settings, sql }));
  const m = runMika(['warmup', '--config', config, ...args], { cwd: dir });
  const { code } = await m.exited;
  return { code, stdout: m.stdout(), stderr: m.stderr(), lines: m.stdout().trimEnd().split('\n') };
}

const failure = async (passkey: string, infoHashHex: string, peerId = '-qB4650-warmup') =>
  failureOf(await httpAnnounce(trackerPort, passkey, { infoHash: Buffer.from(infoHashHex, 'hex'), peerId: id20(peerId) }));

beforeAll(async () => {
  [mariadb, redis] = await Promise.all([startMariaDb(), startRedisServer()]);
  dir = mkdtempSync(join(tmpdir(), 'mika-warmup-e2e-'));
  seedUrl = mariadb.url(await seedSite(mariadb, 'seed', { whitelist: 12, users: 146, torrents: 3819 }));
  const [apiPort, tls] = [await freePort(), await apiTls(dir)];
  trackerPort = await freePort();
  settings = {
    tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: true, reap_interval: 3600 },
    api: { listen: `127.0.0.1:${apiPort}`, keys: [API_KEY], ...tls },
    store: { type: 'redis', redis: { url: redis.url } },
    pidfile: '',
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(settings));
  serve = runMika(['serve'], { cwd: dir });
  await serve.waitFor(/API listening/);
  api = new ApiClient({ baseUrl: `https://127.0.0.1:${apiPort}`, ca: readFileSync(tls.tls_cert), apiKey: API_KEY });
}, 90_000);

afterAll(async () => {
  await api?.close();
  await serve?.stop();
  await Promise.all([mariadb?.destroy(), redis?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mika warmup', () => {
  it('against the seed’s schema prints the seed’s summary lines, and the daemon then accepts those passkeys and torrents', { timeout: 90_000 }, async () => {
    const r = await warmup();
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.lines.slice(-3)).toEqual(['Loading whitelist… 12', 'Loading passkeys… 146', 'Loading torrents… 3819']);
    expect(r.stdout).toMatch(/^passkeys: 146 rows from users in [\d.]+ s(, [\d,]+ rows\/s)?: 146 written, 0 unchanged$/m);
    expect(r.stdout).toMatch(/^torrents: 3,819 rows from torrents in .*: 3,819 written, 0 unchanged$/m);

    expect(await failure(passkeyOf(146), infoHashOf(3819))).toBeUndefined();
    expect(await failure(passkeyOf(1), infoHashOf(1), '-TR4000-warmup')).toBeUndefined();
    expect(await failure(passkeyOf(1), infoHashOf(1), '-ZZ1000-warmup')).toBe('client not whitelisted');
    expect(await failure(passkeyOf(147), infoHashOf(1))).toBe('unknown passkey');
    expect(await api.counts()).toMatchObject({ users: 146, torrents: 3819, whitelist: 12 });
  });

  it('a second run writes nothing and says so; --json prints one object with the same counts', { timeout: 90_000 }, async () => {
    const again = await warmup();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^passkeys: .*: 0 written, 146 unchanged$/m);
    expect(again.lines.slice(-4)).toEqual([
      'Nothing changed: the daemon already held every row as the site database has it',
      'Loading whitelist… 12',
      'Loading passkeys… 146',
      'Loading torrents… 3819',
    ]);
    const json = await warmup(['--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({
      changed: false,
      whitelist: { table: 'xbt_client_whitelist', rows: 12, loaded: 12, written: 0, unchanged: 12, skipped: 0 },
      users: { table: 'users', columns: ['id', 'passkey', 'username'], rows: 146, loaded: 146, written: 0, unchanged: 146, conflicts: 0 },
      torrents: { rows: 3819, loaded: 3819, written: 0, unchanged: 3819 },
    });
  });

  it('loads 100,000 rows in seconds, a passkey that moved to another user included', { timeout: 120_000 }, async () => {
    const db = await mariadb.connect(new URL(seedUrl).pathname.slice(1));
    await fillSite(db, { users: 40_000, torrents: 60_000 });
    // User 5 takes user 6's passkey, user 6 a new one: user 5 comes first and is refused until user 6 is in.
    await db.query(`UPDATE users SET passkey = CASE id WHEN 5 THEN '${passkeyOf(6)}' ELSE '${'n'.repeat(32)}' END WHERE id IN (5, 6)`);
    await db.end();
    const started = Date.now();
    const r = await warmup(['--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.whitelist.rows + report.users.rows + report.torrents.rows).toBe(100_012);
    expect(report.users).toMatchObject({ loaded: 40_000, written: 40_000 - 146 + 2, unchanged: 144, conflicts: 0 });
    expect(report.torrents).toMatchObject({ loaded: 60_000, written: 60_000 - 3819, unchanged: 3819 });
    expect(Date.now() - started).toBeLessThan(45_000);

    expect(await failure(passkeyOf(40_000), infoHashOf(60_000))).toBeUndefined();
    expect(await failure(passkeyOf(6), infoHashOf(59_999), '-qB4650-moved')).toBeUndefined();
    expect((await api.user(5)).passkey).toBe(passkeyOf(6));
    expect(await failure(passkeyOf(5), infoHashOf(1))).toBe('unknown passkey');
  });

  it('with --prune removes the users and torrents gone from the site database, keeping those whose row is bad', { timeout: 120_000 }, async () => {
    const db = await mariadb.connect(new URL(seedUrl).pathname.slice(1));
    await db.query('DELETE FROM users WHERE id > 39000');
    await db.query('DELETE FROM torrents WHERE id > 59500');
    // A row that is still there but cannot be loaded: its user stays as the daemon has it.
    await db.query("UPDATE users SET passkey = '' WHERE id = 7");
    await db.end();

    const plain = await warmup();
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^passkeys: 39,000 rows .*: 0 written, 38,999 unchanged, 1 bad row skipped$/m);
    expect(plain.stdout).toContain('\n  skipped user id 7: passkey is empty\n');
    expect(await api.counts()).toMatchObject({ users: 40_000, torrents: 60_000 });

    const pruned = await warmup(['--prune']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('Pruned 1,000 users and 500 torrents no longer in the site database\n');
    expect(pruned.lines.slice(-3)).toEqual(['Loading whitelist… 12', 'Loading passkeys… 38999', 'Loading torrents… 59500']);
    expect(await api.counts()).toMatchObject({ users: 39_000, torrents: 59_500 });
    expect(await failure(passkeyOf(39_001), infoHashOf(1))).toBe('unknown passkey');
    expect(await failure(passkeyOf(1), infoHashOf(59_501))).toBe('unregistered torrent');
    expect(await failure(passkeyOf(7), infoHashOf(1))).toBeUndefined();

    const again = await warmup(['--prune', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, users: { pruned: 0, skipped: 1 }, torrents: { pruned: 0 } });
  });

  it('reads a site with its own table and column names, hex info_hashes and the optional columns; bad rows are skipped, the first five shown', { timeout: 90_000 }, async () => {
    const name = await mariadb.createDatabase('own');
    const db = await mariadb.connect(name);
    const pk = (i: number) => `own-passkey-${String(i).padStart(20, '0')}`;
    await db.query(`
      CREATE TABLE clients (prefix VARBINARY(20) NOT NULL, label VARCHAR(300));
      CREATE TABLE bans (pat VARBINARY(20) NOT NULL, why VARCHAR(300));
      INSERT INTO bans VALUES ('-OW19', 'Own client 1.9 reports fake upload'), ('', 'empty');
      CREATE TABLE members (uid BIGINT UNSIGNED PRIMARY KEY, torrent_pass VARCHAR(200), nick VARCHAR(64), can_leech TINYINT(1), enabled ENUM('0', '1'), slots SMALLINT UNSIGNED, staff TINYINT(1));
      CREATE TABLE releases (tid INT PRIMARY KEY, hash CHAR(40), title VARCHAR(2000), freeleech BIT(1), bytes BIGINT UNSIGNED);
      INSERT INTO clients VALUES ('-OW1', 'Own client'), ('', 'no prefix');
      INSERT INTO members VALUES
        (900001, ${db.escape(pk(1))}, 'ann', 1, '1', 2, 1),
        (900002, ${db.escape(pk(2))}, 'bob', 0, '1', NULL, 0),
        (900003, ${db.escape(pk(3))}, NULL, NULL, '0', 0, 0),
        (900004, '', 'empty', 1, '1', 0, 0),
        (900005, 'short', 'short', 1, '1', 0, 0),
        (900006, ${db.escape(`${'x'.repeat(31)}!`)}, 'bang', 1, '1', 0, 0),
        (900007, NULL, 'null', 1, '1', 0, 0),
        (900008, '', 'empty2', 1, '1', 0, 0),
        (900009, '', 'empty3', 1, '1', 0, 0),
        (900010, ${db.escape(pk(1))}, 'copycat', 1, '1', 0, 0);
      INSERT INTO releases VALUES
        (800001, ${db.escape('AB'.repeat(20))}, ${db.escape('t'.repeat(1500))}, b'1', 10737418240),
        (800002, ${db.escape('cd'.repeat(20))}, 'normal', b'0', NULL),
        (800003, 'xyz', 'short hash', b'0', 1),
        (800004, ${db.escape('g'.repeat(40))}, 'not hex', NULL, 1);
    `);
    await db.end();
    const queries = {
      whitelist: { table: 'clients', prefix: 'prefix', client: 'label' },
      blacklist: { table: 'bans', pattern: 'pat', reason: 'why' },
      users: { table: 'members', id: 'uid', passkey: 'torrent_pass', name: 'nick', leech_slots: 'slots', hnr_immune: 'staff' },
      torrents: { table: 'releases', id: 'tid', info_hash: 'hash', name: 'title', size: 'bytes' },
    };
    const r = await warmup([], { url: mariadb.url(name), queries });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^passkeys: 10 rows from members in .*: 3 written, 0 unchanged, 6 bad rows skipped, 1 passkey conflict$/m);
    expect(r.stdout).toContain(
      [
        '  skipped user id 900004: passkey is empty',
        '  skipped user id 900005: passkey is 5 characters (want 32 to 128)',
        '  skipped user id 900006: passkey has characters other than A-Z a-z 0-9 _ . ~ -',
        '  skipped user id 900007: passkey is empty',
        '  skipped user id 900008: passkey is empty',
        '  … and 1 more',
        '  not written: user id 900010: passkey is held by user 900001',
      ].join('\n'),
    );
    expect(r.stdout).toContain('  skipped torrent id 800003: info_hash is 3 characters (want 20 bytes or 40 hex characters)\n  skipped torrent id 800004: info_hash is 40 characters but not hex\n');
    expect(r.stdout).toContain('  skipped prefix "": prefix is empty\n');
    expect(r.lines.slice(-4)).toEqual(['Loading whitelist… 1', 'Loading blacklist… 1', 'Loading passkeys… 3', 'Loading torrents… 2']);
    expect(r.stdout).toContain('  skipped pattern "": pattern is empty\n');

    expect(await api.user(900001)).toMatchObject({ name: 'ann', leech_slots: 2, hnr_immune: true });
    expect(await api.user(900002)).toMatchObject({ name: 'bob', can_leech: false, enabled: true, leech_slots: 0, hnr_immune: false });
    expect(await api.user(900003)).toMatchObject({ name: '', can_leech: true, enabled: false });
    expect(await api.torrent('ab'.repeat(20))).toMatchObject({ torrent_id: 800001, multi_dn: 0, multi_up: 1, name: 't'.repeat(1024), size: 10737418240 });
    expect(await api.torrent('cd'.repeat(20))).toMatchObject({ multi_dn: 1, size: 0 });
    expect(await failure(pk(1), 'cd'.repeat(20), '-OW1000-own')).toBeUndefined();
    expect(await failure(pk(3), 'cd'.repeat(20))).toBe('account disabled');
    expect(await failure(pk(1), 'cd'.repeat(20), '-OW1900-own')).toBe('client banned: Own client 1.9 reports fake upload');
  });

  it('says in one line what is wrong with the site database or the daemon, and exits 1', { timeout: 90_000 }, async () => {
    const missing = await warmup([], { url: mariadb.url('nope') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^mika: cannot connect to the site database at mysql:\/\/\[redacted\]@127\.0\.0\.1:\d+\/nope \(config sql\.\*\): Unknown database 'nope'\n$/);
    const column = await warmup([], { url: seedUrl, queries: { users: { passkey: 'torrent_pass' } } });
    expect(column.code).toBe(1);
    expect(column.stderr).toBe('mika: table users has no column torrent_pass (sql.queries.users.passkey); its columns: id, passkey, username\n');
  });
});
