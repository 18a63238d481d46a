import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { serverProcess } from './server-process.js';

// A redis-server of the test's own, on a free port in a fresh temp dir: tests never touch any other
// Redis. CI installs redis-server with apt; REDIS_SERVER overrides the binary.

export interface RedisServerOptions {
  /** AOF with `appendfsync always`: every acknowledged write survives a restart, even a SIGKILL. */
  appendonly?: boolean;
  /** More redis-server arguments (cluster mode, replicaof…). */
  args?: string[];
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Starts it again on the same port and dir (a restart after stop()). */
  start(): Promise<void>;
  /** Stops it; SIGKILL simulates a crash. The dir stays so that start() finds its data. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Makes it hang (SIGSTOP): connections stay open, commands go unanswered until thaw(). */
  freeze(): void;
  thaw(): void;
  /** FLUSHALL. */
  flush(): Promise<void>;
  /** Sends one command and returns the raw RESP reply (for tests that poke the server). */
  command(...args: string[]): Promise<string>;
  /** Stops it and removes its dir. */
  destroy(): Promise<void>;
}

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mika-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'warning', '--enable-debug-command', 'local'];
  args.push(...(opts.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']), ...(opts.args ?? []));
  const proc = serverProcess(REDIS_SERVER_BINARY, args, (p) => waitForPong(port, p));

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start: proc.start,
    stop: proc.stop,
    freeze: proc.freeze,
    thaw: proc.thaw,
    async flush() {
      await server.command('FLUSHALL');
    },
    command: (...cmd) => sendCommand(port, cmd),
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** One command over a fresh socket, RESP-encoded; resolves with the reply's first chunk of text. */
export function sendCommand(port: number, cmd: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    sock.setTimeout(2000, () => sock.destroy(new Error('redis command timed out')));
    sock.once('error', reject);
    sock.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) {
        sock.end();
        resolve(reply);
      }
    });
    sock.write(`*${cmd.length}\r\n` + cmd.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
  });
}

/** Resolves once the server (or sentinel) on `port` answers PING; fails when `proc` exits or after 10 s. */
export async function waitForPong(port: number, proc: ChildProcess): Promise<void> {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}): ${stderr}`);
    try {
      // A server started with --requirepass answers NOAUTH: it is up.
      if (/^(\+PONG|-NOAUTH)/.test(await sendCommand(port, ['PING']))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING: ${stderr}`);
}

/**
 * A redis-server for the calling test file: started before its tests, flushed before each one,
 * removed after them. Call at the top of a file or describe block; read the server through the getter.
 */
export function useRedisServer(opts: RedisServerOptions = {}): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer(opts);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server!.flush();
  });
  return () => server!;
}
