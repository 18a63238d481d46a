import { Box, Text } from 'ink';
import { formatCount } from './format.js';
import type { TopData } from './top-feed.js';

/** Seeders, leechers and peers over every swarm, and the registry's size. */
export function SwarmPanel({ data }: { data: TopData }) {
  const { stats } = data;
  const rows: Array<[string, number]> = [
    ['seeders', stats.seeders],
    ['leechers', stats.leechers],
    ['peers', data.peers],
    ['torrents', stats.torrents],
    ['users', stats.users],
  ];
  return (
    <Box flexDirection="column" width={24}>
      <Text bold>Swarms</Text>
      {rows.map(([label, n]) => (
        <Box key={label}>
          <Box width={10}>
            <Text>{label}</Text>
          </Box>
          <Box width={12} justifyContent="flex-end">
            <Text>{formatCount(n)}</Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}
