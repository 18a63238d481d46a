import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes this process's pid to `path` (for `mika reload --signal`) and returns a function that
 * removes it again, only if it still holds our pid (a newer daemon may have taken the file over).
 * An empty path writes nothing.
 */
export function writePidfile(path: string): () => void {
  if (path === '') return () => {};
  writeFileSync(path, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
    } catch {
      // Already gone.
    }
  };
}

/** The pid in a pidfile; throws with a readable message when there is none. */
export function readPidfile(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no pidfile at ${path}: is mika serve running with this config (pidfile)?`);
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`pidfile ${path} does not hold a pid`);
  return pid;
}

/** Sends SIGUSR2 (reload) to the daemon whose pid is in `path`; returns the pid. */
export function signalReload(path: string): number {
  if (path === '') throw new Error('config pidfile is empty, so mika serve wrote no pid to signal: reload through the API instead (without --signal)');
  const pid = readPidfile(path);
  try {
    process.kill(pid, 'SIGUSR2');
  } catch (err) {
    throw new Error(`cannot signal pid ${pid} from ${path}: ${(err as NodeJS.ErrnoException).code === 'ESRCH' ? 'no such process (a stale pidfile?)' : (err as Error).message}`);
  }
  return pid;
}
