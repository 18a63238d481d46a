import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { processExists } from '../os/process-exists.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

/**
 * The title `mika serve` gives its processes (`ps`, /proc/<pid>/cmdline and comm show it): how
 * `reload --signal` tells a mika daemon from an unrelated process that got a stale pidfile's pid.
 */
export const DAEMON_TITLE = 'mika serve';

/**
 * Writes this process's pid to `path` (for `mika reload --signal`) and returns a function that
 * removes it again, only if it still holds our pid (a newer daemon may have taken the file over).
 * An empty path writes nothing. The file is created, never opened through a symbolic link (a link
 * planted at the path would make mika overwrite its target): a symlink or anything but a regular
 * file there is refused, as is the pidfile of a mika daemon still running; a stale one is replaced.
 */
export function writePidfile(path: string): () => void {
  if (path === '') return () => {};
  let fd: number;
  try {
    fd = create(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw pidfileError(path, err);
    removeStale(path);
    try {
      fd = create(path);
    } catch (again) {
      // Another daemon created it between our removal and our creation.
      throw pidfileError(path, again);
    }
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return () => {
    try {
      if (readPid(path) === process.pid) unlinkSync(path);
    } catch {
      // Already gone, or no longer ours to remove.
    }
  };
}

const create = (path: string): number => openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);

function pidfileError(path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`cannot write the pidfile ${path} (config pidfile): ${e.code === 'ELOOP' ? 'it is a symbolic link' : e.message}`);
}

/** Removes the pidfile at `path` if it is a regular file whose pid is no running mika daemon; throws otherwise. */
function removeStale(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) throw new Error(`pidfile ${path} is a symbolic link: refusing to write through it (remove it, or point config pidfile at a path only mika writes)`);
  if (!st.isFile()) throw new Error(`pidfile ${path} exists and is not a regular file: refusing to replace it`);
  let pid: number | undefined;
  try {
    pid = readPid(path);
  } catch {
    // Empty or garbage: stale.
  }
  if (pid !== undefined && pid !== process.pid && isMikaDaemon(pid)) throw new Error(`mika serve is already running with pid ${pid} (pidfile ${path}): stop it first, or give this one another pidfile`);
  unlinkSync(path);
}

/** The pid in the regular file at `path`, read without following a symbolic link; throws when there is none. */
function readPid(path: string): number {
  const fd = openSync(path, O_RDONLY | O_NOFOLLOW);
  let text: string;
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`pidfile ${path} is not a regular file`);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`pidfile ${path} does not hold a pid`);
  return pid;
}

/** The pid in a pidfile; throws with a readable message when there is none. */
export function readPidfile(path: string): number {
  try {
    return readPid(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no pidfile at ${path}: is mika serve running with this config (pidfile)?`);
    if (code === 'ELOOP') throw new Error(`pidfile ${path} is a symbolic link: not read (mika serve never writes one)`);
    throw err;
  }
}

/**
 * Whether `pid` is a running `mika serve` (its process title, from /proc). Where /proc is missing
 * (not Linux) the process is only checked to exist.
 */
export function isMikaDaemon(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !procMounted()) return processExists(pid);
    return false;
  }
  return cmdline.startsWith(DAEMON_TITLE);
}

function procMounted(): boolean {
  try {
    return lstatSync('/proc/self').isSymbolicLink();
  } catch {
    return false;
  }
}

/** Sends SIGUSR2 (reload) to the daemon whose pid is in `path`, once it is known to be a mika daemon; returns the pid. */
export function signalReload(path: string): number {
  if (path === '') throw new Error('config pidfile is empty, so mika serve wrote no pid to signal: reload through the API instead (without --signal)');
  const pid = readPidfile(path);
  // SIGUSR2's default action is to terminate: a stale pidfile must not make us kill what now has its pid.
  if (!isMikaDaemon(pid)) throw new Error(`pid ${pid} from ${path} is not a running mika serve (a stale pidfile?): nothing signalled`);
  try {
    process.kill(pid, 'SIGUSR2');
  } catch (err) {
    throw new Error(`cannot signal pid ${pid} from ${path}: ${(err as NodeJS.ErrnoException).code === 'ESRCH' ? 'no such process (a stale pidfile?)' : (err as Error).message}`);
  }
  return pid;
}
