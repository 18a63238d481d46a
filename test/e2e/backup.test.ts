import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { httpAnnounce, id20 } from '../helpers/tracker-harness.js';

const running: MikaProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

const passkey = (id: number) => `${String(id).padStart(8, '0')}${'b'.repeat(24)}`;
const HASH = id20('backup-e2e');

describe('mika backup', () => {
  it('copies the data file while mika serves and announces go on; the copy restored in place of mika.mdb holds the ledger', { timeout: 90_000 }, async () => {
    const dir = tempDir('backup');
    const tls = await apiTls(dir);
    const trackerPort = await freePort();
    const apiListen = `127.0.0.1:${await freePort()}`;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: false }, api: { listen: apiListen, keys: [API_KEY], ...tls }, pidfile: '' }));
    const serve = runMika(['serve'], { cwd: dir });
    running.push(serve);
    await serve.waitFor(/API listening/);
    const api = new ApiClient({ baseUrl: `https://${apiListen}`, ca: readFileSync(tls.tls_cert), apiKey: API_KEY });
    try {
      await api.bulkUsers(Array.from({ length: 2000 }, (_, i) => ({ user_id: i + 1, passkey: passkey(i + 1) })));
      await api.putTorrent({ torrent_id: 1, info_hash: HASH.toString('hex'), name: 'backed up' });
      // Announces keep the writer busy while the copy is made.
      let stop = false;
      const load = (async () => {
        for (let n = 1; !stop; n++) await httpAnnounce(trackerPort, passkey((n % 2000) + 1), { infoHash: HASH, peerId: id20(`-qB4650-${n % 50}`), uploaded: n * 1000, left: 0 });
      })();
      const backup = runMika(['backup', join(dir, 'copy.mdb')], { cwd: dir });
      const { code } = await backup.exited;
      stop = true;
      await load;
      expect(backup.stderr()).toBe('');
      expect(code).toBe(0);
      expect(backup.stdout()).toMatch(new RegExp(`^> Backup: ${join(dir, 'copy.mdb')} \\([\\d,]+ bytes, 2,001 users, torrents and whitelist entries\\)\\n$`));

      const again = runMika(['backup', join(dir, 'copy.mdb')], { cwd: dir });
      expect((await again.exited).code).toBe(1);
      expect(again.stderr()).toBe(`mika: ${join(dir, 'copy.mdb')} exists: mika backup does not overwrite, name a new file\n`);
    } finally {
      await api.close();
    }
    await serve.stop();

    // Restore (docs/operations.md): the copy in place of mika.mdb, mika stopped.
    const restored = join(tempDir('restored'), 'data');
    mkdirSync(restored);
    copyFileSync(join(dir, 'copy.mdb'), join(restored, 'mika.mdb'));
    const store = new EmbeddedStore({ path: restored });
    await store.open();
    try {
      expect(store.counts()).toMatchObject({ users: 2000, torrents: 1 });
      expect((await store.torrentStats(HASH.toString('hex'))).announces).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('refuses on the memory store: it keeps nothing to copy', async () => {
    const dir = tempDir('backup');
    const m = runMika(['backup', join(dir, 'x.mdb')], { cwd: dir, env: { MIKA_STORE_TYPE: 'memory' } });
    expect((await m.exited).code).toBe(1);
    expect(m.stderr()).toBe('mika: mika backup copies the embedded store\'s data file, and store.type is "memory": the memory store keeps nothing to copy\n');
  });
});
