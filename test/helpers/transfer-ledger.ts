import type { Store } from '../../src/store/store.js';
import type { Exchange, LoadSite } from './announce-load.js';

// The clients' side of the books: what the tracker must have credited, from the counters of each
// peer's last acknowledged announce (its baselines are 0: announce-load.ts begins every peer with a
// zero `started`). Multipliers are integers, so credited figures are exact sums.

export interface Transfer {
  uploadedRaw: number;
  downloadedRaw: number;
  uploaded: number;
  downloaded: number;
}

const zero = (): Transfer => ({ uploadedRaw: 0, downloadedRaw: 0, uploaded: 0, downloaded: 0 });

/** Per user id and per info_hash: the sums of the acknowledged deltas. */
export function ledgerTotals(site: LoadSite): { users: Record<number, Transfer>; torrents: Record<string, Transfer> } {
  const users = Object.fromEntries(site.users.map((u) => [u.id, zero()]));
  const torrents = Object.fromEntries(site.torrents.map((t) => [t.infoHash, zero()]));
  for (const p of site.peers) {
    const { uploaded, downloaded } = p.acked;
    const credited = { uploadedRaw: uploaded, downloadedRaw: downloaded, uploaded: uploaded * p.torrent.multiUp, downloaded: downloaded * p.torrent.multiDown };
    for (const t of [users[p.user.id]!, torrents[p.torrent.infoHash]!]) {
      for (const k of Object.keys(credited) as Array<keyof Transfer>) t[k] += credited[k];
    }
  }
  return { users, torrents };
}

/** The same figures as the store holds them, for one toEqual against ledgerTotals(). */
export async function storeTotals(store: Store, site: LoadSite): Promise<ReturnType<typeof ledgerTotals>> {
  const pick = ({ uploadedRaw, downloadedRaw, uploaded, downloaded }: Transfer): Transfer => ({ uploadedRaw, downloadedRaw, uploaded, downloaded });
  const users = Object.fromEntries(await Promise.all(site.users.map(async (u) => [u.id, pick(await store.userStats(u.id))] as const)));
  const torrents = Object.fromEntries(await Promise.all(site.torrents.map(async (t) => [t.infoHash, pick(await store.torrentStats(t.infoHash))] as const)));
  return { users, torrents };
}

/** Where one peer's (user, torrent) figures in the store stand against what its client saw. */
export type Standing = 'acknowledged' | 'unanswered but applied' | 'unexplained';

/**
 * Per peer, before the re-sends: the store must hold its last acknowledged counters, or those of
 * one of its later announces that got no reply (applied before the fault cut the reply off).
 * Anything else is a lost acknowledged announce or a delta counted that no client sent.
 */
export async function peerStandings(store: Store, site: LoadSite, exchanges: readonly Exchange[]): Promise<Standing[]> {
  return Promise.all(
    site.peers.map(async (p) => {
      const s = await store.userTorrentStats(p.user.id, p.torrent.id);
      const stored = { uploaded: s?.uploadedRaw ?? 0, downloaded: s?.downloadedRaw ?? 0 };
      const same = (c: { uploaded: number; downloaded: number }) => c.uploaded === stored.uploaded && c.downloaded === stored.downloaded;
      if (same(p.acked)) return 'acknowledged';
      const unanswered = exchanges.filter((x) => x.peer === p.index && x.outcome !== 'success' && x.uploaded > p.acked.uploaded);
      return unanswered.some(same) ? 'unanswered but applied' : 'unexplained';
    }),
  );
}
