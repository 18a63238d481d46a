import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';

const file = (content: unknown) => {
  const path = join(tempDir('config'), 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('config', () => {
  it('without a file uses the seed’s defaults on the durable embedded store in ./data', () => {
    const { config, source } = loadConfig({ path: undefined, env: {} });
    expect(source).toBeUndefined();
    expect(config.tracker).toMatchObject({ listen: ':34000', interval: 300, min_interval: 10, reap_interval: 400, numwant_default: 30, numwant_max: 50, ipv4: true, ipv6: true });
    expect(config.api.listen).toBe('127.0.0.1:34001');
    expect(config.store).toMatchObject({ type: 'embedded', path: './data', auto_warmup: false });
  });
  it('MIKA_* variables override file fields, typed by the schema', () => {
    const path = file({ tracker: { interval: 600 } });
    const { config } = loadConfig({ path, env: { MIKA_TRACKER_INTERVAL: '900', MIKA_TRACKER_REAP_INTERVAL: '1200', MIKA_TRACKER_IPV6: 'false', MIKA_TRACKER_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16', MIKA_STORE_TYPE: 'redis' } });
    expect(config.tracker.interval).toBe(900);
    expect(config.tracker.ipv6).toBe(false);
    expect(config.tracker.trusted_proxies).toEqual(['10.0.0.1', '10.1.0.0/16']);
    expect(config.store.type).toBe('redis');
  });
  it.each([
    [{ tracker: { interval: 0 } }, /^config: tracker\.interval: .*greater or equal to 1/],
    [{ tracker: { intervall: 5 } }, /^config: tracker\.intervall: Unexpected property/],
    [{ tracker: { min_interval: 400 } }, /^config: tracker\.min_interval: must not exceed tracker\.interval/],
    [{ tracker: { numwant_default: 60 } }, /^config: tracker\.numwant_default: must not exceed tracker\.numwant_max/],
    [{ tracker: { ipv4: false, ipv6: false } }, /^config: tracker\.ipv4: at least one/],
    [{ tracker: { trusted_proxies: ['proxy.example'] } }, /^config: tracker\.trusted_proxies: "proxy.example" is not an address/],
    [{ store: { type: 'mysql' } }, /^config: store\.type: /],
    [{ procs: 4 }, /^config: procs: more than one process needs store.type "redis": the embedded store has one writer/],
    [{ store: { type: 'memory' }, procs: 4 }, /^config: procs: more than one process needs store.type "redis": the memory store lives inside one process/],
    [{ api: { username: 'admin', password: '' } }, /^config: api\.password: must be at least 16 characters when api\.username is set/],
    [{ api: { username: 'admin', password: '15-characters!!' } }, /^config: api\.password: must be at least 16 characters/],
  ])('rejects %j with one line naming the field and the rule', (raw, message) => {
    expect(() => parseConfig(raw as Record<string, unknown>)).toThrow(message);
  });
  it('accepts basic auth with a password of 16 characters, and no password when basic auth is off', () => {
    expect(parseConfig({ api: { username: 'admin', password: '16-characters!!!' } }).api.username).toBe('admin');
    expect(parseConfig({ api: { username: '', password: '' } }).api.username).toBe('');
  });
  it('rejects a file that is not JSON, naming the file', () => {
    const path = file('{ nope');
    expect(() => loadConfig({ path, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ path, env: {} })).toThrow(/not valid JSON/);
  });
  it('rejects an unknown MIKA_ variable', () => {
    expect(() => loadConfig({ env: { MIKA_TRACKER_INTERVALL: '3' } })).toThrow(/MIKA_TRACKER_INTERVALL: no config field/);
    expect(() => loadConfig({ env: { MIKA_DEBUG: '1', MIKA_CONFIG: 'none.json' } })).toThrow(/none.json: cannot read/);
  });
});
