import type { MetricsConfig } from '../config/schema.js';
import type { Sample } from './bucket-histogram.js';
import { graphiteTarget } from './graphite.js';
import { influxTarget } from './influx.js';
import type { Metrics } from './metrics.js';

/** Where one exporter sends the metrics. */
export interface PushTarget {
  /** For the log, e.g. "graphite 127.0.0.1:2003". */
  name: string;
  intervalSeconds: number;
  /** Formats `samples`, taken at unix milliseconds `now`, and sends them; rejects when they did not get through. */
  push(samples: Sample[], now: number): Promise<void>;
}

export interface ExporterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Milliseconds one push may take before it counts as failed. */
export const PUSH_TIMEOUT_MS = 5000;

/**
 * Sends the metrics to one target every `intervalSeconds`. A failed push is logged once per outage
 * (and its end once), never thrown: the next interval simply tries again. The timer does not keep
 * the process alive.
 */
export class PushExporter {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private failing = false;

  constructor(
    private readonly target: PushTarget,
    private readonly metrics: Metrics,
    private readonly logger: ExporterLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.push(), this.target.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One push now; a push still under way makes this one a no-op. */
  async push(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.target.push(await this.metrics.samples(), Date.now());
      if (this.failing) this.logger.info({ exporter: this.target.name }, 'metrics push works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ exporter: this.target.name, err: (err as Error).message }, 'metrics push failed: retrying every interval, logged again once it works');
      this.failing = true;
    } finally {
      this.busy = false;
    }
  }
}

/** Starts the exporters the config enables (both are off by default). */
export function startExporters(config: MetricsConfig, metrics: Metrics, logger: ExporterLogger): PushExporter[] {
  const targets: PushTarget[] = [];
  if (config.graphite.enabled) targets.push(graphiteTarget(config.graphite));
  if (config.influx.enabled) targets.push(influxTarget(config.influx));
  return targets.map((t) => {
    const exporter = new PushExporter(t, metrics, logger);
    exporter.start();
    logger.info({ exporter: t.name, interval: t.intervalSeconds }, 'metrics push started');
    return exporter;
  });
}
