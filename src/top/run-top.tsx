import { setTimeout as sleep } from 'node:timers/promises';
import { render, renderToString } from 'ink';
import { Dashboard } from './Dashboard.js';
import { liveData, snapshotJson } from './snapshot-json.js';
import { TopFeed, type TopSource } from './top-feed.js';
import { TopApp } from './TopApp.js';

export interface TopOptions {
  /** Shown on screen and in the JSON. */
  url: string;
  intervalMs: number;
  /** Rows of the busiest-torrents table. */
  limit: number;
}

/** The live dashboard on this terminal until `q` or Ctrl-C. */
export async function runTop(source: TopSource, opts: TopOptions): Promise<void> {
  const feed = new TopFeed(source, opts);
  const app = render(<TopApp feed={feed} intervalMs={opts.intervalMs} />);
  await app.waitUntilExit();
}

/**
 * One snapshot, as JSON or as the dashboard's text: two polls one interval apart (a rate needs two
 * readings of the counters). A daemon that does not answer is an Error.
 */
export async function topOnce(source: TopSource, opts: TopOptions & { json: boolean; columns?: number }): Promise<string> {
  const feed = new TopFeed(source, opts);
  liveData(await feed.poll());
  await sleep(opts.intervalMs);
  const snapshot = await feed.poll();
  const data = liveData(snapshot);
  if (opts.json) return JSON.stringify(snapshotJson(opts.url, data), null, 2);
  const width = opts.columns ?? 100;
  return renderToString(<Dashboard snapshot={snapshot} sort="announces" paused={false} intervalMs={opts.intervalMs} width={width} now={data.at} keys={false} />, { columns: width });
}
