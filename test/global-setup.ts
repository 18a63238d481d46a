import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    t = Math.max(t, name.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The end-to-end tests run the built binary: build it when the sources are newer than dist/. */
export default function setup(): void {
  const built = join(root, 'dist', 'commands', 'serve.js');
  const stale = !existsSync(built) || Math.max(newest(join(root, 'src')), newest(join(root, 'commands'))) > statSync(built).mtimeMs;
  if (stale) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}
