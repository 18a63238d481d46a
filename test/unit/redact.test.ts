import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { isSecretField, redactText, redactValue, rememberSecrets } from '../../src/redaction/redact.js';

describe('the redaction rule', () => {
  it('replaces the userinfo of any URL in text', () => {
    expect(redactText('cannot reach redis://mika:p@ss@db.example:6379/0 or mysql://root:pw@h/site')).toBe('cannot reach redis://[redacted]@db.example:6379/0 or mysql://[redacted]@h/site');
  });

  it('replaces the secrets of a loaded config wherever they appear, escaped for JSON too', () => {
    parseConfig({ api: { keys: ['a-key-of-sixteen-chars-"quoted"'] }, sql: { password: 'sql-pass-for-redaction' } });
    expect(redactText('AUTH sql-pass-for-redaction failed')).toBe('AUTH [redacted] failed');
    expect(redactText(JSON.stringify({ msg: 'key a-key-of-sixteen-chars-"quoted"' }))).toBe('{"msg":"key [redacted]"}');
  });

  it('does not match secrets too short to match safely', () => {
    rememberSecrets(['ab']);
    expect(redactText('a cab')).toBe('a cab');
  });

  it('replaces secret fields by name, in errors too (an ioredis error carries its command arguments)', () => {
    const err = Object.assign(new Error('WRONGTYPE Operation'), { command: { name: 'evalsha', args: ['3', 'k', 'passkey-of-a-new-user'] } });
    const out = redactValue({ err, user: { passkey: 'pk', name: 'n' }, headers: { Authorization: 'Bearer x' } }) as Record<string, any>;
    expect(out.err).toMatchObject({ type: 'Error', message: 'WRONGTYPE Operation', command: { name: 'evalsha', args: '[redacted]' } });
    expect(out.user).toEqual({ passkey: '[redacted]', name: 'n' });
    expect(out.headers.Authorization).toBe('[redacted]');
  });

  it('does not take a column name for a secret (sql.queries.users.passkey is "passkey")', () => {
    parseConfig({});
    expect(redactText('body.passkey must NOT have fewer than 32 characters')).toBe('body.passkey must NOT have fewer than 32 characters');
  });

  it('knows the secret config fields by path', () => {
    for (const f of ['api.keys.1', 'api.password', 'store.redis.password', 'store.redis.sentinel_password', 'sql.password', 'metrics.influx.token']) expect(isSecretField(f), f).toBe(true);
    for (const f of ['api.username', 'store.redis.url', 'tracker.interval', 'api.tls_key']) expect(isSecretField(f), f).toBe(false);
  });

  it('config errors name the field and the rule, not a secret value', () => {
    expect(() => parseConfig({ api: { keys: ['tooShortSECRET'] } })).toThrow(/^config: api\.keys\.0: Expected string length greater or equal to 16$/);
    expect(() => parseConfig({ api: { keys: ['tooShortSECRET'] } })).not.toThrow(/tooShortSECRET/);
    expect(() => parseConfig({ api: { pasword: 'misspelt-secret' } })).not.toThrow(/misspelt-secret/);
    expect(() => parseConfig({ store: { redis: { url: 'http://u:url-secret@h:1' } } })).toThrow('(got "http://[redacted]@h:1")');
  });
});
