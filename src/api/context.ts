import type { ConfigChanges } from '../config/diff.js';
import type { Config } from '../config/schema.js';
import type { RegistryStatus } from '../daemon/registry-watch.js';
import type { RequestRate } from '../daemon/request-rate.js';
import type { WorkerGroup } from '../daemon/worker-group.js';
import type { FlushView } from '../flush/flush-view.js';
import type { CertificateView } from '../tls/api-tls.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import type { Clock, TrackerCounters } from '../tracker/tracker.js';
import type { ApiAuth } from './auth.js';

/** What the API's routes read and act on; made by the daemon. */
export interface ApiContext {
  store: Store;
  /** The current credentials (they change on reload). */
  auth: () => ApiAuth;
  /** The config now (it changes on reload). */
  config: () => Config;
  clock: Clock;
  /** Unix milliseconds the daemon started. */
  startedAt: number;
  counters: TrackerCounters;
  /** GET /metrics (Prometheus text). */
  metrics: Metrics;
  /** Tracker requests per second. */
  rate: RequestRate;
  /** Whether the registry can serve announces (an empty one cannot); always ok when absent. */
  registry?: (() => RegistryStatus) | undefined;
  /** The processes of this tracker (with -procs, every worker): /api/stats sums their figures. */
  group?: WorkerGroup | undefined;
  /** The API certificate's expiry. */
  certificate?: (() => CertificateView | undefined) | undefined;
  /** The SQL flush's state; undefined while the flush is off. */
  flush?: (() => Promise<FlushView>) | undefined;
  /** Reads the config file again and applies it; undefined when the daemon has no file to read. */
  reload?: (() => ConfigChanges) | undefined;
}
