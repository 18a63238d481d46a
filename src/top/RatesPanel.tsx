import { Box, Text } from 'ink';
import { formatCount, formatDuration, formatRate } from './format.js';
import { sparkline } from './sparkline.js';
import type { RatePoint, TopData } from './top-feed.js';

/** Announces and scrapes per second now, a sparkline of each over the history, and the totals. */
export function RatesPanel({ data, history, width }: { data: TopData; history: RatePoint[]; width: number }) {
  const chart = Math.max(10, width - 44);
  const span = history.length > 1 ? (history[history.length - 1]!.at - history[0]!.at) / 1000 : 0;
  const row = (label: string, rate: number | null, series: number[], total: number) => (
    <Box>
      <Box width={14}>
        <Text>{label}</Text>
      </Box>
      <Box width={10} justifyContent="flex-end">
        <Text bold color="cyan">
          {formatRate(rate)}
        </Text>
      </Box>
      <Text> </Text>
      <Box width={chart}>
        <Text color="cyan">{sparkline(series, chart)}</Text>
      </Box>
      <Text dimColor> total {formatCount(total)}</Text>
    </Box>
  );
  return (
    <Box flexDirection="column">
      <Text bold>
        Requests <Text dimColor>(per second{span > 0 ? `, chart over the last ${formatDuration(span)}` : ''})</Text>
      </Text>
      {row('announces/s', data.announcesPerSecond, history.map((p) => p.announces), data.stats.announces)}
      {row('scrapes/s', data.scrapesPerSecond, history.map((p) => p.scrapes), data.stats.scrapes)}
    </Box>
  );
}
