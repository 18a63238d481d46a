import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFromConfig, type ApiClient } from '../../src/api/client.js';
import { parseConfig } from '../../src/config/load.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { announceQuery, id20 } from '../helpers/tracker-harness.js';

// The largest scrape the config allows (tracker.scrape_max_hashes at its maximum, the URL limits
// raised to carry it) sent to the built `mika serve` while one client announces in a loop: the
// scrape's work is sliced and yields to the event loop, so no announce waits behind it for long.

const KEY = 'scrape-bound-test-key-0123456789';
const PASSKEY = 's'.repeat(32);
const MAX_HASHES = 10_000;
/** How much longer than usual an announce may take while the scrape runs (issue 14). */
const ALLOWED_DELAY_MS = 50;

const hashOf = (i: number) => id20(`scrape-bound-${i}`);
/** Every byte percent-encoded, as some clients send it: the longest URL a scrape of this size makes. */
const encodeAll = (b: Buffer): string => Array.from(b, (x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join('');

describe('a maximum-size scrape', () => {
  let dir: string;
  let serve: MikaProcess;
  let api: ApiClient;
  let trackerPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mika-scrape-bound-'));
    expect((await runMika(['genkey'], { cwd: dir }).exited).code).toBe(0);
    trackerPort = await freePort();
    const settings = {
      tracker: { listen: `127.0.0.1:${trackerPort}`, whitelist_enabled: false, enforce_min_interval: false, scrape_max_hashes: MAX_HASHES, max_header_size: 1_048_576, max_url_length: 1_000_000 },
      api: { listen: `127.0.0.1:${await freePort()}`, keys: [KEY], tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') },
      pidfile: '',
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(settings));
    serve = runMika(['serve'], { cwd: dir });
    await serve.waitFor(/API listening/);
    api = clientFromConfig(parseConfig(settings));
    await api.createUser({ user_id: 1, passkey: PASSKEY });
    const torrents = Array.from({ length: MAX_HASHES }, (_, i) => ({ torrent_id: i + 1, info_hash: hashOf(i).toString('hex'), name: `t${i}` }));
    await api.bulkTorrents(torrents);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`of ${MAX_HASHES} hashes is answered whole, and delays a concurrent announce by at most ${ALLOWED_DELAY_MS} ms`, { timeout: 120_000 }, async () => {
    const scrapeUrl = `http://127.0.0.1:${trackerPort}/${PASSKEY}/scrape?${Array.from({ length: MAX_HASHES }, (_, i) => `info_hash=${encodeAll(hashOf(i))}`).join('&')}`;
    const announceUrl = `http://127.0.0.1:${trackerPort}/${PASSKEY}/announce?${announceQuery({ infoHash: hashOf(0), peerId: id20('-qB4-scrape-bound'), left: 0 })}`;
    // Each on a connection of its own, kept alive: connection setup is not what is measured.
    const announcer = new Agent({ connections: 1 });
    const scraper = new Agent({ connections: 1 });
    const announce = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await request(announceUrl, { dispatcher: announcer });
      await res.body.arrayBuffer();
      return performance.now() - t0;
    };
    try {
      // Warm up both paths (JIT, connections), then the usual announce time.
      await (await request(scrapeUrl, { dispatcher: scraper })).body.arrayBuffer();
      for (let i = 0; i < 50; i++) await announce();
      const usual: number[] = [];
      for (let i = 0; i < 100; i++) usual.push(await announce());
      usual.sort((a, b) => a - b);
      const median = usual[usual.length >> 1]!;

      // The machine's other work (other test files, other processes) can deschedule the daemon in
      // the middle of any turn, which no slicing prevents: the scrape gets up to three tries, and the
      // bound must hold in one of them (noise only ever adds delay).
      const tries: Array<{ ms: number; announces: number; worst: number }> = [];
      for (let t = 0; t < 3 && !tries.some((x) => x.worst - median <= ALLOWED_DELAY_MS); t++) {
        const during: number[] = [];
        let scraping = true;
        const t0 = performance.now();
        const scrape = request(scrapeUrl, { dispatcher: scraper }).then(async (res) => {
          const body = Buffer.from(await res.body.arrayBuffer());
          scraping = false;
          return { status: res.statusCode, body, ms: performance.now() - t0 };
        });
        while (scraping) during.push(await announce());
        const reply = await scrape;
        expect(reply.status).toBe(200);
        // Every hash is in the reply: d5:filesd then one 20-byte key and its dictionary per torrent.
        expect(reply.body.toString('latin1').match(/8:completei\d+e/g)).toHaveLength(MAX_HASHES);
        expect(during.length).toBeGreaterThan(1);
        tries.push({ ms: reply.ms, announces: during.length, worst: Math.max(...during) });
      }
      console.log(
        `scrape of ${MAX_HASHES} hashes (${(scrapeUrl.length / 1024).toFixed(0)} KiB URL), announce usually ${median.toFixed(1)} ms; ` +
          tries.map((x, i) => `try ${i + 1}: scrape ${x.ms.toFixed(0)} ms, ${x.announces} announces during it, the slowest ${x.worst.toFixed(1)} ms`).join('; '),
      );
      expect(Math.min(...tries.map((x) => x.worst)) - median).toBeLessThanOrEqual(ALLOWED_DELAY_MS);
    } finally {
      await Promise.all([announcer.close(), scraper.close()]);
    }
  });
});
