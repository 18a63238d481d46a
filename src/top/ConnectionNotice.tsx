import { Box, Text } from 'ink';
import { formatDuration } from './format.js';
import type { TopSnapshot } from './top-feed.js';

/** Says why there are no live numbers: still connecting, or the daemon stopped answering. */
export function ConnectionNotice({ snapshot, intervalMs, now }: { snapshot: TopSnapshot; intervalMs: number; now: number }) {
  if (snapshot.state === 'loading') return <Text color="yellow">Connecting to {snapshot.url} …</Text>;
  if (snapshot.state !== 'unreachable') return null;
  const { data, error, failures } = snapshot;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text color="red" bold>
        Daemon unreachable
      </Text>
      <Text>{error}</Text>
      <Text>
        Retrying every {intervalMs / 1000}s ({failures} failed {failures === 1 ? 'try' : 'tries'})
        {data ? `; the numbers below are ${formatDuration((now - data.at) / 1000)} old` : ''}
      </Text>
    </Box>
  );
}
