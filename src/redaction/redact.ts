// The one redaction rule for everything that leaves the process (log lines at every level, API
// error replies, CLI output, config errors): passkeys, API keys, passwords, tokens and the userinfo
// of URLs never appear. It works two ways, because neither alone is enough:
// - by name: a field named like a secret (SECRET_FIELDS) has its value replaced wherever it sits, in
//   config paths, log objects and errors (ioredis puts a command's arguments, a new user's passkey
//   or the AUTH password, in `args`);
// - by value: the secrets of the loaded config are known, and any text that contains one (an error
//   message, a log line) has it replaced, as has the userinfo of any URL.

export const REDACTED = '[redacted]';

/**
 * Names whose values are secrets: config fields (api.keys, api.password, store.redis.password,
 * sql.password, metrics.influx.token…), record fields (passkey), headers, and ioredis's command
 * arguments.
 */
const SECRET_FIELDS = new Set(['password', 'sentinel_password', 'sentinelpassword', 'keys', 'token', 'passkey', 'authorization', 'args']);

/** Shorter values are not matched as text: a 3-character password would blank out every word holding it. */
const MIN_KNOWN_LENGTH = 6;

const known = new Set<string>();

/** Whether a field, by name or dotted path (`api.keys.1`, `store.redis.password`), holds a secret. */
export function isSecretField(path: string): boolean {
  return path.split('.').some((part) => SECRET_FIELDS.has(part.toLowerCase()));
}

/**
 * Makes `values` known secrets (the config's, as each config is loaded): from now on they are
 * replaced in any text that passes `redactText`. Values too short to match safely are skipped.
 */
export function rememberSecrets(values: Iterable<string>): void {
  for (const v of values) if (v.length >= MIN_KNOWN_LENGTH) known.add(v);
}

// scheme://userinfo@ — the userinfo ends at the last '@' before the host (a password may hold '@').
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;

/** `text` with every known secret and every URL's userinfo replaced. */
export function redactText(text: string): string {
  let out = text.replace(URL_USERINFO, `$1${REDACTED}@`);
  for (const secret of known) {
    if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    // In a JSON line a secret with quotes or backslashes appears escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.replaceAll(escaped, REDACTED);
  }
  return out;
}

/**
 * A copy of `value` fit to leave the process: secret fields replaced, strings passed through
 * `redactText`, errors turned into plain objects (name, message, stack, their own fields, cause).
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (Buffer.isBuffer(value)) return value;
  const source: Record<string, unknown> =
    value instanceof Error
      ? { ...(value as unknown as Record<string, unknown>), type: value.name, message: value.message, stack: value.stack, ...(value.cause !== undefined ? { cause: value.cause } : {}) }
      : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) out[k] = SECRET_FIELDS.has(k.toLowerCase()) && v !== '' ? REDACTED : redactValue(v, depth + 1);
  return out;
}
