import { Box, Text } from 'ink';
import type { TopData } from './top-feed.js';

/** An empty registry, said loudly: every announce fails "unknown passkey" until it is loaded again. */
export function RegistryNotice({ data }: { data: TopData }) {
  const registry = data.stats.registry;
  if (!registry || registry.ok) return null;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text color="red" bold>
        Registry empty: {data.stats.users} users, {data.stats.torrents} torrents
      </Text>
      <Text>{registry.reason}</Text>
    </Box>
  );
}
