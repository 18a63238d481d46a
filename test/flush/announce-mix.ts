import { expect } from 'vitest';
import type { AnnounceEvent } from '../../src/accounting/events.js';
import type { Torrent, User } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { seedRegistry } from '../helpers/seed-registry.js';
import { id20, text, type Harness } from '../helpers/tracker-harness.js';

// A seeded stream of announces over many users, torrents and peers: starts, transfer with the
// torrents' multipliers, completions, stops, restarts, and a clock that moves (bonus, reaping).

interface Peer {
  user: User;
  torrent: Torrent;
  peerId: Buffer;
  size: number;
  started: boolean;
  uploaded: number;
  downloaded: number;
  left: number;
}

export interface AnnounceMix {
  users: User[];
  torrents: Torrent[];
  /** Registers the users, torrents and the whitelisted client. */
  seed(store: Store): Promise<void>;
  /** One announce of a random peer (never on a torrent in `deleted`); the clock moves first. */
  step(h: Harness): Promise<void>;
  /** Torrents deleted from the store: their peers announce no more. */
  deleted: Set<number>;
}

/** A seeded generator, so a failure replays. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function announceMix(seed: number, counts: { users: number; torrents: number; peers: number }): AnnounceMix {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const users: User[] = Array.from({ length: counts.users }, (_, i) => ({ id: i + 1, passkey: `${String(i + 1).padStart(6, '0')}${'p'.repeat(26)}`, name: `u${i + 1}`, canLeech: true, enabled: true, leechSlots: 0 }));
  const torrents: Torrent[] = Array.from({ length: counts.torrents }, (_, i) => ({
    id: 100 + i,
    infoHash: (100 + i).toString(16).padStart(40, 'f'),
    name: `t${i}`,
    multiUp: [1, 1.5, 2][i % 3]!,
    multiDown: [1, 0.5, 0, 1][i % 4]!,
    enabled: true,
    reason: '',
  }));
  const peers: Peer[] = Array.from({ length: counts.peers }, (_, i) => ({
    user: pick(users),
    torrent: pick(torrents),
    peerId: id20(`-qB4630-${i.toString(36)}`),
    size: 1 + Math.floor(rand() * 2 ** 31),
    started: false,
    uploaded: 0,
    downloaded: 0,
    left: 0,
  }));
  const deleted = new Set<number>();

  return {
    users,
    torrents,
    deleted,
    seed: (store) => seedRegistry(store, users, torrents),
    async step(h) {
      let p = pick(peers);
      while (deleted.has(p.torrent.id)) p = pick(peers);
      h.advance(pick([0, 0, 1, 10, 60, 300]));
      let event: AnnounceEvent = '';
      if (!p.started) {
        event = 'started';
        p.started = true;
        p.uploaded = 0;
        p.downloaded = 0;
        p.left = rand() < 0.4 ? 0 : p.size;
      } else if (rand() < 0.05) {
        event = 'stopped';
        p.started = false;
      } else {
        p.uploaded += Math.floor(rand() * 50_000_000);
        if (p.left > 0) {
          const got = Math.min(p.left, Math.floor(rand() * 400_000_000));
          p.downloaded += got;
          p.left -= got;
          if (p.left === 0) event = 'completed';
        }
      }
      const r = await h.announce(p.user.passkey, { infoHash: Buffer.from(p.torrent.infoHash, 'hex'), peerId: p.peerId, uploaded: p.uploaded, downloaded: p.downloaded, left: p.left, event, numwant: 5 });
      expect(r['failure reason'] && text(r['failure reason'])).toBeUndefined();
    },
  };
}
