import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

async function mika(cwd: string, ...args: string[]) {
  const m = runMika(args, { cwd });
  const { code } = await m.exited;
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

const COMMANDS = ['init', 'serve', 'genkey', 'reload', 'top', 'warmup', 'whitelist list', 'whitelist add', 'whitelist remove'];

describe('every command behaves alike', () => {
  it('mika help serve, mika serve -h, mika -h and mika -v answer; every command’s help has examples', { timeout: 120_000 }, async () => {
    const cwd = tempDir('alike-help');
    const [help, dashH, root, version, ...each] = await Promise.all([
      mika(cwd, 'help', 'serve'),
      mika(cwd, 'serve', '-h'),
      mika(cwd, '-h'),
      mika(cwd, '-v'),
      ...COMMANDS.map((c) => mika(cwd, 'help', ...c.split(' '))),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/USAGE\n +\$ mika serve/);
    expect(help.stdout).toContain('mika serve -config config.json -procs 2');
    expect(dashH).toEqual(help);
    expect(root.code).toBe(0);
    for (const c of ['init', 'serve', 'genkey', 'reload', 'top', 'warmup', 'whitelist']) expect(root.stdout).toMatch(new RegExp(`^  ${c}(\\s|$)`, 'm'));
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^mika-tracker\/\d+\.\d+\.\d+ /) });
    each.forEach((h, i) => {
      expect(h.code, COMMANDS[i]).toBe(0);
      expect(h.stdout, COMMANDS[i]).toMatch(/EXAMPLES\n +\$ mika /);
    });
  });

  it('a typo gets a suggestion, an unknown flag the usage, both one line and exit 2', { timeout: 60_000 }, async () => {
    const cwd = tempDir('alike-typo');
    const [typo, flag] = await Promise.all([mika(cwd, 'serv'), mika(cwd, 'serve', '-bogus')]);
    expect(typo).toEqual({ code: 2, stdout: '', stderr: 'mika: no command "serv" (did you mean "mika serve"? mika help lists the commands)\n' });
    expect(flag).toEqual({ code: 2, stdout: '', stderr: 'mika: Nonexistent flag: --bogus (mika help serve shows the usage)\n' });
  });

  it('the whitelist commands take -config FILE and -json Go-style, after their arguments too', { timeout: 60_000 }, async () => {
    const cwd = tempDir('alike-whitelist');
    const port = await freePort();
    // A config that names an API nobody serves: the error shows the command read it (not ./config.json).
    writeFileSync(join(cwd, 'other.json'), JSON.stringify({ api: { listen: `127.0.0.1:${port}`, keys: ['k'.repeat(20)], tls_cert: join(cwd, 'c.crt'), tls_key: join(cwd, 'c.key') } }));
    expect((await mika(cwd, 'genkey', '-config', 'other.json')).code).toBe(0);
    const [list, add] = await Promise.all([mika(cwd, 'whitelist', 'list', '-config', 'other.json'), mika(cwd, 'whitelist', 'add', '-ZZ9', 'Test', '-config', 'other.json', '-json')]);
    for (const r of [list, add]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^mika: cannot reach the API at https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.* \\(is mika serve running with this config\\?`));
    }
  });

  it('top -once exits 1 in one line when what answers is not the API (the tracker’s port)', { timeout: 60_000 }, async () => {
    const cwd = tempDir('alike-top');
    const tracker = createServer((_req, res) => res.end('d14:failure reason15:unknown passkeye'));
    await new Promise<void>((r) => tracker.listen(0, '127.0.0.1', r));
    try {
      const { port } = tracker.address() as AddressInfo;
      const top = await mika(cwd, 'top', '-once', '-url', `http://127.0.0.1:${port}`, '-interval', '0.2');
      expect(top).toEqual({
        code: 1,
        stdout: '',
        stderr: `mika: http://127.0.0.1:${port} answered HTTP 200 with something other than the mika API's JSON (is it the api.listen address, not the tracker's?)\n`,
      });
    } finally {
      tracker.close();
    }
  });
});
