import { Box, Text } from 'ink';
import { formatCount } from './format.js';
import type { TopData } from './top-feed.js';

/** Cheat events by kind, ever (the store's counts); absent from daemons older than the counts. */
export function CheatsPanel({ data }: { data: TopData }) {
  const cheats = data.stats.cheats;
  if (!cheats) return null;
  const rows: Array<[string, number]> = [
    ['upload_rate', cheats.upload_rate],
    ['no_leechers', cheats.no_leechers],
  ];
  return (
    <Box flexDirection="column" width={24}>
      <Text bold>Cheats</Text>
      {rows.map(([kind, n]) => (
        <Box key={kind}>
          <Box width={12}>
            <Text color={n > 0 ? 'yellow' : undefined}>{kind}</Text>
          </Box>
          <Box width={10} justifyContent="flex-end">
            <Text>{formatCount(n)}</Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}
