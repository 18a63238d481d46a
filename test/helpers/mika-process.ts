import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MIKA_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface MikaProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when a stdout line matches, rejects on exit or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built `mika` binary (dist/) with `args`, no stdin, like CI does. */
export function runMika(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): MikaProcess {
  const child = spawn(process.execPath, [MIKA_BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    // NODE_ENV=test (set by vitest) would make oclif look for TypeScript sources instead of dist/.
    env: { ...process.env, NODE_ENV: 'production', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            clearTimeout(timer);
            resolve(line);
          }
        };
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)), ms);
        waiters.push(check);
        void exited.then(() => {
          check();
          reject(new Error(`mika exited before ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
