import { pino, type Logger } from 'pino';

export type { Logger };

/** The daemon's log: JSON lines on stdout. Passkeys never go in it: requests are not logged. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } });
}
