import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runMika, type MikaProcess } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

// The pidfile as a careless config or a local attacker leaves it: a symlink planted at its path, a
// stale file from a crash, a stale pid now held by an unrelated process, a daemon already running.

const running: MikaProcess[] = [];
const mika = (args: string[], cwd: string) => {
  const p = runMika(args, { cwd });
  running.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function setup(): Promise<{ dir: string; pidfile: string }> {
  const dir = tempDir('pidfile');
  const pidfile = join(dir, 'mika.pid');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ tracker: { listen: `127.0.0.1:${await freePort()}` }, pidfile }));
  return { dir, pidfile };
}

/** A process that is not mika, alive until killed. */
function unrelatedProcess() {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  return { pid: child.pid!, alive: () => child.exitCode === null && child.signalCode === null, exited, kill: () => child.kill('SIGKILL') };
}

describe('the pidfile', () => {
  it('is not written through a symlink planted at its path: mika serve refuses to start and the target is untouched', async () => {
    const { dir, pidfile } = await setup();
    const target = join(dir, 'precious.txt');
    writeFileSync(target, 'precious data\n');
    symlinkSync(target, pidfile);
    const m = mika(['serve'], dir);
    expect((await m.exited).code).toBe(1);
    expect(m.stderr()).toBe(`mika: pidfile ${pidfile} is a symbolic link: refusing to write through it (remove it, or point config pidfile at a path only mika writes)\n`);
    expect(m.stdout()).not.toMatch(/tracker listening/);
    expect(readFileSync(target, 'utf8')).toBe('precious data\n');
  });

  it('left stale by a daemon that died is replaced, and removed again at exit', async () => {
    const { dir, pidfile } = await setup();
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(pidfile, `${dead.pid}\n`);
    const m = mika(['serve'], dir);
    await m.waitFor(/tracker listening/);
    expect(readFileSync(pidfile, 'utf8')).toBe(`${m.child.pid}\n`);
    expect((await m.stop()).code).toBe(0);
    expect(() => readFileSync(pidfile)).toThrow(/ENOENT/);
  });

  it('of a mika serve still running makes a second one refuse to start, and stays its', async () => {
    const { dir, pidfile } = await setup();
    const first = mika(['serve'], dir);
    await first.waitFor(/tracker listening/);
    const second = mika(['serve'], dir);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toBe(`mika: mika serve is already running with pid ${first.child.pid} (pidfile ${pidfile}): stop it first, or give this one another pidfile\n`);
    expect(readFileSync(pidfile, 'utf8')).toBe(`${first.child.pid}\n`);
  });

  it('holding the pid of an unrelated process: reload --signal refuses and signals nothing', async () => {
    const { dir, pidfile } = await setup();
    const other = unrelatedProcess();
    try {
      writeFileSync(pidfile, `${other.pid}\n`);
      const reload = mika(['reload', '--signal'], dir);
      expect((await reload.exited).code).toBe(1);
      expect(reload.stderr()).toBe(`mika: pid ${other.pid} from ${pidfile} is not a running mika serve (a stale pidfile?): nothing signalled\n`);
      await new Promise((r) => setTimeout(r, 200));
      expect(other.alive()).toBe(true);
    } finally {
      other.kill();
    }
  });

  it('as a symlink is not read by reload --signal', async () => {
    const { dir, pidfile } = await setup();
    const real = join(dir, 'elsewhere.pid');
    writeFileSync(real, `${process.pid}\n`);
    symlinkSync(real, pidfile);
    const reload = mika(['reload', '--signal'], dir);
    expect((await reload.exited).code).toBe(1);
    expect(reload.stderr()).toBe(`mika: pidfile ${pidfile} is a symbolic link: not read (mika serve never writes one)\n`);
  });
});
