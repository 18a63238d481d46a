import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { TopFeed, TopSnapshot } from './top-feed.js';

/**
 * The feed's latest snapshot, polled every `intervalMs` (one poll at a time: a slow daemon delays the
 * next poll instead of piling requests up). Paused, it stops polling and the screen stays as it is,
 * even when a poll was under way; resumed, it polls at once.
 */
export function useFeed(feed: TopFeed, intervalMs: number, paused: boolean): TopSnapshot {
  const [snapshot, setSnapshot] = useState(() => feed.snapshot());
  // Set in the commit that shows "paused": no poll starts, and none under way changes the screen, after it.
  const pausedNow = useRef(paused);
  useLayoutEffect(() => {
    pausedNow.current = paused;
  }, [paused]);

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (pausedNow.current) return;
      const started = Date.now();
      const next = await feed.poll();
      if (stopped || pausedNow.current) return;
      setSnapshot(next);
      timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [feed, intervalMs, paused]);
  return snapshot;
}
