import { spawn } from 'node:child_process';

// A real BitTorrent client from Debian (aria2c, transmission-cli) run by a test: its output kept for
// the failure message, its life bounded by coreutils `timeout` so that not even a crashed test
// worker leaves one running, and stop()/kill() for the test's afterEach.

export type Role = 'seed' | 'leech';

export interface ClientOptions {
  role: Role;
  /** The .torrent to open. */
  torrent: string;
  /** Where the data is (seed) or goes (leech). */
  dataDir: string;
  /** A directory of the client's own: config, state, HOME. */
  home: string;
  /** Peer port on 127.0.0.1. */
  port: number;
}

export interface TorrentClient {
  /** "aria2 seeder" and the like. */
  readonly name: string;
  /** The output so far, progress redraws collapsed, at most the last `max` characters. */
  log(max?: number): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGINT (both clients' clean shutdown), then SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
}

/** Longest a client may run, whatever happens to the test that started it. */
const LIFETIME_S = 180;

const running = new Set<TorrentClient>();

/** Starts `binary args` under `timeout`, output collected. */
export function spawnClient(name: string, binary: string, args: string[], home: string, noise?: RegExp): TorrentClient {
  // timeout puts itself and the client in a process group of their own and passes SIGINT on.
  const child = spawn('timeout', ['-s', 'INT', '-k', '10', String(LIFETIME_S), binary, ...args], {
    cwd: home,
    env: { ...process.env, HOME: home, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => (out += d.toString('latin1'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(client);
      resolve({ code, signal });
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal);
    }
  };
  const client: TorrentClient = {
    name,
    log(max = 6000) {
      const text = collapseRedraws(out, noise);
      return text.length > max ? `…${text.slice(-max)}` : text;
    },
    exited,
    running: alive,
    async stop(ms = 10_000) {
      if (!alive()) return;
      signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(client);
  return client;
}

/** Stops every client still running (for afterEach: a failed test leaves none behind). */
export async function stopAllClients(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(5000)));
}

/** Both clients redraw a status line with "\r": keep one copy of each run of equal lines, and none matching `noise`. */
function collapseRedraws(text: string, noise: RegExp | undefined): string {
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.trimEnd());
  return lines.filter((l, i) => l !== '' && l !== lines[i - 1] && !noise?.test(l)).join('\n');
}
