import type { WrkResult } from './processes.js';

// BENCH_ROUNDS > 1 (bench/run.ts): each target's measured run is cut into slices that alternate
// with the other targets' (A B C, B C A, C A B …), so that a drift of this shared machine's speed
// over the minutes of a run moves every target alike. Here: one figure per target from its slices.

/** One slice of a target's run: wrk's result and the server's CPU per request over it. */
export interface Slice {
  result: WrkResult;
  /** µs of the server's CPU (user + kernel) per request during the slice; undefined without /proc. */
  cpuPerRequest: number | undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * The slices as one run: requests and seconds summed (req/s is their quotient), the latency
 * percentiles the median of the slices' (wrk's histograms are not at hand to merge), the worst
 * latency the worst, errors summed, and CPU per request the slices' weighted by their requests.
 */
export function mergeSlices(slices: readonly Slice[]): { result: WrkResult; cpuPerRequest: number | undefined } {
  if (slices.length === 0) throw new Error('mergeSlices: no slice');
  const results = slices.map((s) => s.result);
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
  for (const r of results) for (const k of Object.keys(errors) as Array<keyof typeof errors>) errors[k] += r.errors[k];
  const result: WrkResult = {
    requests,
    seconds,
    rps: seconds > 0 ? requests / seconds : 0,
    p50: median(results.map((r) => r.p50)),
    p90: median(results.map((r) => r.p90)),
    p99: median(results.map((r) => r.p99)),
    max: Math.max(...results.map((r) => r.max)),
    errors,
  };
  const cpu = slices.every((s) => s.cpuPerRequest !== undefined) ? slices.reduce((a, s) => a + s.cpuPerRequest! * s.result.requests, 0) : undefined;
  return { result, cpuPerRequest: cpu !== undefined && requests > 0 ? cpu / requests : undefined };
}

/** The order of the targets in round `round`: rotated by one a round, so that none always goes first. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const n = targets.length;
  if (n === 0) return [];
  const k = round % n;
  return [...targets.slice(k), ...targets.slice(0, k)];
}

/** Each round's ratio of one target's req/s to another's, for the reader to see the spread. */
export function roundRatios(a: readonly Slice[], b: readonly Slice[]): number[] {
  return a.map((s, i) => (b[i] && b[i]!.result.rps > 0 ? s.result.rps / b[i]!.result.rps : Number.NaN));
}
