import { describe, expect, it } from 'vitest';
import { API_KEY, startApiDaemon } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { id20 } from '../helpers/tracker-harness.js';

// `mika top --once --json` of the built binary, for scripts: against a daemon in this process,
// reached with --url, --key and --ca instead of a config.

const PK = 'p'.repeat(32);
const IH = 'ab'.repeat(20);

async function top(args: string[]) {
  const m = runMika(['top', ...args]);
  const { code } = await m.exited;
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

describe('mika top --once', () => {
  it('--json prints one snapshot: rates, swarms, storage, version and the busiest torrents', { timeout: 120_000 }, async () => {
    const dir = tempDir('top-once');
    // Six peers of one user in one swarm: the per-user peer limit off.
    const d = await startApiDaemon(dir, { config: { tracker: { whitelist_enabled: false, max_peers_per_user_torrent: 0 } } });
    try {
      await d.api('POST', '/api/user', { body: { user_id: 1, passkey: PK } });
      await d.api('POST', '/api/torrent', { body: { torrent_id: 9, info_hash: IH, name: 'Fedora 45' } });
      for (let i = 0; i < 6; i++) await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20(`-qB4-once-${i}`), left: i < 2 ? 0 : 1 });

      const url = `https://127.0.0.1:${d.daemon.apiAddress!.port}`;
      const r = await top(['--url', url, '--key', API_KEY, '--ca', `${dir}/api.crt`, '--once', '--json', '--interval', '0.2']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const snap = JSON.parse(r.stdout);
      expect(snap).toMatchObject({
        url,
        version: '0.1.0',
        announces: 6,
        scrapes: 0,
        announces_per_second: 0,
        scrapes_per_second: 0,
        seeders: 2,
        leechers: 4,
        peers: 6,
        torrents: 1,
        users: 1,
        storage: { kind: 'memory', up: true },
        busiest: [{ info_hash: IH, torrent_id: 9, name: 'Fedora 45', announces_last_minute: 6, seeders: 2, leechers: 4, peers: 6 }],
      });
      expect(snap.uptime_seconds).toBeGreaterThanOrEqual(0);
      expect(snap.storage.latency_ms).toBeTypeOf('number');
      expect(Object.keys(snap.requests_per_second)).toEqual(['1s', '10s', '60s']);
    } finally {
      await d.close();
    }
  });

  it('exits 1 with one line when no daemon answers', { timeout: 90_000 }, async () => {
    const dir = tempDir('top-once-down');
    // A certificate to pin, and nothing listening on the port.
    const d = await startApiDaemon(dir);
    await d.close();
    const url = `https://127.0.0.1:${await freePort()}`;
    const r = await top(['--url', url, '--key', API_KEY, '--ca', `${dir}/api.crt`, '--once', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^mika: cannot reach the API at ${url}: .*ECONNREFUSED.*\\n$`));
  });
});
