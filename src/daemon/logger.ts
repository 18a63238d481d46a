import pretty from 'pino-pretty';
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import { redactText, redactValue } from '../redaction/redact.js';

export type { Logger };

export interface LogOptions {
  level: string;
  /** "pretty": coloured lines for people; "json": one JSON object a line; "auto": pretty on a terminal, else JSON. */
  format?: 'auto' | 'pretty' | 'json' | undefined;
}

/**
 * The daemon's log on stdout: JSON lines (level by name, ISO-8601 time, the pid once) for log
 * collectors, or the same records as coloured lines on a terminal (pino-pretty). Requests are not
 * logged (they carry passkeys); what is logged passes the redaction rule (redaction/redact.ts) at
 * every level: the fields of each line by name (an ioredis error's command arguments), then the
 * whole line by value (the config's secrets, URLs' userinfo, in the message too), before either
 * format is written.
 */
export function createLogger(opts: LogOptions | string, destination?: DestinationStream): Logger {
  const { level, format = 'auto' } = typeof opts === 'string' ? { level: opts } : opts;
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }), log: (obj: Record<string, unknown>) => redactValue(obj) as Record<string, unknown> },
    // The formatter has turned errors into plain objects already (type, message, stack, fields):
    // pino's own err serializer would rename their type "Object".
    serializers: { err: (err: unknown) => err },
    hooks: { streamWrite: redactText },
  };
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!readable) return destination ? pino(options, destination) : pino(options);
  return pino(options, pretty({ destination: destination ?? 1, colorize: destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o', ignore: 'hostname', singleLine: true, sync: true }));
}
