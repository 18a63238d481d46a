import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/logger.js';

/** A logger of `format` writing into an array of lines. */
function capture(format: 'json' | 'pretty') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const logger = createLogger({ level: 'info', format }, sink);
  return { logger, lines };
}

describe('the daemon log', () => {
  it('as JSON: the level by name, an ISO-8601 time, the pid once, no key twice', () => {
    const { logger, lines } = capture('json');
    logger.child({}).info({ worker_pid: 42, reason: 'killed by SIGKILL' }, 'worker died');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    const keys = [...line.matchAll(/"([a-z_]+)":/g)].map((m) => m[1]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(JSON.parse(line)).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), pid: process.pid, worker_pid: 42, reason: 'killed by SIGKILL', msg: 'worker died' });
  });

  it('pretty: one line a record, with its time, level name and message', () => {
    const { logger, lines } = capture('pretty');
    logger.warn({ changed: ['tracker.interval'] }, 'config reloaded');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] WARN \(\d+\): config reloaded \{"changed":\["tracker\.interval"\]\}$/);
  });
});
