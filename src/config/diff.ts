import type { Config } from './schema.js';

/** Fields a running daemon cannot change: sockets (and node:http's header limit, fixed at creation), the store, the process layout. */
const RESTART_ONLY = ['tracker.listen', 'tracker.ipv4', 'tracker.ipv6', 'tracker.max_header_size', 'api.listen', 'api.max_header_size', 'api.handshake_timeout', 'api.tls_key', 'api.tls_cert', 'store', 'procs', 'pidfile', 'metrics', 'sql.flush.enabled'];

export interface ConfigChanges {
  /** Dotted paths of every field whose value differs. */
  changed: string[];
  /** Those of `changed` that take effect only after a restart. */
  needsRestart: string[];
}

/** Every field of a config (arrays are values, not branches), as dotted path and value. */
export function configLeaves(value: unknown, path = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) configLeaves(v, path === '' ? k : `${path}.${k}`, out);
  } else {
    out.push([path, value]);
  }
  return out;
}

/** What differs between two configs, by field path (values are never listed: some are secrets). */
export function configChanges(before: Config, after: Config): ConfigChanges {
  const a = new Map(configLeaves(before).map(([k, v]) => [k, JSON.stringify(v)]));
  const b = new Map(configLeaves(after).map(([k, v]) => [k, JSON.stringify(v)]));
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
  const needsRestart = changed.filter((k) => RESTART_ONLY.some((r) => k === r || k.startsWith(`${r}.`)));
  return { changed, needsRestart };
}
