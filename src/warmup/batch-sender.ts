/**
 * Sends batches with at most `inFlight` of them outstanding: `send` returns once the batch is on
 * its way, waiting first for a free slot, so a reader that awaits it is held back (and its source
 * paused) while the receiver is busy. The first failure is thrown by the next `send` or by `drain`,
 * and no batch is started after it.
 */
export class BatchSender<T> {
  private readonly running = new Set<Promise<void>>();
  private failed = false;
  private failure: unknown;

  constructor(
    private readonly inFlight: number,
    private readonly post: (batch: T[]) => Promise<void>,
  ) {}

  async send(batch: T[]): Promise<void> {
    this.check();
    while (this.running.size >= this.inFlight) {
      await Promise.race(this.running);
      this.check();
    }
    const done: Promise<void> = this.post(batch)
      .catch((err: unknown) => {
        if (!this.failed) [this.failed, this.failure] = [true, err];
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Waits for every batch sent; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.check();
  }

  private check(): void {
    if (this.failed) throw this.failure;
  }
}
