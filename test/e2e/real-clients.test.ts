import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import type { TorrentReply, UserReply } from '../../src/api/schemas.js';
import { API_KEY, apiTls } from '../helpers/api-daemon.js';
import { ARIA2_PEER_ID_PREFIX, startAria2 } from '../helpers/aria2.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { stopAllClients, type ClientOptions, type TorrentClient } from '../helpers/torrent-client.js';
import { torrentOf } from '../helpers/torrent-file.js';
import { startTransmission, TRANSMISSION_PEER_ID_PREFIX } from '../helpers/transmission.js';

// Real clients from Debian (aria2c, transmission-cli) swap a file through `mika serve` (the built
// binary, memory store, whitelist on) on loopback, with DHT, PEX and local discovery off so the
// tracker is the only way they can meet. Users, the torrent and the clients' peer_id prefixes are
// registered through the TLS API, and the figures are read back through it.

const CLIENTS = {
  aria2: { start: startAria2, prefix: ARIA2_PEER_ID_PREFIX },
  transmission: { start: startTransmission, prefix: TRANSMISSION_PEER_ID_PREFIX },
};
type ClientName = keyof typeof CLIENTS;

// An odd size, so the last piece is a short one.
const SIZE = 3 * 1024 * 1024 + 12_345;
// Clients report payload bytes; a piece sent twice near the end (endgame) may add a little.
const OVERHEAD = 1.1;

let dir: string;
let serve: MikaProcess;
let api: ApiClient;
let trackerPort: number;
let nextId = 1;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-real-clients-'));
  trackerPort = await freePort();
  const config = {
    // Short intervals: a client's last figures arrive within seconds of the transfer.
    tracker: { listen: `127.0.0.1:${trackerPort}`, ipv6: false, interval: 2, min_interval: 1, reap_interval: 60, whitelist_enabled: true },
    api: { listen: `127.0.0.1:${await freePort()}`, keys: [API_KEY], ...(await apiTls(dir)) },
    pidfile: '',
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  serve = runMika(['serve', '--config', join(dir, 'config.json')], { cwd: dir });
  await serve.waitFor(/API listening/, 30_000);
  api = new ApiClient({ baseUrl: `https://${config.api.listen}`, ca: readFileSync(config.api.tls_cert), apiKey: API_KEY });
  await api.putWhitelist({ prefix: ARIA2_PEER_ID_PREFIX, client: 'aria2' });
  await api.putWhitelist({ prefix: TRANSMISSION_PEER_ID_PREFIX, client: 'Transmission' });
}, 60_000);

afterEach(async () => {
  await stopAllClients();
});

