import { useApp, useInput, useStdin, useStdout } from 'ink';
import { useState } from 'react';
import { Dashboard } from './Dashboard.js';
import type { TopFeed } from './top-feed.js';
import { nextSort, type TorrentSort } from './torrent-sort.js';
import { useFeed } from './use-feed.js';

/** The live dashboard: polls the feed and answers the keys q (quit), p (pause) and s (sort). */
export function TopApp({ feed, intervalMs }: { feed: TopFeed; intervalMs: number }) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  const [paused, setPaused] = useState(false);
  const [sort, setSort] = useState<TorrentSort>('announces');
  const snapshot = useFeed(feed, intervalMs, paused);

  // Without a terminal on stdin (a pipe) there are no keys to read; Ctrl-C still ends it.
  useInput(
    (input) => {
      if (input === 'q') exit();
      else if (input === 'p') setPaused((p) => !p);
      else if (input === 's') setSort(nextSort);
    },
    { isActive: isRawModeSupported === true },
  );

  const width = Math.min(Math.max(stdout.columns || 100, 60), 160);
  return <Dashboard snapshot={snapshot} sort={sort} paused={paused} intervalMs={intervalMs} width={width} now={Date.now()} />;
}
