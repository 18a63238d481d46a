import type { TrackerConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../tracker/tracker.js';
import type { Logger } from './logger.js';

/** Drops silent peers every `reap_sweep` seconds. A failed sweep is logged and tried at the next tick. */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Peers dropped since start (metrics). */
  reaped = 0;

  constructor(
    private readonly store: Store,
    private readonly config: () => TrackerConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.config().reap_sweep * 1000);
    this.timer.unref();
  }

  restart(): void {
    this.stop();
    this.start();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const reaped = await this.store.reap(this.clock(), this.config().reap_interval);
      this.reaped += reaped;
      if (reaped > 0) this.logger.debug({ reaped }, 'reaped silent peers');
      return reaped;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'peer sweep failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
