import { spawn, type ChildProcess } from 'node:child_process';

/** A server binary the tests start, stop (or crash) and start again with the same arguments. */
export interface ServerProcess {
  /** Spawns it unless it runs, then waits until `ready` says it answers. */
  start(): Promise<void>;
  /** Stops it and waits for the exit; SIGKILL simulates a crash. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** SIGSTOP: it keeps its connections and listening socket but answers nothing, as a hung server does. */
  freeze(): void;
  /** SIGCONT after freeze(): it goes on with what it was sent meanwhile. */
  thaw(): void;
}

export function serverProcess(binary: string, args: string[], ready: (proc: ChildProcess) => Promise<void>): ServerProcess {
  let child: ChildProcess | undefined;
  return {
    async start() {
      if (child) return;
      const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.once('exit', () => {
        if (child === proc) child = undefined;
      });
      await ready(proc);
    },
    async stop(signal = 'SIGTERM') {
      const proc = child;
      if (!proc) return;
      child = undefined;
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
        // A frozen process takes no signal but SIGKILL until it runs again.
        proc.kill('SIGCONT');
      });
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}
