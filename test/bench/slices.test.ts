import { describe, expect, it } from 'vitest';
import type { WrkResult } from '../../bench/processes.js';
import { mergeSlices, roundOrder, roundRatios, type Slice } from '../../bench/slices.js';

// BENCH_ROUNDS cuts each target's measured run into alternating slices; the table then shows one
// row per target made of its slices. The row must be what the slices add up to.

const slice = (requests: number, seconds: number, p99: number, cpuPerRequest?: number, errors: Partial<WrkResult['errors']> = {}): Slice => ({
  result: { requests, seconds, rps: requests / seconds, p50: p99 / 4, p90: p99 / 2, p99, max: p99 * 2, errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0, ...errors } },
  cpuPerRequest,
});

describe('the alternating rounds of npm run bench', () => {
  it('adds up requests and seconds, so that req/s weighs each slice by its length', () => {
    const { result } = mergeSlices([slice(10_000, 2, 5000), slice(30_000, 2, 7000), slice(20_000, 4, 6000)]);
    expect(result.requests).toBe(60_000);
    expect(result.seconds).toBe(8);
    expect(result.rps).toBe(7500);
  });

  it('takes the median of the slices’ percentiles and the worst maximum', () => {
    const { result } = mergeSlices([slice(1, 1, 9000), slice(1, 1, 3000), slice(1, 1, 5000), slice(1, 1, 4000)]);
    expect(result.p99).toBe(4500);
    expect(result.max).toBe(18_000);
  });

  it('sums errors, and gives CPU per request over all requests (each slice weighted by its requests)', () => {
    const { result, cpuPerRequest } = mergeSlices([slice(1000, 1, 1, 80, { read: 2 }), slice(3000, 1, 1, 40, { status: 1, read: 1 })]);
    expect(result.errors).toEqual({ connect: 0, read: 3, write: 0, status: 1, timeout: 0 });
    // (80 µs × 1,000 + 40 µs × 3,000) / 4,000
    expect(cpuPerRequest).toBeCloseTo(50, 6);
  });

  it('gives no CPU figure when a slice has none', () => {
    expect(mergeSlices([slice(1000, 1, 1, 50), slice(1000, 1, 1)]).cpuPerRequest).toBeUndefined();
  });

  it('refuses to merge nothing', () => {
    expect(() => mergeSlices([])).toThrow(/no slice/);
  });

  it('rotates the order every round, so that each target goes first in turn', () => {
    const t = ['bare', 'memory', 'embedded'];
    expect([0, 1, 2, 3].map((r) => roundOrder(t, r))).toEqual([
      ['bare', 'memory', 'embedded'],
      ['memory', 'embedded', 'bare'],
      ['embedded', 'bare', 'memory'],
      ['bare', 'memory', 'embedded'],
    ]);
    expect(roundOrder([], 3)).toEqual([]);
  });

  it('compares two targets round by round', () => {
    expect(roundRatios([slice(800, 1, 1), slice(900, 1, 1)], [slice(1000, 1, 1), slice(1000, 1, 1)])).toEqual([0.8, 0.9]);
  });
});
