import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/mika-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const deploy = (name: string) => readFileSync(join(ROOT, 'deploy', name), 'utf8');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const dockerWorks = has('docker') && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

/** `Key=value` lines of a unit file (the last one wins, as systemd reads them). */
const unitSettings = (text: string) => new Map(text.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));

describe('deploy/mika.service', () => {
  const unit = deploy('mika.service');
  const settings = unitSettings(unit);

  it('runs mika serve, restarts it on failure, reloads by SIGHUP and is hardened', () => {
    expect(settings.get('ExecStart')).toMatch(/^\/usr\/local\/bin\/mika serve -config \/etc\/mika\/config\.json$/);
    expect(settings.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(settings.get('Restart')).toBe('on-failure');
    for (const k of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'CapabilityBoundingSet', 'SystemCallFilter']) expect(settings.has(k), k).toBe(true);
    // Every MIKA_* it sets is a config field.
    const env = Object.fromEntries([...unit.matchAll(/^Environment=(MIKA_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(() => loadConfig({ env })).not.toThrow();
  });

  it.runIf(has('systemd-analyze'))('passes systemd-analyze verify (the binary stood in by node)', () => {
    const dir = tempDir('unit');
    const path = join(dir, 'mika.service');
    writeFileSync(path, unit.replace('/usr/local/bin/mika', process.execPath));
    const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('mika.service')), r.stderr).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('deploy/Dockerfile and deploy/compose.yaml', () => {
  const dockerfile = deploy('Dockerfile');
  const compose = parse(deploy('compose.yaml')) as { services: Record<string, any> };

  it('builds from files of the checkout on the Node the package supports, and runs mika serve as a non-root user', () => {
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const major = Number(/>=(\d+)/.exec(engines)![1]);
    for (const [, image] of dockerfile.matchAll(/^FROM node:(\d+)/gm)) expect(Number(image)).toBeGreaterThanOrEqual(major);
    for (const [, src] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) for (const f of src!.split(' ')) expect(existsSync(join(ROOT, f)), f).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 34000 34001$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/api\/health/m);
    expect(dockerfile).toMatch(/^CMD \["mika", "serve", "-config", "\/etc\/mika\/config\.json"\]$/m);
  });

  it('runs mika beside Redis, on it, with every MIKA_* a config field', () => {
    const { mika, redis } = compose.services;
    expect(redis.image).toMatch(/^redis:/);
    expect(mika.depends_on.redis).toBeDefined();
    expect(existsSync(join(ROOT, 'deploy', mika.build.context, mika.build.dockerfile))).toBe(true);
    const { config } = loadConfig({ env: mika.environment, path: join(ROOT, 'config.json.dist') });
    expect(config.store).toMatchObject({ type: 'redis', redis: { url: 'redis://redis:6379' } });
    expect(config.log.format).toBe('json');
  });

  it.runIf(dockerWorks)('builds the image from the checkout', { timeout: 600_000 }, () => {
    execFileSync('docker', ['build', '-f', 'deploy/Dockerfile', '-t', 'mika-tracker:test', '.'], { cwd: ROOT, stdio: 'inherit' });
  });
});
