import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { startMariaDb, type MariaDbServer } from '../helpers/mariadb-server.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { seedSite } from '../helpers/site-schema.js';
import { tempDir } from '../helpers/temp-dir.js';

let mariadb: MariaDbServer | undefined;
let serve: MikaProcess | undefined;
afterEach(async () => {
  await serve?.stop();
  await mariadb?.destroy();
});

describe('mika serve with store.auto_warmup and the site database configured', () => {
  it('started on an empty data folder, loads the registry from the site database by itself', { timeout: 120_000 }, async () => {
    mariadb = await startMariaDb();
    const seed = await seedSite(mariadb, 'auto', { whitelist: 3, users: 40, torrents: 120 });

    const dir = tempDir('auto-warmup');
    const tls = await apiTls(dir);
    const apiListen = `127.0.0.1:${await freePort()}`;
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ tracker: { listen: '127.0.0.1:0' }, api: { listen: apiListen, keys: [API_KEY], ...tls }, store: { auto_warmup: true }, sql: { url: mariadb.url(seed) }, pidfile: '' }),
    );
    serve = runMika(['serve'], { cwd: dir });
    expect(await serve.waitFor(/registry empty/)).toMatch(/reloading it from the site database \(store\.auto_warmup\)/);
    await serve.waitFor(/automatic warmup: registry reloaded from the site database/, 60_000);
    const api = new ApiClient({ baseUrl: `https://${apiListen}`, ca: readFileSync(tls.tls_cert), apiKey: API_KEY });
    try {
      expect(await api.counts()).toMatchObject({ users: 40, torrents: 120, whitelist: 3 });
      await eventually(async () => ((await api.health()) as { registry?: string }).registry === 'ok', 10_000, 200);
    } finally {
      await api.close();
    }
  });
});
