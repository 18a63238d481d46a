/**
 * Whether a process with this pid exists: signal 0 checks without sending anything, and EPERM
 * means it exists under another user. Serves the pidfile and the embedded store's lock.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
