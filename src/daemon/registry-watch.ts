import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';

/** Whether the registry can serve announces; `reason` says why not. */
export interface RegistryStatus {
  ok: boolean;
  reason?: string | undefined;
}

/** Seconds between two looks at the registry's size: cheap (counts in process), and soon enough after a Redis restart. */
const CHECK_MS = 5_000;
/** A failed automatic warmup is tried again after this long while the registry stays empty. */
const RETRY_MS = 60_000;

/**
 * Watches for a registry with no users and no torrents, on any store: at start (a fresh install,
 * or a store that lost its data) and whenever it empties after holding entries (Redis restarted
 * without persistence: every announce then fails "unknown passkey"). It logs one warn line saying
 * what happened and what to do, reports the state to /api/health, /api/stats and `mika top`, and,
 * given a warmup (store.auto_warmup with sql configured), reloads the registry by itself.
 */
export class RegistryWatch {
  private timer: NodeJS.Timeout | undefined;
  private reason: string | undefined;
  /** The last sizes seen with something in it. */
  private held = { users: 0, torrents: 0 };
  private warmup: (() => Promise<void>) | undefined;
  private warming = false;
  private lastTry = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** The automatic reload (store.auto_warmup); without it the warn line asks for `mika warmup`. */
  useWarmup(warmup: (() => Promise<void>) | undefined): void {
    this.warmup = warmup;
  }

  /** `told`: the start-up's empty registry was logged already (the daemon's first-run hint): only its state is kept. */
  start(opts: { told?: boolean } = {}): void {
    this.check(opts.told);
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): RegistryStatus {
    return this.reason === undefined ? { ok: true } : { ok: false, reason: this.reason };
  }

  check(told = false): void {
    const { users, torrents } = this.store.counts();
    if (users > 0 || torrents > 0) {
      if (this.reason !== undefined) this.logger.info({ users, torrents }, 'registry holds users and torrents again');
      this.reason = undefined;
      this.held = { users, torrents };
      return;
    }
    if (this.reason === undefined) {
      const { users: hadUsers, torrents: hadTorrents } = this.held;
      this.reason =
        hadUsers + hadTorrents > 0
          ? `registry emptied: it held ${hadUsers} users and ${hadTorrents} torrents and now holds none (was the ${this.store.kind} store's storage restarted without its data?)`
          : `registry empty: no users and no torrents registered in the ${this.store.kind} store`;
      const todo = this.warmup
        ? 'reloading it from the site database (store.auto_warmup)'
        : 'every announce fails "unknown passkey" until it is loaded: run `mika warmup`, register through the API, or set store.auto_warmup with sql configured';
      if (!told || this.warmup) this.logger.warn({ users: hadUsers, torrents: hadTorrents }, `${this.reason}; ${todo}`);
      this.lastTry = 0;
    }
    if (this.warmup && !this.warming && Date.now() - this.lastTry >= RETRY_MS) void this.reload(this.warmup);
  }

  private async reload(warmup: () => Promise<void>): Promise<void> {
    this.warming = true;
    this.lastTry = Date.now();
    try {
      await warmup();
      this.check();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, `automatic warmup failed; tried again in ${RETRY_MS / 1000} s while the registry stays empty, or run mika warmup`);
    } finally {
      this.warming = false;
    }
  }
}
