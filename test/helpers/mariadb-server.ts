import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePort } from './free-port.js';
import { serverProcess } from './server-process.js';

// A MariaDB server of the test's own: a fresh datadir in a temp dir, a free port on 127.0.0.1, root
// without a password. Tests never touch any other database server. CI installs mariadb-server with
// apt; MARIADBD / MARIADB_INSTALL_DB override the binaries.

export interface MariaDbServer {
  readonly port: number;
  readonly dir: string;
  /** A mysql:// URL for `database` as root. */
  url(database: string): string;
  /** A connection as root (multipleStatements on, for seeding schemas). */
  connect(database?: string): Promise<Connection>;
  /** Creates an empty database with a unique name and returns the name. */
  createDatabase(label: string): Promise<string>;
  /** Starts it again on the same port and datadir (after stop()). */
  start(): Promise<void>;
  /** Stops it; SIGKILL simulates a crash. The datadir stays. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it and removes its datadir. */
  destroy(): Promise<void>;
}

const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';
const INSTALL_DB = process.env.MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db';
let databases = 0;

export async function startMariaDb(): Promise<MariaDbServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mika-mariadb-'));
  const datadir = join(dir, 'data');
  // A tmpdir of its own: a mariadbd starting up deletes every #sql* file in its tmpdir, so with the
  // shared /tmp one test's server removed another's bootstrap temp tables mid-install (CI, stop 20:
  // "Could not remove temporary table ... Unknown table 'mysql.tmp_user_sys'").
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  await promisify(execFile)(
    INSTALL_DB,
    ['--no-defaults', `--datadir=${datadir}`, `--tmpdir=${tmp}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { timeout: 60_000 },
  );
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--tmpdir=${tmp}`,
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    '--max-connections=200',
  ];
  const connect = (database?: string) =>
    createConnection({ host: '127.0.0.1', port, user: 'root', ...(database ? { database } : {}), multipleStatements: true, connectTimeout: 2000 });
  const proc = serverProcess(MARIADBD, args, (p) => waitForConnection(connect, p, dir));

  const server: MariaDbServer = {
    port,
    dir,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    connect,
    async createDatabase(label) {
      const name = `mika_${label.replace(/\W/g, '_')}_${process.pid}_${++databases}`;
      const c = await connect();
      await c.query(`CREATE DATABASE \`${name}\``);
      await c.end();
      return name;
    },
    start: proc.start,
    stop: proc.stop,
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function waitForConnection(connect: () => Promise<Connection>, proc: ChildProcess, dir: string): Promise<void> {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mariadbd exited (${proc.exitCode}): ${stderr} (see ${dir}/error.log)`);
    try {
      const c = await connect();
      await c.end();
      return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`mariadbd did not accept connections within 60 s (see ${dir}/error.log)`);
}
