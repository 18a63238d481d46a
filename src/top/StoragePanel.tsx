import { Box, Text } from 'ink';
import type { TopData } from './top-feed.js';

/** The store's kind, whether it answers, how long one PING took; the SQL flush and the API certificate. */
export function StoragePanel({ data }: { data: TopData }) {
  const { kind, up, latency_ms: latency } = data.stats.storage;
  const { flush, certificate } = data.stats;
  return (
    <Box flexDirection="column" width={24}>
      <Text bold>Storage</Text>
      <Text>{kind}</Text>
      <Text color={up ? 'green' : 'red'} bold>
        {up ? 'up' : 'DOWN'}
      </Text>
      <Text>latency {latency === null ? '–' : `${latency.toFixed(2)} ms`}</Text>
      {flush && (
        <Text color={flush.state === 'ok' ? undefined : 'red'} bold={flush.state !== 'ok'}>
          flush {flush.state === 'ok' ? `ok, lag ${flush.lag_seconds} s` : 'FAILING'}
          {flush.pending_batches ? `, ${flush.pending_batches} pending` : ''}
        </Text>
      )}
      {certificate && (
        <Text color={certificate.expiring ? 'yellow' : undefined} bold={certificate.expiring}>
          cert {certificate.days_left} days left
        </Text>
      )}
    </Box>
  );
}
