import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMika } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('mika genkey', () => {
  it('writes the key and certificate named in config, then refuses to overwrite them without --force', async () => {
    const cwd = tempDir('genkey-cli');
    const first = runMika(['genkey', '--host', 'tracker.example.org'], { cwd });
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toMatch(/^> Generating new keys\.\.\.$/m);
    expect(first.stdout()).toContain('DNS:tracker.example.org');
    expect(statSync(join(cwd, 'mika-api.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, 'mika-api.crt'))).toBe(true);

    const again = runMika(['genkey'], { cwd });
    expect((await again.exited).code).toBe(1);
    expect(again.stderr()).toBe('mika: mika-api.key exists: pass --force to replace it\n');

    const forced = runMika(['genkey', '-force', '-days', '30'], { cwd });
    expect((await forced.exited).code).toBe(0);
  });
});
