import type { Config } from './schema.js';

/**
 * Fields a running daemon cannot change: sockets (and node:http's header limit, fixed at creation), the
 * store, the process layout. The API's TLS files are read again on every reload, at the paths it started with.
 */
const RESTART_ONLY = ['tracker.listen', 'tracker.ipv4', 'tracker.ipv6', 'tracker.max_header_size', 'api.enabled', 'api.listen', 'api.max_header_size', 'api.handshake_timeout', 'api.tls_key', 'api.tls_cert', 'store', 'procs', 'pidfile', 'metrics', 'sql.flush.enabled'];

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

/**
 * `next` with the fields only a restart applies set back to their values in `running`: the config a
 * reload puts in force. Diffing the next reload against it finds a field set back to its running
 * value unchanged (not a phantom change of a field that never took effect).
 */
export function keepRunning(running: Config, next: Config): Config {
  const out = structuredClone(next) as unknown as Record<string, unknown>;
  for (const path of RESTART_ONLY) {
    const keys = path.split('.');
    let from = running as unknown as Record<string, unknown>;
    let to = out;
    for (const k of keys.slice(0, -1)) {
      from = from[k] as Record<string, unknown>;
      to = to[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    to[last] = structuredClone(from[last]);
  }
  return out as unknown as Config;
}