afterAll(async () => {
  await api?.close();
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Figures {
  seeder?: UserReply;
  leecher?: UserReply;
  torrent?: TorrentReply;
}

/** The error with what the test saw: the tracker's last figures, each client's output, mika's log. */
function withLogs(err: unknown, figures: Figures, clients: TorrentClient[]): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const parts = [`last figures from the API: ${JSON.stringify(figures)}`];
  for (const c of clients) parts.push(`----- ${c.name} (${c.running() ? 'running' : 'exited'}) -----\n${c.log()}`);
  parts.push(`----- mika serve -----\n${(serve.stdout() + serve.stderr()).slice(-4000)}`);
  e.message += `\n\n${parts.join('\n')}`;
  return e;
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  try {
    await eventually(check, ms, 250);
  } catch {
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
  }
}

// Each client in each role, and aria2 with itself. Not transmission with itself: transmission
// never dials a peer on 127.0.0.0/8 or ::1 (it takes them for martian addresses), so on loopback
// it meets only clients that dial it, as aria2 does.
const PAIRS: Array<[ClientName, ClientName]> = [
  ['aria2', 'transmission'],
  ['transmission', 'aria2'],
  ['aria2', 'aria2'],
];

describe('real clients meeting through the tracker alone', () => {
  it.each(PAIRS)(
    '%s seeds and %s leeches: the leecher ends with the exact file, one snatch, upload and download credited',
    { timeout: 120_000 },
    async (seederName, leecherName) => {
      const work = tempDir('real-clients');
      const seedDir = join(work, 'seed');
      const leechDir = join(work, 'leech');
      for (const d of [seedDir, leechDir, join(work, 'seeder-home'), join(work, 'leecher-home')]) mkdirSync(d);
      const payload = randomBytes(SIZE);
      writeFileSync(join(seedDir, 'payload.bin'), payload);
      const meta = torrentOf(join(seedDir, 'payload.bin'));
      const infoHash = meta.infoHash.toString('hex');

      const torrentId = nextId;
      const [seederId, leecherId] = [nextId++, nextId++];
      const passkey = (id: number) => `real-clients-user-${id}`.padEnd(32, '0');
      await api.putTorrent({ torrent_id: torrentId, info_hash: infoHash, name: `${seederName} to ${leecherName}` });
      for (const id of [seederId, leecherId]) await api.createUser({ user_id: id, passkey: passkey(id) });
      const torrentFor = (id: number, name: string) => {
        const path = join(work, name);
        meta.write(path, `http://127.0.0.1:${trackerPort}/${passkey(id)}/announce`);
        return path;
      };
      const options = async (role: ClientOptions['role'], id: number): Promise<ClientOptions> => ({
        role,
        torrent: torrentFor(id, `${role}.torrent`),
        dataDir: role === 'seed' ? seedDir : leechDir,
        home: join(work, role === 'seed' ? 'seeder-home' : 'leecher-home'),
        port: await freePort(),
      });

      const figures: Figures = {};
      const clients: TorrentClient[] = [];
      try {
        clients.push(CLIENTS[seederName].start(await options('seed', seederId)));
        const seen = new Map<string, number>();
        const lookAtSwarm = async () => {
          for (const p of (await api.peers(infoHash)).peers) seen.set(Buffer.from(p.peer_id, 'hex').toString('latin1'), p.user_id);
        };
        // The seeder first, checked and announced as a seeder, so that the leecher's first
        // announce finds it. Generous: on a busy CI machine transmission-cli once printed its first
        // line 15 s after it was started, and 20 s ran out before it had checked its file.
        await until(
          `the ${seederName} seeder to announce left=0`,
          async () => (await api.peers(infoHash)).peers.some((p) => p.user_id === seederId && p.seeder),
          45_000,
        );
        await lookAtSwarm();
        clients.push(CLIENTS[leecherName].start(await options('leech', leecherId)));

        // Until the tracker has heard the whole transfer from both sides: the seeder's upload comes
        // with its next regular announce (transmission's `stopped` on exit never arrives). About
        // 5 s for aria2 with itself, 15-20 s with transmission in the pair, mostly spent waiting for
        // the seeder's choke round (aria2 as seeder unchokes a new peer at its next one, every 10 s).
        await until(
          'the transfer to reach the tracker',
          async () => {
            await lookAtSwarm();
            [figures.seeder, figures.leecher, figures.torrent] = await Promise.all([api.user(seederId), api.user(leecherId), api.torrent(infoHash)]);
            return figures.seeder.uploaded >= SIZE && figures.leecher.downloaded >= SIZE && figures.torrent.snatches >= 1;
          },
          55_000,
        );
        await Promise.all(clients.map((c) => c.stop()));

        expect(readFileSync(join(leechDir, 'payload.bin')).equals(payload), 'the leecher’s file is byte-identical').toBe(true);
        const [seeder, leecher, torrent] = await Promise.all([api.user(seederId), api.user(leecherId), api.torrent(infoHash)]);
        Object.assign(figures, { seeder, leecher, torrent });
        // The swarm as the test saw it: one seeder peer, and each peer with its client's prefix (the
        // aria2 leecher may come and go between two looks).
        const prefixOf = new Map([
          [seederId, CLIENTS[seederName].prefix],
          [leecherId, CLIENTS[leecherName].prefix],
        ]);
        expect([...seen].filter(([, user]) => user === seederId), 'the seeder is one peer').toHaveLength(1);
        for (const [peerId, user] of seen) expect(peerId.startsWith(prefixOf.get(user)!), `${user}: ${peerId}`).toBe(true);

        expect(seeder.uploaded).toBeGreaterThanOrEqual(SIZE);
        expect(seeder.uploaded).toBeLessThanOrEqual(SIZE * OVERHEAD);
        expect(seeder).toMatchObject({ downloaded: 0, snatches: 0, uploaded_raw: seeder.uploaded });
        expect(leecher.downloaded).toBeGreaterThanOrEqual(SIZE);
        expect(leecher.downloaded).toBeLessThanOrEqual(SIZE * OVERHEAD);
        expect(leecher).toMatchObject({ uploaded: 0, snatches: 1, downloaded_raw: leecher.downloaded });
        expect(torrent).toMatchObject({ snatches: 1, uploaded: seeder.uploaded, downloaded: leecher.downloaded });

        // Each user's ledger holds the torrent: the tracker took both peers' announces.
        const ledger = async (id: number) => {
          const lists = await api.userTorrents(id);
          return [...lists.active, ...lists.incomplete, ...lists.complete].find((t) => t.info_hash === infoHash);
        };
        expect(await ledger(seederId)).toMatchObject({ uploaded: seeder.uploaded, snatched: false, left: 0 });
        expect(await ledger(leecherId)).toMatchObject({ downloaded: leecher.downloaded, snatched: true, left: 0 });
      } catch (err) {
        throw withLogs(err, figures, clients);
      }
    },
  );
});
