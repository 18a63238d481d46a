import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const running: MikaProcess[] = [];
const mika = (...args: Parameters<typeof runMika>) => {
  const p = runMika(...args);
  running.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});


describe('mika serve', () => {
  it('with no config file runs on the built-in defaults with the durable embedded store in ./data and says so', async () => {
    const port = await freePort();
    const cwd = tempDir('serve');
    const m = mika(['serve'], { cwd, env: { MIKA_TRACKER_LISTEN: `127.0.0.1:${port}` } });
    await m.waitFor(/tracker listening/);
    expect(m.stdout()).toMatch(/no config file found.*built-in defaults/);
    expect(m.stdout()).toContain(`store: embedded, data in ${join(cwd, 'data', 'mika.mdb')}, durable: every change is on disk before its reply`);
    // What is missing and what to run next, in one line.
    expect(m.stdout()).toMatch(/"level":"warn".*"msg":"no users yet: every announce is refused \\"unknown passkey\\"; and the API, through which users and torrents are added, is off \(no TLS key and certificate at mika-api\.crt, mika-api\.key \(run mika genkey\)\): run mika init, then mika serve again"/);
    const res = await fetch(`http://127.0.0.1:${port}/${'a'.repeat(32)}/announce?info_hash=x`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('d14:failure reason15:unknown passkeye');
  });

  it('listens dual-stack on ":port" by default, and on one stack when the other is switched off', async () => {
    const reach = (host: string, port: number) =>
      fetch(`http://${host}:${port}/k/announce`).then(
        (r) => r.status,
        () => 'refused',
      );
    const port = await freePort();
    const both = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_TRACKER_LISTEN: `:${port}` } });
    await both.waitFor(/tracker listening/);
    expect([await reach('127.0.0.1', port), await reach('[::1]', port)]).toEqual([200, 200]);
    await both.stop();

    const v4only = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_TRACKER_LISTEN: `:${port}`, MIKA_TRACKER_IPV6: 'false' } });
    await v4only.waitFor(/tracker listening/);
    expect([await reach('127.0.0.1', port), await reach('[::1]', port)]).toEqual([200, 'refused']);
    await v4only.stop();

    const v6only = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_TRACKER_LISTEN: `:${port}`, MIKA_TRACKER_IPV4: 'false' } });
    await v6only.waitFor(/tracker listening/);
    expect([await reach('127.0.0.1', port), await reach('[::1]', port)]).toEqual(['refused', 200]);
  });

  it('accepts the seed’s Go-style flags: -config and -procs', async () => {
    const port = await freePort();
    const dir = tempDir('serve');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${port}` } }));
    const m = mika(['serve', '-config', join(dir, 'c.json'), '-procs', '1'], { cwd: dir });
    await m.waitFor(/tracker listening/);
    expect(m.stdout()).toContain('config loaded');
  });

  it('exits 2 with one line naming the field and the rule on a bad config', async () => {
    const dir = tempDir('serve');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ tracker: { numwant_max: -1 } }));
    const m = mika(['serve', '--config', join(dir, 'c.json')]);
    const { code } = await m.exited;
    expect(code).toBe(2);
    expect(m.stderr().trim().split("\n"), m.stderr()).toHaveLength(1);
    expect(m.stderr()).toMatch(/^mika: config: tracker\.numwant_max: /);
  });

  it('exits 2 when asked for several processes on the embedded store, and on the memory store', async () => {
    const embedded = mika(['serve', '--procs', '2'], { cwd: tempDir('serve') });
    expect((await embedded.exited).code).toBe(2);
    expect(embedded.stderr()).toMatch(/procs: more than one process needs store.type "redis": the embedded store has one writer, the process that holds its data folder/);
    const memory = mika(['serve', '--procs', '2'], { cwd: tempDir('serve'), env: { MIKA_STORE_TYPE: 'memory' } });
    expect((await memory.exited).code).toBe(2);
    expect(memory.stderr()).toMatch(/procs: more than one process needs store.type "redis": the memory store lives inside one process/);
  });

  it('on the memory store says at start-up that it keeps nothing', async () => {
    const m = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_STORE_TYPE: 'memory', MIKA_TRACKER_LISTEN: '127.0.0.1:0' } });
    await m.waitFor(/tracker listening/);
    expect(m.stdout()).toMatch(/"level":"warn".*store: memory, keeps nothing: users, torrents and every ledger are lost when mika stops/);
  });

  it('refuses a second mika serve on a data folder in use, naming the process that holds it', async () => {
    const cwd = tempDir('serve');
    const first = mika(['serve'], { cwd, env: { MIKA_TRACKER_LISTEN: '127.0.0.1:0', MIKA_PIDFILE: '' } });
    await first.waitFor(/tracker listening/);
    const second = mika(['serve'], { cwd, env: { MIKA_TRACKER_LISTEN: '127.0.0.1:0', MIKA_PIDFILE: '' } });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain(`data folder ${join(cwd, 'data')} is in use by process ${first.child.pid} (another mika serve?)`);
  });

  it('exits 1 with a clear line when the Redis store cannot be reached at start', async () => {
    const dead = await freePort();
    const m = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_STORE_TYPE: 'redis', MIKA_STORE_REDIS_URL: `redis://127.0.0.1:${dead}`, MIKA_TRACKER_LISTEN: '127.0.0.1:0' } });
    expect((await m.exited).code).toBe(1);
    expect(m.stderr()).toMatch(/^mika: cannot open the redis store: .*is Redis reachable at store\.redis\.url/);
  });

  it('exits 1 naming the config field when a listener’s address is in use', async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((r) => taken.listen(port, '127.0.0.1', r));
    try {
      const m = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_TRACKER_LISTEN: `127.0.0.1:${port}`, MIKA_API_ENABLED: 'false' } });
      expect((await m.exited).code).toBe(1);
      expect(m.stderr()).toBe(`mika: cannot listen on tracker.listen "127.0.0.1:${port}": the address is in use (another mika, or another program?) (change tracker.listen in the config)\n`);
    } finally {
      taken.close();
    }
  });

  it('exits 0 on SIGTERM and on SIGINT after answering what it received', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const port = await freePort();
      const m = mika(['serve'], { cwd: tempDir('serve'), env: { MIKA_TRACKER_LISTEN: `127.0.0.1:${port}` } });
      await m.waitFor(/tracker listening/);
      const answered = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/k/announce`).then((r) => r.status)));
      expect(answered).toEqual(Array(20).fill(200));
      m.child.kill(signal);
      expect(await m.exited).toEqual({ code: 0, signal: null });
    }
  });
});
