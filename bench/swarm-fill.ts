import type { Config } from '../src/config/schema.js';
import type { Store } from '../src/store/store.js';
import { benchTorrents, benchUsers, swarmPeer } from './fixtures.js';

// How the swarm-size sweep fills its torrent: peers `from` … `to - 1` (fixtures.ts swarmPeer) join
// through the store's announce, as the tracker calls it once a request is parsed and authorised:
// `started`, numwant 0 (the fill wants no peers back), endpoint 127.0.0.1 and the peer's port, as an
// announce over loopback would give. Faster than HTTP announces and the same state: the replayed
// announces of the sweep find every peer in place (test/bench/swarm-fill.test.ts).

const IN_FLIGHT = 64;

export async function fillSwarm(store: Store, config: Config, from: number, to: number, now: number): Promise<void> {
  const users = benchUsers();
  const torrent = benchTorrents(1)[0]!;
  const rules = { multiUp: torrent.multiUp, multiDown: config.accounting.freeleech ? 0 : torrent.multiDown, bonusRate: config.accounting.bonus_rate, interval: config.tracker.interval, maxUploadRate: config.accounting.max_upload_rate, creditWithoutLeechers: config.accounting.credit_without_leechers };
  let next = from;
  const worker = async () => {
    while (next < to) {
      const p = swarmPeer(next++, users);
      const endpoint = Buffer.from([127, 0, 0, 1, p.port >> 8, p.port & 255]);
      await store.announce({ user: p.user, torrent, peerId: p.peerId, endpoint, uploaded: 0, downloaded: 0, left: p.left, event: 'started', numwant: 0, now, nowMs: now * 1000, minInterval: 0, rules, limits: { perUserTorrent: 0 } });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}
