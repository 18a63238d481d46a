import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { failureOf, httpAnnounce, id20 } from '../helpers/tracker-harness.js';

const GIB = 1024 ** 3;
const PASSKEY = 'r'.repeat(32);
const HASH = id20('embedded-restart');
const PEER = id20('-qB4650-restart');

const running: MikaProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

describe('mika serve on the embedded store, killed with SIGKILL and started again on the same folder', () => {
  it('keeps the users, the torrents and their credits exactly, and credits the next announce of a known peer its delta', { timeout: 90_000 }, async () => {
    const dir = tempDir('restart');
    const tls = await apiTls(dir);
    const trackerPort = await freePort();
    const apiListen = `127.0.0.1:${await freePort()}`;
    // The default store: embedded, in ./data of the working directory. No upload-rate ceiling: the
    // announces come a second apart and every byte must be credited.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${trackerPort}` }, accounting: { max_upload_rate: 0 }, api: { listen: apiListen, keys: [API_KEY], ...tls }, pidfile: '' }));
    const serve = async () => {
      const m = runMika(['serve'], { cwd: dir });
      running.push(m);
      await m.waitFor(/API listening/);
      return m;
    };
    const api = new ApiClient({ baseUrl: `https://${apiListen}`, ca: readFileSync(tls.tls_cert), apiKey: API_KEY });
    const announce = async (a: { uploaded: number; downloaded: number; left: number; event?: string }) =>
      failureOf(await httpAnnounce(trackerPort, PASSKEY, { infoHash: HASH, peerId: PEER, ...a }));

    try {
      const first = await serve();
      await api.createUser({ user_id: 2, passkey: PASSKEY, name: 'kept' });
      await api.putTorrent({ torrent_id: 20, info_hash: HASH.toString('hex'), name: 'double up', multi_up: 2, multi_dn: 1 });
      await api.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' });
      expect(await announce({ uploaded: 0, downloaded: 0, left: 10 * GIB, event: 'started' })).toBeUndefined();
      // Acknowledged: on disk. Killed right after the reply.
      expect(await announce({ uploaded: 5 * GIB, downloaded: 3 * GIB, left: 7 * GIB })).toBeUndefined();
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

      await serve();
      expect(await api.counts()).toMatchObject({ users: 1, torrents: 1, whitelist: 1 });
      expect(await api.user(2)).toMatchObject({ name: 'kept', uploaded: 10 * GIB, downloaded: 3 * GIB, uploaded_raw: 5 * GIB, downloaded_raw: 3 * GIB, announces: 2 });
      expect(await api.torrent(HASH.toString('hex'))).toMatchObject({ multi_up: 2, leechers: 1, uploaded: 10 * GIB });
      // The peer's last counters survived: 1 GiB more is credited 1 GiB (× 2), not 6.
      expect(await announce({ uploaded: 6 * GIB, downloaded: 4 * GIB, left: 6 * GIB })).toBeUndefined();
      expect(await api.user(2)).toMatchObject({ uploaded: 12 * GIB, downloaded: 4 * GIB, uploaded_raw: 6 * GIB, downloaded_raw: 4 * GIB, announces: 3 });
      expect((await api.userTorrents(2)).active).toMatchObject([{ torrent_id: 20, uploaded: 12 * GIB, downloaded: 4 * GIB, left: 6 * GIB }]);
    } finally {
      await api.close();
    }
  });
});
