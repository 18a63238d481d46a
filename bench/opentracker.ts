import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { benchTorrents } from './fixtures.js';
import { freePort, removeTempDir, stop as stopProcess, tempDir, track } from './processes.js';

// opentracker (Debian's build, C, libowfat) for the comparison in `npm run bench`. Debian builds it
// with a whitelist of info_hashes (WANT_ACCESSLIST_WHITE): it answers only hashes listed in
// `access.whitelist`, so the bench writes the hashes of its 1,000 torrents there. Started as root,
// it chroots to its -d dir and drops to nobody by itself, and then finds no whitelist at the path
// it was given (it answers every announce with a failure); so as root the bench starts it as
// `nobody` with setpriv, from a world-readable temp dir, and it never chroots. It binds TCP and
// UDP on 127.0.0.1 only; its UDP tracker gets no load.

const OPENTRACKER = process.env.OPENTRACKER ?? '/usr/bin/opentracker';

export interface Opentracker {
  child: ChildProcess;
  port: number;
  /** Stops it and removes its temp dir. */
  stop(): Promise<void>;
}

export function opentrackerSkipReason(): string | undefined {
  if (!existsSync(OPENTRACKER)) return `${OPENTRACKER} not found (apt install opentracker, or set OPENTRACKER)`;
  if (process.getuid?.() === 0 && !existsSync('/usr/bin/setpriv')) return 'running as root and /usr/bin/setpriv (util-linux) is missing to drop to nobody';
  return undefined;
}

export async function startOpentracker(): Promise<Opentracker> {
  const dir = tempDir('mika-bench-opentracker-');
  chmodSync(dir, 0o755);
  const whitelist = join(dir, 'whitelist');
  const config = join(dir, 'opentracker.conf');
  writeFileSync(whitelist, `${benchTorrents().map((t) => t.infoHash).join('\n')}\n`, { mode: 0o644 });
  writeFileSync(config, `access.whitelist ${whitelist}\n`, { mode: 0o644 });
  const port = await freePort();
  // -d: the dir it would chroot to as root (as nobody it cannot, and goes on where it is).
  const args = ['-f', config, '-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', dir];
  const asNobody = process.getuid?.() === 0;
  const child = track(
    asNobody
      ? spawn('/usr/bin/setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', OPENTRACKER, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(OPENTRACKER, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    await stopProcess(child);
    removeTempDir(dir);
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`opentracker did not listen on 127.0.0.1:${port} (exit ${child.exitCode}): ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
