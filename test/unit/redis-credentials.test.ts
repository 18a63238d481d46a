import { describe, expect, it } from 'vitest';
import { openConnection } from '../../src/store/redis/connection.js';

// Which credentials a connection is made with (no connection is opened: lazyConnect). The real
// server that requires a password is in test/e2e/secrets.test.ts.

const open = (...args: Parameters<typeof openConnection>) => {
  const conn = openConnection(args[0], { lazyConnect: true, ...args[1] });
  const { username, password, sentinelPassword, host, port } = conn.options;
  conn.disconnect();
  return { username, password, sentinelPassword, host, port };
};

describe('the credentials of a Redis connection', () => {
  it('standalone: store.redis.password wins over the URL\'s, which keeps its user name', () => {
    expect(open({ mode: 'standalone', url: 'redis://:from-url@127.0.0.1:7000' }, { password: 'from-config' })).toMatchObject({ password: 'from-config', host: '127.0.0.1', port: 7000 });
    expect(open({ mode: 'standalone', url: 'redis://acl-user:from-url@127.0.0.1:7000' }, { password: 'from-config' })).toMatchObject({ username: 'acl-user', password: 'from-config' });
  });

  it('standalone: without store.redis.password the URL\'s is used', () => {
    expect(open({ mode: 'standalone', url: 'redis://:p%40ss@127.0.0.1:7000' }, {})).toMatchObject({ password: 'p@ss' });
  });

  it('sentinel: the master\'s password is store.redis.password, else the URL\'s; the sentinels\' own is sentinel_password', () => {
    const target = { mode: 'sentinel' as const, url: 'redis://:from-url@x', sentinels: ['127.0.0.1:26379'], name: 'mymaster', sentinelPassword: 'sentinels-own' };
    expect(open(target, { password: 'from-config' })).toMatchObject({ password: 'from-config', sentinelPassword: 'sentinels-own' });
    expect(open(target, {})).toMatchObject({ password: 'from-url', sentinelPassword: 'sentinels-own' });
  });
});
