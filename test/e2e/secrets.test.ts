import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/temp-dir.js';

// Known secrets fed through every error path issue 14 named (a failed Redis AUTH, a Redis error
// during POST /api/user, config validation on stderr, in the reload-refused log line and in the 422
// of POST /api/reload, a store URL with a password that fails validation), with the log at its most
// verbose level; then every byte the processes wrote and every reply is searched for them.

const SECRETS = {
  apiKey: 'api-key-SECRET-0123456789abcdef',
  basicPassword: 'basic-SECRET-password-0123',
  shortKey: 'tooShortSECRET',
  redisPassword: 'redis-SECRET-requirepass-42',
  wrongRedisPassword: 'wrong-redis-SECRET-password',
  urlPassword: 'url-SECRET-password-in-url',
  sqlPassword: 'sql-SECRET-password-77',
  influxToken: 'influx-SECRET-token-99',
  passkey: 'passkey-SECRET-'.padEnd(32, 'q'),
};

/** Everything that left a process or came back over the wire, labelled for the failure message. */
const outputs: Array<{ where: string; text: string }> = [];
const record = (where: string, m: MikaProcess) => outputs.push({ where: `${where} stdout`, text: m.stdout() }, { where: `${where} stderr`, text: m.stderr() });

async function finished(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; m: MikaProcess }> {
  const m = runMika(args, { cwd, env });
  const { code } = await m.exited;
  record(`mika ${args.join(' ')}`, m);
  return { code, m };
}

