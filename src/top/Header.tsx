import { Box, Text } from 'ink';
import { formatDuration } from './format.js';
import type { TopSnapshot } from './top-feed.js';

const STATE = {
  loading: { label: 'connecting', color: 'yellow' },
  live: { label: 'live', color: 'green' },
  unreachable: { label: 'unreachable', color: 'red' },
} as const;

/** One line: what is watched (version, address, uptime) and whether the numbers are live. */
export function Header({ snapshot, paused }: { snapshot: TopSnapshot; paused: boolean }) {
  const { data, url, state } = snapshot;
  const { label, color } = paused ? { label: 'paused', color: 'yellow' } : STATE[state];
  return (
    <Box justifyContent="space-between">
      <Text>
        <Text bold>mika {data?.version ?? ''}</Text>
        <Text dimColor> · {url}</Text>
        {data && (
          <Text>
            {' '}· up {formatDuration(data.stats.uptime_seconds)} · {data.stats.storage.kind} store · {data.stats.workers} {data.stats.workers === 1 ? 'worker' : 'workers'}
          </Text>
        )}
      </Text>
      <Text color={color} bold>
        ● {label}
      </Text>
    </Box>
  );
}
