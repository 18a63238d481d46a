import type { ActiveTorrent } from './top-feed.js';

/** The orders of the busiest-torrents table, in the order `s` cycles through them. */
export const TORRENT_SORTS = ['announces', 'peers', 'seeders', 'leechers', 'name'] as const;
export type TorrentSort = (typeof TORRENT_SORTS)[number];

export const nextSort = (sort: TorrentSort): TorrentSort => TORRENT_SORTS[(TORRENT_SORTS.indexOf(sort) + 1) % TORRENT_SORTS.length]!;

/** A sorted copy: numbers largest first, names A to Z; ties keep the busiest first. */
export function sortTorrents(torrents: readonly ActiveTorrent[], sort: TorrentSort): ActiveTorrent[] {
  if (sort === 'name') return [...torrents].sort((a, b) => a.name.localeCompare(b.name));
  const key = sort === 'announces' ? 'announces_last_minute' : sort;
  // Array.prototype.sort is stable: ties stay in the order the API gave, busiest first.
  return [...torrents].sort((a, b) => b[key] - a[key]);
}
