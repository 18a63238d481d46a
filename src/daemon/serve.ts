import cluster from 'node:cluster';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, procsRefusal, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { startDaemon } from './daemon.js';
import { createLogger, type Logger } from './logger.js';
import { DAEMON_TITLE, writePidfile } from './pidfile.js';
import { superviseWorkers } from './supervisor.js';

export interface ServeOptions {
  configPath?: string | undefined;
  /** Overrides config `procs`. */
  procs?: number | undefined;
}

function load(opts: ServeOptions): LoadedConfig {
  const loaded = loadConfig({ path: opts.configPath });
  if (opts.procs !== undefined) {
    loaded.config.procs = opts.procs;
    if (opts.procs < 1) throw new ConfigError('procs', 'must be at least 1');
    if (opts.procs > 1 && loaded.config.store.type !== 'redis') {
      throw new ConfigError('procs', procsRefusal(loaded.config.store.type));
    }
  }
  return loaded;
}

/** The signals that make a running mika re-read its config: SIGUSR2, and SIGHUP as service managers send it. */
export const RELOAD_SIGNALS = ['SIGUSR2', 'SIGHUP'] as const;

/**
 * `mika serve`: the tracker in this process, or with procs > 1 a primary that keeps that many worker
 * processes sharing the ports. SIGTERM/SIGINT drain in-flight requests and exit 0; SIGUSR2 and SIGHUP
 * reload the config (a config that fails validation is logged and the old one kept).
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const { config, source } = load(opts);
  // What `ps` shows, and what `mika reload --signal` checks before it signals a pid (pidfile.ts).
  process.title = DAEMON_TITLE;
  const logger = createLogger(config.log);
  if (cluster.isPrimary) {
    if (source === undefined) logger.info('no config file found (./config.json): using the built-in defaults; `mika init` writes one with an API key');
    else logger.info({ config: source }, 'config loaded');
  }
  if (config.procs > 1 && cluster.isPrimary) {
    pidfileFor(config);
    return superviseWorkers(config.procs, logger);
  }
  return runWorker(config, opts, logger);
}

/** Writes the pidfile from the process that takes the signals (the primary, or the only process). */
function pidfileFor(config: Config): () => void {
  const remove = writePidfile(config.pidfile);
  process.on('exit', remove);
  return remove;
}

/** Tells the primary (under -procs) that this worker serves, or why it cannot; waits until it is sent. */
function tellPrimary(message: { mika: 'ready' } | { mika: 'failed'; reason: string }): Promise<void> {
  if (!cluster.isWorker || !process.send) return Promise.resolve();
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function runWorker(config: Config, opts: ServeOptions, logger: Logger): Promise<void> {
  // Before the ports open: a pidfile that cannot be written (a symlink, a running daemon's) stops the start.
  if (cluster.isPrimary) pidfileFor(config);
  let daemon;
  try {
    daemon = await startDaemon({ config, logger, rereadConfig: () => load(opts).config });
  } catch (err) {
    await tellPrimary({ mika: 'failed', reason: (err as Error).message });
    throw err;
  }
  await tellPrimary({ mika: 'ready' });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: answering requests in flight');
    daemon.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  for (const signal of RELOAD_SIGNALS) {
    process.on(signal, () => {
      try {
        const { changed, needsRestart } = daemon.reload(load(opts).config);
        logger.info({ signal, changed, needsRestart }, 'config reloaded');
      } catch (err) {
        logger.error({ signal, err: (err as Error).message }, 'config reload refused: keeping the old config');
      }
    });
  }
}
