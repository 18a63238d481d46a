import cluster from 'node:cluster';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { startDaemon } from './daemon.js';
import { createLogger, type Logger } from './logger.js';
import { DAEMON_TITLE, writePidfile } from './pidfile.js';


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
    if (opts.procs > 1 && loaded.config.store.type === 'memory') {
      throw new ConfigError('procs', 'more than one process needs store.type "redis": the memory store lives inside one process');
    }
  }
  return loaded;
}

/**
 * `mika serve`: the tracker in this process, or with procs > 1 a primary that keeps that many worker
 * processes sharing the ports. SIGTERM/SIGINT drain in-flight requests and exit 0; SIGUSR2 reloads
 * the config (a config that fails validation is logged and the old one kept).
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const { config, source } = load(opts);
  // What `ps` shows, and what `mika reload --signal` checks before it signals a pid (pidfile.ts).
  process.title = DAEMON_TITLE;
  const logger = createLogger(config.log.level);
  if (cluster.isPrimary) {
    if (source === undefined) logger.info('no config file found (./config.json): using the built-in defaults with the memory store');
    else logger.info({ config: source }, 'config loaded');
  }
  if (config.procs > 1 && cluster.isPrimary) return runPrimary(config, logger);
  return runWorker(config, opts, logger);
}

/** Writes the pidfile from the process that takes the signals (the primary, or the only process). */
function pidfileFor(config: Config): () => void {
  const remove = writePidfile(config.pidfile);
  process.on('exit', remove);
  return remove;
}

async function runWorker(config: Config, opts: ServeOptions, logger: Logger): Promise<void> {
  // Before the ports open: a pidfile that cannot be written (a symlink, a running daemon's) stops the start.
  if (cluster.isPrimary) pidfileFor(config);
  const daemon = await startDaemon({
    config,
    logger,
    rereadConfig: () => load(opts).config,
  });
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
  process.on('SIGUSR2', () => {
    try {
      const { changed, needsRestart } = daemon.reload(load(opts).config);
      logger.info({ changed, needsRestart }, 'config reloaded');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'config reload refused: keeping the old config');
    }
  });
}

async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  pidfileFor(config);
  const fork = () => cluster.fork();
  for (let i = 0; i < config.procs; i++) fork();
  logger.info({ procs: config.procs }, 'worker processes started');
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died: starting another');
    setTimeout(fork, 1000).unref();
  });
  const forward = (signal: NodeJS.Signals) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    forward('SIGTERM');
    logger.info({ signal }, 'stopping workers');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGUSR2', () => forward('SIGUSR2'));
}
