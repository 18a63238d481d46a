/** How many seconds of history the rate keeps: the longest window asked for. */
const HISTORY = 60;

/**
 * Requests per second over the last 1, 10 and 60 seconds, from a running total sampled once a
 * second: the request path only bumps a counter, and the rates cost nothing until asked for.
 */
export class RequestRate {
  /** samples[i] = the total at the i-th second sampled, oldest first; at most HISTORY + 1. */
  private readonly samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly total: () => number) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): void {
    this.samples.push(this.total());
    if (this.samples.length > HISTORY + 1) this.samples.shift();
  }

  /** Mean requests per second over the last `seconds` (fewer while the daemon is younger). */
  perSecond(seconds: number): number {
    const n = this.samples.length;
    if (n < 2) return 0;
    const span = Math.min(seconds, n - 1);
    return (this.samples[n - 1]! - this.samples[n - 1 - span]!) / span;
  }
}
