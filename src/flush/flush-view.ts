import type { Store } from '../store/store.js';
import type { Flusher } from './flusher.js';

/** The flush as /api/health, /api/stats and `mika top` show it (snake_case like the API). */
export interface FlushView {
  state: 'ok' | 'failing';
  failing_since: string | null;
  /** Why the last pass failed, naming the system (site database or store). */
  error: string | null;
  last_success: string | null;
  /** Batches prepared in the store and not yet acknowledged; null when the store does not answer. */
  pending_batches: number | null;
  /** Seconds since the last pass that went through (since start before the first). */
  lag_seconds: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function flushView(flusher: Flusher, store: Store, startedAt: number, now = Date.now()): Promise<FlushView> {
  const s = flusher.status();
  const pending = await store.pendingFlushes().then(
    (b) => b.length,
    () => null,
  );
  return {
    state: s.state,
    failing_since: iso(s.failingSince),
    error: s.error ?? null,
    last_success: iso(s.lastSuccess),
    pending_batches: pending,
    lag_seconds: Math.max(0, Math.round((now - (s.lastSuccess ?? startedAt)) / 1000)),
  };
}
