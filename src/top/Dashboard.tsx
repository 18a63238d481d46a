import { Box, Text } from 'ink';
import { ConnectionNotice } from './ConnectionNotice.js';
import { CheatsPanel } from './CheatsPanel.js';
import { ErrorsPanel } from './ErrorsPanel.js';
import { Header } from './Header.js';
import { RatesPanel } from './RatesPanel.js';
import { RegistryNotice } from './RegistryNotice.js';
import { StoragePanel } from './StoragePanel.js';
import { SwarmPanel } from './SwarmPanel.js';
import type { TopSnapshot } from './top-feed.js';
import { TorrentsTable } from './TorrentsTable.js';
import type { TorrentSort } from './torrent-sort.js';

export interface DashboardProps {
  snapshot: TopSnapshot;
  sort: TorrentSort;
  paused: boolean;
  intervalMs: number;
  /** Columns to fill. */
  width: number;
  /** Unix milliseconds, to tell how old the numbers are. */
  now: number;
  /** Show the key help line (not in a one-off print). */
  keys?: boolean;
}

/** One frame of `mika top`, from a snapshot of the feed: no state, no timers. */
export function Dashboard({ snapshot, sort, paused, intervalMs, width, now, keys = true }: DashboardProps) {
  const { data } = snapshot;
  return (
    <Box flexDirection="column" width={width}>
      <Header snapshot={snapshot} paused={paused} />
      <ConnectionNotice snapshot={snapshot} intervalMs={intervalMs} now={now} />
      {data && (
        <Box flexDirection="column" marginTop={1} gap={1}>
          <RegistryNotice data={data} />
          <RatesPanel data={data} history={snapshot.history} width={width} />
          <Box gap={2}>
            <SwarmPanel data={data} />
            <StoragePanel data={data} />
            <CheatsPanel data={data} />
            <ErrorsPanel errors={data.errors} />
          </Box>
          <TorrentsTable torrents={data.torrents} sort={sort} />
        </Box>
      )}
      {keys && (
        <Box marginTop={1}>
          <Text dimColor>
            q quit · p {paused ? 'resume' : 'pause'} · s sort ({sort})
          </Text>
        </Box>
      )}
    </Box>
  );
}
