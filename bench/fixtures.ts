import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Torrent, User } from '../src/store/records.js';

// The users and torrents a benchmark registers. Derived from their index alone, so the server that
// seeds them and the wrk script that announces to them agree without sharing state beyond one file.

/** The API key of a bench daemon started with --api-dir (bench/mika-server.ts). */
export const BENCH_API_KEY = 'bench-api-key-'.padEnd(40, 'k');

export const USERS = 50;
export const TORRENTS = 1_000;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export function benchUsers(n = USERS): User[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, passkey: sha1(`bench-user-${i}`), name: `bench${i}`, canLeech: true, enabled: true }));
}

export function benchTorrents(n = TORRENTS): Torrent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    infoHash: sha1(`bench-torrent-${i}`),
    name: `bench torrent ${i}`,
    // One in ten is freeleech, one in twenty double upload: the multiplier paths both run.
    multiUp: i % 20 === 0 ? 2 : 1,
    multiDown: i % 10 === 0 ? 0 : 1,
    enabled: true,
    reason: '',
  }));
}

/** The file announce.lua reads: one `P <passkey>` line per user, one `T <info_hash hex>` per torrent. */
export function writeFixtureFile(path: string): void {
  const lines = [...benchUsers().map((u) => `P ${u.passkey}`), ...benchTorrents().map((t) => `T ${t.infoHash}`)];
  writeFileSync(path, `${lines.join('\n')}\n`);
}
