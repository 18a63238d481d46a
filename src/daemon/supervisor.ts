import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.js';
import { relayGroupQuestions } from './worker-group.js';

/** Worker starts that fail in a row, with no worker serving, before the primary gives up. */
export const MAX_FAILED_STARTS = 5;
/** Delay before the next start after a failed one: 0.5 s doubling to 30 s. A worker that served is replaced at once. */
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const REPLACE_MS = 100;

/**
 * The `-procs N` primary: keeps N workers for as long as it runs. A worker that dies is logged with
 * its cause (its own last word when it could say one, else its exit code or signal) and replaced; a
 * start that fails is retried with backoff. When MAX_FAILED_STARTS starts in a row failed and no
 * worker serves, it cannot serve at all: it says why and exits 1, so a service manager sees a failure.
 * SIGTERM/SIGINT stop the workers (they drain) and exit 0; SIGUSR2 and SIGHUP reach every worker.
 */
export function superviseWorkers(procs: number, logger: Logger): void {
  let stopping = false;
  let failedInRow = 0;
  const serving = new Set<number>();
  const reasons = new Map<number, string>();
  relayGroupQuestions();

  const fork = () => {
    if (stopping) return;
    const worker = cluster.fork();
    worker.on('message', (m: { mika?: string; reason?: string }) => {
      if (m?.mika === 'ready') {
        serving.add(worker.id);
        if (failedInRow > 0) logger.info({ worker_pid: worker.process.pid }, 'worker serving again');
        failedInRow = 0;
        if (serving.size === procs) logger.info({ procs }, 'worker processes started');
      } else if (m?.mika === 'failed' && typeof m.reason === 'string') {
        reasons.set(worker.id, m.reason);
      }
    });
  };
  for (let i = 0; i < procs; i++) fork();

  cluster.on('exit', (worker: Worker, code, signal) => {
    const served = serving.delete(worker.id);
    const reason = reasons.get(worker.id) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
    reasons.delete(worker.id);
    if (stopping) {
      // 0 after SIGTERM/SIGINT; 1 when it gave up (process.exitCode).
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    if (!served) failedInRow++;
    if (!served && failedInRow >= MAX_FAILED_STARTS && serving.size === 0) {
      logger.fatal({ failed_starts: failedInRow, reason }, `cannot serve: ${failedInRow} worker starts failed in a row, the last: ${reason}`);
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      // The workers left drain; the exit follows theirs (or at once when there are none).
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    const delay = served ? REPLACE_MS : Math.min(BACKOFF_MIN_MS * 2 ** (failedInRow - 1), BACKOFF_MAX_MS);
    const what = served ? 'worker died' : 'worker failed to start';
    logger.error({ worker_pid: worker.process.pid, code, signal, reason }, `${what} (${reason}): starting another in ${delay / 1000} s`);
    // Not unref'd: the primary stays up for as long as it has a worker to start.
    setTimeout(fork, delay);
  });

  const forward = (signal: NodeJS.Signals) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    forward('SIGTERM');
    logger.info({ signal }, 'stopping workers');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Workers reload on SIGUSR2; SIGHUP to the primary reaches them as that.
  process.on('SIGUSR2', () => forward('SIGUSR2'));
  process.on('SIGHUP', () => forward('SIGUSR2'));
}
