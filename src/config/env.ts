import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';
import { ConfigError } from './config-error.js';

interface Leaf {
  path: string[];
  schema: TSchema;
}

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) => leaves(s, [...path, k]));
  }
  return [{ path, schema }];
}

/** `MIKA_TRACKER_MIN_INTERVAL` for tracker.min_interval: one variable per config field. */
export const envName = (path: string[]): string => `MIKA_${path.join('_').toUpperCase()}`;

const RESERVED = new Set(['MIKA_CONFIG', 'MIKA_DEBUG']);

const ENV_FIELDS = new Map(leaves(ConfigSchema).map((l) => [envName(l.path), l]));

function parseValue(name: string, leaf: Leaf, raw: string): unknown {
  const field = leaf.path.join('.');
  switch (leaf.schema.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(field, `${name} must be a number (got "${raw}")`);
      return n;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(field, `${name} must be true or false (got "${raw}")`);
    case undefined: {
      // A union of literals ("auto", true, false): a boolean word is the boolean.
      const consts = ((leaf.schema.anyOf ?? []) as TSchema[]).map((s) => s.const as unknown);
      if (consts.includes(true) && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
      // A union with a number (accounting.hnr.min_download: bytes or "10%"): a number is the number.
      const numeric = ((leaf.schema.anyOf ?? []) as TSchema[]).some((s) => s.type === 'integer' || s.type === 'number');
      if (numeric && /^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
      return raw;
    }
    case 'array':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return raw;
  }
}

/** Writes every MIKA_* variable of `env` into the raw config object; unknown MIKA_* names are an error. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('MIKA_') || value === undefined) continue;
    const leaf = ENV_FIELDS.get(name);
    if (!leaf) {
      // MIKA_CONFIG names the config file and MIKA_DEBUG asks for stack traces; every other MIKA_* must be a field.
      if (RESERVED.has(name)) continue;
      throw new ConfigError(name, 'no config field has this environment variable');
    }
    let node = raw;
    for (const key of leaf.path.slice(0, -1)) {
      const next = node[key];
      node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
    }
    node[leaf.path[leaf.path.length - 1]!] = parseValue(name, leaf, value);
  }
}
