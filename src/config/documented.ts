import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';
import { envName } from './env.js';

// config.json.dist and the field table of docs/config.md are made from the schema by
// `npm run gen:config`, and a test checks the committed files match, so they cannot drift.

export interface FieldDoc {
  path: string[];
  type: string;
  default: unknown;
  description: string;
  rule: string;
  env: string;
}

function typeName(s: TSchema): string {
  // A union of literals lists them; a union of types (bytes or "10%") names each type.
  if (s.anyOf) return (s.anyOf as TSchema[]).map((x) => (x.const !== undefined ? JSON.stringify(x.const) : typeName(x))).join(' \\| ');
  if (s.type === 'array') return `array of ${typeName(s.items as TSchema)}`;
  return String(s.type);
}

function ruleOf(s: TSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`length ≥ ${s.minLength}`);
  if (s.pattern !== undefined) parts.push(`matches \`${String(s.pattern).replaceAll('|', '\\|')}\``);
  return parts.join(', ');
}

export function fieldDocs(schema: TSchema = ConfigSchema, path: string[] = []): FieldDoc[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) => fieldDocs(s, [...path, k]));
  }
  return [{ path, type: typeName(schema), default: schema.default, description: String(schema.description ?? ''), rule: ruleOf(schema), env: envName(path) }];
}

/** config.json.dist: every field at its default, each preceded by a "//name" comment key. */
export function distConfig(): string {
  const root: Record<string, unknown> = {};
  for (const f of fieldDocs()) {
    let node = root;
    for (const key of f.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    const leaf = f.path[f.path.length - 1]!;
    node[`//${leaf}`] = f.description;
    node[leaf] = f.default;
  }
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** The markdown table of every field, for docs/config.md. */
export function configTable(): string {
  const rows = fieldDocs().map((f) => `| \`${f.path.join('.')}\` | ${f.type} | \`${JSON.stringify(f.default)}\` | ${f.description}${f.rule ? ` (${f.rule})` : ''} | \`${f.env}\` |`);
  return ['| field | type | default | meaning (rule) | environment |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
