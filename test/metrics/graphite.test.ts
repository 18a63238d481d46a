import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { graphiteTarget } from '../../src/metrics/graphite.js';
import { PushExporter } from '../../src/metrics/push-exporter.js';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/eventually.js';
import { startApiDaemon } from '../helpers/api-daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { id20 } from '../helpers/tracker-harness.js';
import { announce, memoryMetrics, recordingLogger } from './fixtures.js';

// The Graphite exporter against a tiny plaintext listener on 127.0.0.1 that keeps what it receives.

interface Carbon {
  port: number;
  /** Every line received, over every connection. */
  lines: string[];
  server: Server;
}

let carbon: Carbon | undefined;
afterEach(async () => {
  await new Promise((r) => carbon?.server.close(r) ?? r(undefined));
  carbon = undefined;
});

async function startCarbon(port = 0): Promise<Carbon> {
  const lines: string[] = [];
  const server = createServer((socket) => {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (buf += chunk));
    socket.on('end', () => lines.push(...buf.split('\n').filter(Boolean)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  carbon = { port: (server.address() as AddressInfo).port, lines, server };
  return carbon;
}

/** `<path> <value> <unix seconds>`, the path made of [A-Za-z0-9_-] components. */
const LINE = /^mika(\.[A-Za-z0-9_-]+)+ -?(\d+(\.\d+)?([eE][+-]?\d+)?) (\d{10})$/;

const target = (port: number) => graphiteTarget({ enabled: true, host: '127.0.0.1', port, prefix: 'mika', interval: 1 });

describe('the Graphite exporter', () => {
  it('sends well-formed plaintext lines, one per sample, with the counters as they are', async () => {
    const c = await startCarbon();
    const { metrics, tracker } = await memoryMetrics();
    await announce(tracker);
    await announce(tracker);
    await announce(tracker, 'x'.repeat(32));
    const before = Math.floor(Date.now() / 1000);
    await new PushExporter(target(c.port), metrics, recordingLogger()).push();
    await eventually(() => c.lines.length > 0);

    for (const line of c.lines) expect(line).toMatch(LINE);
    const stamps = new Set(c.lines.map((l) => Number(l.split(' ')[2])));
    expect(stamps.size).toBe(1);
    expect([...stamps][0]).toBeGreaterThanOrEqual(before);
    const value = (path: string) => c.lines.find((l) => l.startsWith(`${path} `))?.split(' ')[1];
    expect(value('mika.announces_total.result_ok')).toBe('2');
    expect(value('mika.announces_total.result_failure')).toBe('1');
    expect(value('mika.failures_total.reason_unknown_passkey')).toBe('1');
    expect(value('mika.request_duration_seconds_count.kind_announce')).toBe('3');
    expect(value('mika.request_duration_seconds_bucket.kind_announce.le_Inf')).toBe('3');
    expect(value('mika.request_duration_seconds_bucket.kind_announce.le_0_00005')).toBeDefined();
    expect(value('mika.seeders')).toBe('1');
    expect(value('mika.users')).toBe('1');
    expect(value('process_cpu_user_seconds_total')).toBeUndefined();
    expect(value('mika.process_cpu_user_seconds_total')).toMatch(/^\d/);
  });

  it('logs a failed push once per outage, and once when it works again; it never throws', async () => {
    const port = await freePort();
    const { metrics } = await memoryMetrics();
    const log = recordingLogger();
    const exporter = new PushExporter(target(port), metrics, log);
    await exporter.push();
    await exporter.push();
    expect(log.lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('metrics push failed'), obj: expect.objectContaining({ exporter: `graphite 127.0.0.1:${port}`, err: expect.stringContaining('ECONNREFUSED') }) })]);
    const c = await startCarbon(port);
    await exporter.push();
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'info']);
    await eventually(() => c.lines.some((l) => l.startsWith('mika.announces_total.result_ok ')));
  });

  it('pushes every interval from a daemon configured with metrics.graphite, until it closes', async () => {
    const c = await startCarbon();
    const d = await startApiDaemon(tempDir('graphite'), { config: { tracker: { whitelist_enabled: false }, metrics: { graphite: { enabled: true, host: '127.0.0.1', port: c.port, interval: 1 } } } });
    try {
      await d.announce('z'.repeat(32), { infoHash: id20('ih'), peerId: id20('-qB4-') });
      await eventually(() => c.lines.includes(c.lines.find((l) => l.startsWith('mika.announces_total.result_failure 1 ')) ?? '-'), 4000);
      for (const line of c.lines) expect(line).toMatch(LINE);
    } finally {
      await d.close();
    }
    const count = c.lines.length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(c.lines.length).toBe(count);
  });
});
