import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, distConfig } from '../../src/config/documented.js';
import { parseConfig } from '../../src/config/load.js';

const file = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

describe('config documentation', () => {
  it('config.json.dist holds every field at its default (regenerate with npm run gen:config)', () => {
    expect(file('config.json.dist')).toBe(distConfig());
    expect(parseConfig(JSON.parse(file('config.json.dist')))).toEqual(parseConfig({}));
  });
  it('docs/config.md lists every field (regenerate with npm run gen:config)', () => {
    expect(file('docs/config.md')).toContain(configTable());
  });
  it('names the choices of a field that takes one of a few values', () => {
    expect(() => parseConfig({ store: { type: 'mysql' } })).toThrow('config: store.type: must be one of "embedded", "memory", "redis" (got "mysql")');
  });
});
