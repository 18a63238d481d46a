import { Box, Text } from 'ink';
import { formatCount, formatRate } from './format.js';
import type { ErrorRate } from './top-feed.js';

/** Failure replies by reason: since start and per second now, most frequent first. */
export function ErrorsPanel({ errors }: { errors: ErrorRate[] }) {
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text bold>
        Errors <Text dimColor>(total, per second)</Text>
      </Text>
      {errors.length === 0 && <Text dimColor>none</Text>}
      {errors.map((e) => (
        <Box key={e.reason}>
          <Box width={22}>
            <Text color={e.perSecond ? 'red' : undefined}>{e.reason}</Text>
          </Box>
          <Box width={10} justifyContent="flex-end">
            <Text>{formatCount(e.total)}</Text>
          </Box>
          <Box width={10} justifyContent="flex-end">
            <Text>{formatRate(e.perSecond)}/s</Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}
