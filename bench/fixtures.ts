import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Torrent, User } from '../src/store/records.js';
import { encodeBytes } from '../test/helpers/tracker-harness.js';

// The users and torrents a benchmark registers. Derived from their index alone, so the server that
// seeds them and the wrk script that announces to them agree without sharing state beyond one file.

/** The API key of a bench daemon started with --api-dir (bench/mika-server.ts). */
export const BENCH_API_KEY = 'bench-api-key-'.padEnd(40, 'k');

export const USERS = 50;
export const TORRENTS = 1_000;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export function benchUsers(n = USERS): User[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, passkey: sha1(`bench-user-${i}`), name: `bench${i}`, canLeech: true, enabled: true, leechSlots: 0 }));
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

// The swarm-size sweep: one torrent (the first bench torrent) filled with N peers, then announced
// to by peers it holds. Peer i is derived from i alone, so the server that fills the swarm and the
// request file for wrk agree.

/** Peers each sweep announce asks for (mika's numwant_max default). */
export const SWARM_NUMWANT = 50;
/** Bytes a leecher of the sweep still wants. */
const SWARM_LEFT = 1 << 30;

export interface SwarmPeer {
  user: User;
  /** 20 ASCII bytes: `-BN0001-` and i in 12 hex digits. */
  peerId: Buffer;
  port: number;
  /** About half the peers seed (a seeder's reply lists leechers only, a leecher's anyone): 0 or 1 GiB. */
  left: number;
}

export function swarmPeer(i: number, users: User[] = benchUsers()): SwarmPeer {
  return {
    user: users[i % users.length]!,
    peerId: Buffer.from(`-BN0001-${i.toString(16).padStart(12, '0')}`, 'latin1'),
    port: 10_000 + (i % 50_000),
    // The top bit of a multiplicative hash, not i % 2: any evenly spaced subset (swarmPaths) still mixes both.
    left: Math.imul(i, 0x9e3779b1) >>> 31 === 0 ? 0 : SWARM_LEFT,
  };
}

/**
 * Request paths for bench/swarm.lua: regular announces (no event, counters unchanged) of up to `most`
 * peers spread evenly over a swarm of `size`, numwant SWARM_NUMWANT, compact.
 */
export function swarmPaths(size: number, most = 20_000): string[] {
  const users = benchUsers();
  const infoHash = encodeBytes(Buffer.from(benchTorrents(1)[0]!.infoHash, 'hex'));
  const count = Math.min(size, most);
  return Array.from({ length: count }, (_, k) => {
    const p = swarmPeer(Math.floor((k * size) / count), users);
    return `/${p.user.passkey}/announce?info_hash=${infoHash}&peer_id=${encodeBytes(p.peerId)}&port=${p.port}&uploaded=0&downloaded=0&left=${p.left}&numwant=${SWARM_NUMWANT}&compact=1&no_peer_id=1`;
  });
}

/** The file bench/swarm.lua replays (BENCH_PATHS): swarmPaths, one a line. */
export function writeSwarmPaths(path: string, size: number): void {
  writeFileSync(path, `${swarmPaths(size).join('\n')}\n`);
}
