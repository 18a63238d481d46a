import { readFileSync } from 'node:fs';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError } from './config-error.js';
import { applyEnv } from './env.js';
import { mapDeprecated } from './deprecated.js';
import { configSecrets } from './secrets.js';
import { isSecretField, redactText, rememberSecrets } from '../redaction/redact.js';

export const DEFAULT_CONFIG_PATH = 'config.json';

/** The shortest basic-auth password accepted: as long as the shortest API key. */
export const BASIC_PASSWORD_MIN = 16;

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when the built-in defaults were used. */
  source: string | undefined;
}

export interface LoadOptions {
  /** Path given by the operator; a missing file is then an error. Without it ./config.json is tried. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

function readFile(path: string, explicit: boolean): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return undefined;
    throw new ConfigError(path, `cannot read the file (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(path, 'must hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Keys starting with "//" are comments (config.json.dist documents each field that way). */
function stripComments(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('//'))
      .map(([k, v]) => [k, stripComments(v)]),
  );
}

/** Validates a raw config object (file content with env applied) and fills in defaults. */
export function parseConfig(raw: Record<string, unknown>): Config {
  const stripped = stripComments(raw) as Record<string, unknown>;
  for (const warning of mapDeprecated(stripped)) process.emitWarning(warning, 'DeprecationWarning');
  const withDefaults = Value.Default(ConfigSchema, stripped) as unknown;
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    // The value is echoed to help the operator, except a secret's (and an unknown field's, which
    // may be a misspelt secret): the message reaches stderr, the log and POST /api/reload's reply.
    const unknown = first.type === ValueErrorType.ObjectAdditionalProperties;
    const got = first.value === undefined || unknown || isSecretField(field) ? '' : ` (got ${redactText(JSON.stringify(first.value))})`;
    const choices = (first.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((s) => JSON.stringify(s.const));
    const message = choices ? `must be one of ${choices.join(', ')}` : first.message;
    const rule = first.schema.description && !unknown ? `${message}${got}: ${first.schema.description}` : `${message}${got}`;
    throw new ConfigError(field, rule);
  }
  const config = withDefaults as Config;
  checkRelations(config);
  rememberSecrets(configSecrets(config));
  return config;
}

/** Why `procs` > 1 is refused on a store other than Redis. */
export function procsRefusal(type: Config['store']['type']): string {
  return type === 'embedded'
    ? 'more than one process needs store.type "redis": the embedded store has one writer, the process that holds its data folder (store.path)'
    : 'more than one process needs store.type "redis": the memory store lives inside one process';
}

function checkRelations(c: Config): void {
  const t = c.tracker;
  if (t.min_interval > t.interval) throw new ConfigError('tracker.min_interval', `must not exceed tracker.interval (${t.interval})`);
  if (t.reap_interval <= t.interval) throw new ConfigError('tracker.reap_interval', `must exceed tracker.interval (${t.interval}), or live peers are dropped between announces`);
  if (t.numwant_default > t.numwant_max) throw new ConfigError('tracker.numwant_default', `must not exceed tracker.numwant_max (${t.numwant_max})`);
  if (t.max_url_length >= t.max_header_size) throw new ConfigError('tracker.max_url_length', `must be below tracker.max_header_size (${t.max_header_size}), which counts the request line too`);
  for (const [section, l] of [['tracker', t], ['api', c.api]] as const) {
    // node:http refuses a headers timeout longer than the request timeout.
    if (l.headers_timeout > l.request_timeout) throw new ConfigError(`${section}.headers_timeout`, `must not exceed ${section}.request_timeout (${l.request_timeout})`);
  }
  // API keys need 16 characters: a basic-auth password guards the same routes, so it needs as many.
  if (c.api.username !== '' && c.api.password.length < BASIC_PASSWORD_MIN) {
    throw new ConfigError('api.password', `must be at least ${BASIC_PASSWORD_MIN} characters when api.username is set (an empty api.username turns basic auth off)`);
  }
  if (!t.ipv4 && !t.ipv6) throw new ConfigError('tracker.ipv4', 'at least one of tracker.ipv4 and tracker.ipv6 must be true');
  for (const p of t.trusted_proxies) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p)) throw new ConfigError('tracker.trusted_proxies', `"${p}" is not an address or CIDR range`);
  }
  const r = c.store.redis;
  if (c.store.type === 'redis' && r.mode === 'cluster' && r.nodes.length === 0) throw new ConfigError('store.redis.nodes', 'mode "cluster" needs at least one seed node');
  if (c.store.type === 'redis' && r.mode === 'sentinel' && r.sentinels.length === 0) throw new ConfigError('store.redis.sentinels', 'mode "sentinel" needs at least one sentinel');
  if (c.store.type === 'redis' && r.mode === 'cluster' && c.sql.flush.enabled) {
    throw new ConfigError('sql.flush.enabled', 'the SQL flush does not run on store.redis.mode "cluster" yet (its batch spans many hash slots)');
  }
  if (c.procs > 1 && c.store.type !== 'redis') {
    throw new ConfigError('procs', procsRefusal(c.store.type));
  }
}

/** Reads the config file (or the defaults when none exists and none was named) and MIKA_* overrides. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const explicit = opts.path ?? env.MIKA_CONFIG;
  const path = explicit ?? DEFAULT_CONFIG_PATH;
  const raw = readFile(path, explicit !== undefined) ?? {};
  const source = Object.keys(raw).length > 0 || explicit !== undefined ? path : undefined;
  applyEnv(raw, env);
  return { config: parseConfig(raw), source };
}
