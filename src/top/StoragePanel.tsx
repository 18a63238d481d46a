import { Box, Text } from 'ink';
import type { TopData } from './top-feed.js';

/** The store's kind, whether it answers, and how long one PING took. */
export function StoragePanel({ data }: { data: TopData }) {
  const { kind, up, latency_ms: latency } = data.stats.storage;
  return (
    <Box flexDirection="column" width={24}>
      <Text bold>Storage</Text>
      <Text>{kind}</Text>
      <Text color={up ? 'green' : 'red'} bold>
        {up ? 'up' : 'DOWN'}
      </Text>
      <Text>latency {latency === null ? '–' : `${latency.toFixed(2)} ms`}</Text>
    </Box>
  );
}