describe('secrets never leave the process', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--requirepass', SECRETS.redisPassword] });
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('store.redis.password wins over a password in store.redis.url, against a Redis that requires one', { timeout: 60_000 }, async () => {
    const dir = tempDir('secrets-override');
    const port = await freePort();
    const config = {
      tracker: { listen: `127.0.0.1:${port}` },
      store: { type: 'redis', redis: { url: `redis://:${SECRETS.urlPassword}@127.0.0.1:${redis.port}`, password: SECRETS.redisPassword } },
      pidfile: '',
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const serve = runMika(['serve'], { cwd: dir });
    try {
      await serve.waitFor(/tracker listening/);
      const res = await fetch(`http://127.0.0.1:${port}/${'a'.repeat(32)}/announce?info_hash=x`);
      expect(await res.text()).toBe('d14:failure reason15:unknown passkeye');
    } finally {
      expect((await serve.stop()).code).toBe(0);
      record('serve (override)', serve);
    }
    // Without store.redis.password, the URL's (wrong) password is used, and refused.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, store: { type: 'redis', redis: { url: config.store.redis.url } } }));
    const { code, m } = await finished(['serve'], dir);
    expect(code).toBe(1);
    expect(m.stdout()).toMatch(/"message":"WRONGPASS/);
    // Not "Connection is closed.": the reason the connection was closed.
    expect(m.stderr()).toMatch(/^mika: cannot open the redis store: WRONGPASS invalid username-password pair/);
  });

  it('a failed Redis AUTH, a Redis error during POST /api/user and refused configs show none of the secrets', { timeout: 120_000 }, async () => {
    const dir = tempDir('secrets');
    expect((await finished(['genkey'], dir)).code).toBe(0);
    const [trackerPort, apiPort] = [await freePort(), await freePort()];
    const good = {
      tracker: { listen: `127.0.0.1:${trackerPort}` },
      api: { listen: `127.0.0.1:${apiPort}`, keys: [SECRETS.apiKey], username: 'site', password: SECRETS.basicPassword, tls_key: join(dir, 'mika-api.key'), tls_cert: join(dir, 'mika-api.crt') },
      store: { type: 'redis', redis: { url: `redis://127.0.0.1:${redis.port}`, password: SECRETS.redisPassword } },
      sql: { password: SECRETS.sqlPassword },
      metrics: { influx: { token: SECRETS.influxToken } },
      log: { level: 'trace' },
      pidfile: join(dir, 'mika.pid'),
    };
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(good));

    // A wrong Redis password: AUTH fails, is logged, and the start fails.
    const wrongAuth = join(dir, 'wrong-auth.json');
    writeFileSync(wrongAuth, JSON.stringify({ ...good, store: { type: 'redis', redis: { ...good.store.redis, password: SECRETS.wrongRedisPassword } } }));
    expect((await finished(['serve', '-c', wrongAuth], dir)).code).toBe(1);

    // A store URL with a password that fails validation (not redis://).
    const badUrl = join(dir, 'bad-url.json');
    writeFileSync(badUrl, JSON.stringify({ ...good, store: { type: 'redis', redis: { url: `http://mika:${SECRETS.urlPassword}@127.0.0.1:${redis.port}` } } }));
    const url = await finished(['serve', '-c', badUrl], dir);
    expect(url.code).toBe(2);
    expect(url.m.stderr()).toMatch(/^mika: config: store\.redis\.url: /);

    // A basic-auth password too short: refused, naming the field and the rule.
    const shortBasic = await finished(['serve'], dir, { MIKA_API_PASSWORD: SECRETS.shortKey });
    expect(shortBasic.code).toBe(2);
    expect(shortBasic.m.stderr()).toBe('mika: config: api.password: must be at least 16 characters when api.username is set (an empty api.username turns basic auth off)\n');

    const serve = runMika(['serve'], { cwd: dir });
    const agent = new Agent({ connect: { ca: readFileSync(good.api.tls_cert), servername: 'localhost' } });
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`https://127.0.0.1:${apiPort}${route}`, {
        method,
        dispatcher: agent,
        headers: { authorization: `Bearer ${SECRETS.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      outputs.push({ where: `reply to ${method} ${route}`, text });
      return { status: res.status, text };
    };
    try {
      await serve.waitFor(/API listening/);
      // The passkey index is made a string: the user script fails with WRONGTYPE, its arguments hold the passkey.
      await authed(redis, ['SET', 'mika:passkeys', 'not-a-hash']);
      const created = await api('POST', '/api/user', { user_id: 9, passkey: SECRETS.passkey, name: 'victim' });
      expect(created.status).toBeGreaterThanOrEqual(500);
      await eventually(() => /api request failed/.test(serve.stdout()), 5000);

      // A config whose API key is too short: the daemon refuses it on POST /api/reload (422) and on SIGUSR2.
      writeFileSync(path, JSON.stringify({ ...good, api: { ...good.api, keys: [SECRETS.shortKey] } }));
      const reload = await api('POST', '/api/reload');
      expect(reload.status).toBe(422);
      expect(JSON.parse(reload.text).error.message).toMatch(/api\.keys\.0/);
      serve.child.kill('SIGUSR2');
      await eventually(() => /config reload refused/.test(serve.stdout()), 5000);
      // The CLI judges the file first (exit 2); from a config that only says where the API is, it relays the daemon's 422.
      expect((await finished(['reload'], dir)).code).toBe(2);
      const reachOnly = join(dir, 'client.json');
      writeFileSync(reachOnly, JSON.stringify({ api: good.api }));
      expect((await finished(['reload', '--config', reachOnly], dir)).code).toBe(1);
    } finally {
      await agent.close();
      await serve.stop();
      record('serve', serve);
    }

    // Each path was taken: the lines are there, only without the secrets.
    const all = outputs.map((o) => o.text).join('\n');
    expect(all).toMatch(/WRONGPASS/);
    expect(all).toMatch(/WRONGTYPE/);
    expect(all).toMatch(/api\.keys\.0: Expected string length greater or equal to 16/);
    expect(all).toMatch(/config reload refused/);
    expect(all).toContain('[redacted]');
    for (const [name, secret] of Object.entries(SECRETS)) {
      const leaks = outputs.filter((o) => o.text.includes(secret)).map((o) => o.where);
      expect(leaks, `${name} (${secret}) appears in`).toEqual([]);
    }
  });
});

/** A command on the password-protected server: AUTH first, on the same connection. */
async function authed(redis: RedisServer, cmd: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sock = createConnection({ port: redis.port, host: '127.0.0.1' });
    const encode = (c: string[]) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    let reply = '';
    sock.on('data', (d) => {
      reply += d.toString();
      if ((reply.match(/\r\n/g) ?? []).length >= 2) {
        sock.end();
        if (/^\+OK\r\n\+OK/.test(reply)) resolve();
        else reject(new Error(`redis: ${reply}`));
      }
    });
    sock.once('error', reject);
    sock.write(encode(['AUTH', SECRETS.redisPassword]) + encode(cmd));
  });
}
