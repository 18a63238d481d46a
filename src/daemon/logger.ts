import { pino, type Logger } from 'pino';
import { redactText, redactValue } from '../redaction/redact.js';

export type { Logger };

/**
 * The daemon's log: JSON lines on stdout. Requests are not logged (they carry passkeys); what is
 * logged passes the redaction rule (redaction/redact.ts) at every level: the fields of each line
 * by name (an ioredis error's command arguments), then the whole line by value (the config's
 * secrets, URLs' userinfo, in the message too).
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    formatters: { log: (obj) => redactValue(obj) as Record<string, unknown> },
    // The formatter has turned errors into plain objects already (type, message, stack, fields):
    // pino's own err serializer would rename their type "Object".
    serializers: { err: (err: unknown) => err },
    hooks: { streamWrite: redactText },
  });
}
