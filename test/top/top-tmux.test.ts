import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientFromConfig } from '../../src/api/client.js';
import { parseConfig } from '../../src/config/load.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { MIKA_BIN, ROOT, runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { announceQuery, id20 } from '../helpers/tracker-harness.js';

// `mika top` in a real terminal: tmux runs it against `mika serve` under a bounded announce load,
// and the test reads the screen. The captures are printed: they are what an operator sees.

const KEY = 'top-tmux-test-key-of-some-length';
const TORRENTS = ['Debian 13 netinst', 'Arch Linux 2026.11', 'Blender demo files'];
const passkey = (u: number) => `user${u}`.padEnd(32, 'k');
const hash = (t: number) => id20(`${t}-top-tmux-torrent`);

/** tmux on a socket of its own, so no other tmux server is touched. */
const SOCKET = `mika-top-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'top');

/** Announces from 20 users on the torrents (most on the first), until `stop` or 20,000 requests. */
async function load(trackerPort: number, stop: { done: boolean }): Promise<number> {
  let sent = 0;
  const worker = async (w: number) => {
    for (let i = 0; !stop.done && sent < 20_000; i++) {
      sent++;
      const t = i % 6 === 0 ? 2 : i % 2 === 0 ? 1 : 0;
      const q = announceQuery({ infoHash: hash(t), peerId: id20(`-qB4-w${w}-${t}`), left: w % 3 === 0 ? 0 : 1000, uploaded: i * 1024 });
      // Passkeys of unknown users now and then, for the errors panel.
      const pk = i % 25 === 0 ? 'x'.repeat(32) : passkey(w);
      const res = await fetch(`http://127.0.0.1:${trackerPort}/${pk}/announce?${q}`);
      await res.arrayBuffer();
      // About 40 announces a second per worker: a steady load, not a flood.
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
  return sent;
}

