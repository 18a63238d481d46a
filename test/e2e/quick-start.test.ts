import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { MIKA_BIN, ROOT } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The shell lines of the README's "Quick start" section, block by block, in order. */
export function quickStartCommands(readme: string): string[] {
  const start = readme.indexOf('\n## Quick start\n');
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim() !== ''));
}

describe('the README quick start', () => {
  it('run as written, from an empty folder, ends in an announce that works and mika top showing it', { timeout: 180_000 }, async () => {
    const commands = quickStartCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(commands[0]).toMatch(/^npm .*npm install -g \.\/mika-tracker-[\d.]+\.tgz$/);
    expect(commands).toContain('mika init');
    expect(commands).toContain('mika serve');

    const dir = tempDir('quick-start');
    // The install step puts `mika` on PATH; here that is the built checkout (npm install -g would
    // reach the registry for the dependencies).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'mika'), `#!/bin/sh\nexec "${process.execPath}" "${MIKA_BIN}" "$@"\n`);
    chmodSync(join(bin, 'mika'), 0o755);
    const home = join(dir, 'home');
    mkdirSync(home);

    // The README's ports, 34000 and 34001, become free ones; every other word is the README's.
    const [tracker, api] = [await freePort(), await freePort()];
    const ports = (line: string) => line.replaceAll(':34000', `:${tracker}`).replaceAll(':34001', `:${api}`);
    const script = ['set -e'];
    commands.forEach((line, i) => {
      if (i === 0) return;
      // A marker on a line of its own (curl's output ends without a newline).
      script.push(`printf '\\n### ${i}\\n'`);
      if (line === 'mika serve') {
        // The second terminal: in the background, until the test ends.
        script.push('mika serve > serve.log 2>&1 &', 'echo $! > "$HOME/serve.pid"', 'for i in $(seq 1 900); do grep -q "tracker listening" serve.log && break; sleep 0.1; done', 'cat serve.log');
      } else {
        script.push(ports(line));
      }
    });
    const run = spawn('bash', ['-c', script.join('\n')], {
      cwd: dir,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: home,
        NODE_ENV: 'production',
        MIKA_TRACKER_LISTEN: `:${tracker}`,
        MIKA_API_LISTEN: `:${api}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    run.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('exit', resolve));
    const pidFile = join(home, 'serve.pid');
    const serve = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
    try {
      expect(code, `${out}\n${err}`).toBe(0);
      const outputs = new Map<string, string>();
      for (const part of out.split('\n### ').slice(1)) {
        const nl = part.indexOf('\n');
        outputs.set(commands[Number(part.slice(0, nl))]!, part.slice(nl + 1).trim());
      }
      expect(outputs.get('mika init')).toMatch(/^> Config: +config\.json/);
      expect(outputs.get('mika serve')).toMatch(/tracker listening/);
      expect(outputs.get('mika whitelist add -qB5 qBittorrent 5')).toBe('> Added "-qB5": qBittorrent 5');
      const announce = [...outputs].find(([c]) => c.includes('/announce?'))![1];
      expect(announce).toMatch(/^d8:completei1e/);
      expect(announce).not.toContain('failure reason');
      expect(outputs.get('mika top -once')).toMatch(/announces\/s .* total 1$/m);
      expect(outputs.get('mika top -once')).toMatch(/users +1$/m);
    } finally {
      if (serve) process.kill(serve, 'SIGTERM');
    }
  });
});
