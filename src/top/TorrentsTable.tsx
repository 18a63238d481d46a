import { Box, Text } from 'ink';
import { formatCount } from './format.js';
import type { ActiveTorrent } from './top-feed.js';
import { sortTorrents, type TorrentSort } from './torrent-sort.js';

const NUMBERS = [
  ['announces', 'ann/min', (t: ActiveTorrent) => t.announces_last_minute],
  ['seeders', 'seeders', (t: ActiveTorrent) => t.seeders],
  ['leechers', 'leechers', (t: ActiveTorrent) => t.leechers],
  ['peers', 'peers', (t: ActiveTorrent) => t.peers],
] as const;

/** The busiest torrents of the last minute, in the order chosen with `s` (its column underlined). */
export function TorrentsTable({ torrents, sort }: { torrents: ActiveTorrent[]; sort: TorrentSort }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        Busiest torrents <Text dimColor>(announces in the last minute; sorted by {sort})</Text>
      </Text>
      <Box>
        <Box width={4}>
          <Text dimColor>#</Text>
        </Box>
        <Box flexGrow={1}>
          <Text dimColor underline={sort === 'name'}>
            name
          </Text>
        </Box>
        <Box width={12}>
          <Text dimColor>info_hash</Text>
        </Box>
        {NUMBERS.map(([key, label]) => (
          <Box key={key} width={10} justifyContent="flex-end">
            <Text dimColor underline={sort === key}>
              {label}
            </Text>
          </Box>
        ))}
      </Box>
      {torrents.length === 0 && <Text dimColor>no announces in the last minute</Text>}
      {sortTorrents(torrents, sort).map((t, i) => (
        <Box key={t.info_hash}>
          <Box width={4}>
            <Text dimColor>{i + 1}</Text>
          </Box>
          <Box flexGrow={1}>
            <Text wrap="truncate-end">{t.name}</Text>
          </Box>
          <Box width={12}>
            <Text dimColor>{t.info_hash.slice(0, 10)}</Text>
          </Box>
          {NUMBERS.map(([key, , value]) => (
            <Box key={key} width={10} justifyContent="flex-end">
              <Text bold={sort === key}>{formatCount(value(t))}</Text>
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