describe('mika top in a terminal', () => {
  it('shows live numbers of a daemon under load, says so when it goes away, and quits on q', { timeout: 120_000 }, async () => {
    const dir = tempDir('top-tmux');
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    const [trackerPort, apiPort] = [await freePort(), await freePort()];
    const settings = {
      tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: false, enforce_min_interval: false },
      api: { listen: `127.0.0.1:${apiPort}`, keys: [KEY], tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') },
    };
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(settings));

    const serve = runMika(['serve', '-c', configPath], { cwd: dir });
    const api = clientFromConfig(parseConfig(settings));
    const stop = { done: false };
    let loading: Promise<number> | undefined;
    try {
      await serve.waitFor(/API listening/);
      await api.bulkUsers(Array.from({ length: 20 }, (_, u) => ({ user_id: u, passkey: passkey(u) })));
      await api.bulkTorrents(TORRENTS.map((name, t) => ({ torrent_id: t + 1, info_hash: hash(t).toString('hex'), name })));
      loading = load(trackerPort, stop);

      // NODE_ENV=test (vitest's) would make oclif look for the TypeScript sources, and CI=true (set
      // by CI) makes Ink draw only the last frame. The shell stays after mika top to show its exit
      // status on the screen.
      const command = `cd ${ROOT} && env -u CI NODE_ENV=production ${process.execPath} ${MIKA_BIN} top -c ${configPath}`;
      tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '40', `${command}; echo "mika top exited with status $?"; sleep 60`);

      // Live: a rate above zero, peers, and the busiest torrent first.
      const live = /● live/;
      const rate = /^announces\/s +([\d.]+) /m;
      await eventually(() => {
        const s = screen();
        const span = Number(/chart over the last (\d+)s/.exec(s)?.[1] ?? 0);
        return live.test(s) && Number(rate.exec(s)?.[1] ?? 0) > 0 && /^1 +Debian 13 netinst/m.test(s) && span >= 5;
      }, 30_000);
      const capture = screen();
      console.log(`mika top against mika serve under load (tmux capture-pane, 120x40):\n${capture}`);
      expect(capture).toMatch(/^mika 0\.1\.0 · https:\/\/127\.0\.0\.1:\d+ · up [\dhms ]+ · embedded store · 1 worker +● live$/m);
      expect(capture).toMatch(/^announces\/s +\d+\.\d [▁-█]+ +total [\d,]+$/m);
      expect(capture).toMatch(/^peers +[1-9]\d* /m);
      expect(capture).toMatch(/unknown_passkey +[\d,]+ +[\d.]+\/s/);
      expect(capture).toMatch(/^2 +Arch Linux 2026\.11/m);

      tmux('send-keys', '-t', 'top', 's');
      await eventually(() => screen().includes('sorted by peers'), 5000);

      // The daemon goes away: the screen says so and keeps trying.
      stop.done = true;
      await loading;
      await serve.stop();
      await eventually(() => /Daemon unreachable/.test(screen()) && /\(\d+ failed tries\)/.test(screen()), 15_000);
      const down = screen();
      console.log(`mika top after mika serve stopped:\n${down}`);
      expect(down).toMatch(/cannot reach the API at https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);

      tmux('send-keys', '-t', 'top', 'q');
      await eventually(() => /^mika top exited with status \d+$/m.test(screen()), 10_000);
      expect(screen()).toMatch(/^mika top exited with status 0$/m);
    } finally {
      stop.done = true;
      await loading;
      await serve.stop();
      await api.close();
      try {
        tmux('kill-server');
      } catch {
        // Already gone.
      }
    }
  });

  it('shows a torrent name with terminal escapes in it as plain text: the window title and colours stay', { timeout: 120_000 }, async () => {
    const dir = tempDir('top-tmux-escapes');
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    const [trackerPort, apiPort] = [await freePort(), await freePort()];
    const settings = {
      tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: false },
      api: { listen: `127.0.0.1:${apiPort}`, keys: [KEY], tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') },
      pidfile: '',
    };
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(settings));
    const serve = runMika(['serve', '-c', configPath], { cwd: dir });
    const api = clientFromConfig(parseConfig(settings));
    try {
      await serve.waitFor(/API listening/);
      // OSC 0 (window title) ended by BEL, then SGR 41 (red background): what the issue reported.
      const evil = '\u001b]0;PWNED\u0007\u001b[41mEVIL';
      await api.bulkUsers([{ user_id: 1, passkey: passkey(1) }]);
      await api.bulkTorrents([{ torrent_id: 1, info_hash: hash(7).toString('hex'), name: evil }]);
      await (await fetch(`http://127.0.0.1:${trackerPort}/${passkey(1)}/announce?${announceQuery({ infoHash: hash(7), peerId: id20('-qB4-escapes'), left: 0 })}`)).arrayBuffer();

      const command = `cd ${ROOT} && env -u CI NODE_ENV=production ${process.execPath} ${MIKA_BIN} top -c ${configPath}`;
      tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '40', `${command}; sleep 60`);
      const title = tmux('display-message', '-p', '-t', 'top', '#{pane_title}').trim();
      await eventually(() => /^1 +\]0;PWNED\[41mEVIL /m.test(screen()), 30_000);
      const capture = screen();
      console.log(`mika top with an escape-laden torrent name (tmux capture-pane):\n${capture}`);
      // With its escapes (-e): Ink's own colours are there, the name's red background is not.
      const withEscapes = tmux('capture-pane', '-p', '-e', '-t', 'top');
      expect(withEscapes).not.toContain('\u001b[41m');
      expect(tmux('display-message', '-p', '-t', 'top', '#{pane_title}').trim()).toBe(title);
      expect(tmux('display-message', '-p', '-t', 'top', '#{pane_title}').trim()).not.toBe('PWNED');
    } finally {
      await serve.stop();
      await api.close();
      try {
        tmux('kill-server');
      } catch {
        // Already gone.
      }
    }
  });
});
