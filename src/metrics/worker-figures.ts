import type { RequestRate } from '../daemon/request-rate.js';
import type { TrackerCounters } from '../tracker/tracker.js';

/** One process's request figures, as a worker answers for /api/stats (plain data: it crosses the IPC channel). */
export interface WorkerFigures {
  announces: number;
  scrapes: number;
  failures: Record<string, number>;
  perSecond: { '1s': number; '10s': number; '60s': number };
}

export function workerFigures(counters: TrackerCounters, rate: RequestRate): WorkerFigures {
  return {
    announces: counters.announces,
    scrapes: counters.scrapes,
    failures: { ...(counters.failures as Record<string, number>) },
    perSecond: { '1s': rate.perSecond(1), '10s': rate.perSecond(10), '60s': rate.perSecond(60) },
  };
}

/** The figures of every worker of the group added up: what the whole tracker answered. */
export function sumFigures(parts: WorkerFigures[]): WorkerFigures {
  const total: WorkerFigures = { announces: 0, scrapes: 0, failures: {}, perSecond: { '1s': 0, '10s': 0, '60s': 0 } };
  for (const p of parts) {
    total.announces += p.announces;
    total.scrapes += p.scrapes;
    for (const [k, n] of Object.entries(p.failures)) total.failures[k] = (total.failures[k] ?? 0) + n;
    for (const w of ['1s', '10s', '60s'] as const) total.perSecond[w] += p.perSecond[w];
  }
  return total;
}
