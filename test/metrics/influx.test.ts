import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { influxTarget } from '../../src/metrics/influx.js';
import { PushExporter } from '../../src/metrics/push-exporter.js';
import { eventually } from '../helpers/eventually.js';
import { startApiDaemon } from '../helpers/api-daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { id20 } from '../helpers/tracker-harness.js';
import { announce, memoryMetrics, recordingLogger } from './fixtures.js';

// The InfluxDB exporter against a tiny HTTP listener on 127.0.0.1 that answers like InfluxDB's
// write endpoint (204) and keeps every request.

interface Write {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  lines: string[];
}

interface Influx {
  url: string;
  writes: Write[];
  /** The status the next writes get (204 like InfluxDB, or an error). */
  status: number;
  server: Server;
}

let influx: Influx | undefined;
afterEach(async () => {
  await new Promise((r) => influx?.server.close(r) ?? r(undefined));
  influx = undefined;
});

async function startInflux(): Promise<Influx> {
  const writes: Write[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      writes.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, lines: body.split('\n').filter(Boolean) });
      if (i.status === 204) res.writeHead(204).end();
      else res.writeHead(i.status, { 'content-type': 'application/json' }).end('{"error":"database not found: \\"mika\\""}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const i: Influx = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/write?db=mika`, writes, status: 204, server };
  influx = i;
  return i;
}

/** measurement[,tag=value…] value=<float> <ns timestamp>, no unescaped space or comma inside names. */
const LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(,[a-zA-Z_][a-zA-Z0-9_]*=([^ ,=\\]|\\[ ,=])+)* value=-?\d+(\.\d+)?([eE][+-]?\d+)? \d{19}$/;

const target = (url: string, token = '') => influxTarget({ enabled: true, url, token, interval: 1 });

describe('the InfluxDB exporter', () => {
  it('POSTs well-formed line protocol, one point per sample, with the token', async () => {
    const i = await startInflux();
    const { metrics, tracker } = await memoryMetrics();
    await announce(tracker);
    await announce(tracker, 'x'.repeat(32));
    const before = BigInt(Date.now()) * 1_000_000n;
    await new PushExporter(target(i.url, 'secret-token'), metrics, recordingLogger()).push();

    expect(i.writes).toHaveLength(1);
    const w = i.writes[0]!;
    expect(w).toMatchObject({ method: 'POST', url: '/write?db=mika' });
    expect(w.headers.authorization).toBe('Token secret-token');
    for (const line of w.lines) expect(line).toMatch(LINE);
    const stamps = new Set(w.lines.map((l) => l.split(' ')[2]!));
    expect(stamps.size).toBe(1);
    expect(BigInt([...stamps][0]!)).toBeGreaterThanOrEqual(before);
    const value = (series: string) => w.lines.find((l) => l.startsWith(`${series} `))?.split(' ')[1];
    expect(value('mika_announces_total,result=ok')).toBe('value=1');
    expect(value('mika_announces_total,result=failure')).toBe('value=1');
    expect(value('mika_failures_total,reason=unknown_passkey')).toBe('value=1');
    expect(value('mika_request_duration_seconds_bucket,kind=announce,le=+Inf')).toBe('value=2');
    expect(value('mika_request_duration_seconds_bucket,kind=announce,le=0.00005')).toBeDefined();
    expect(value('mika_seeders')).toBe('value=1');
    expect(value('mika_torrents')).toBe('value=1');
  });

  it('sends no Authorization without a token', async () => {
    const i = await startInflux();
    const { metrics } = await memoryMetrics();
    await new PushExporter(target(i.url), metrics, recordingLogger()).push();
    expect(i.writes[0]!.headers.authorization).toBeUndefined();
  });

  it('logs a refused write once per outage, with the status and without the query', async () => {
    const i = await startInflux();
    i.status = 404;
    const { metrics } = await memoryMetrics();
    const log = recordingLogger();
    const exporter = new PushExporter(target(`${i.url}&u=admin&p=hunter2`), metrics, log);
    await exporter.push();
    await exporter.push();
    expect(i.writes).toHaveLength(2);
    expect(log.lines).toHaveLength(1);
    const err = (log.lines[0]!.obj as { err: string }).err;
    expect(err).toContain('HTTP 404');
    expect(err).toContain('database not found');
    expect(err).not.toContain('hunter2');
    i.status = 204;
    await exporter.push();
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', expect.stringContaining('metrics push failed')],
      ['info', 'metrics push works again'],
    ]);
  });

  it('pushes every interval from a daemon configured with metrics.influx', async () => {
    const i = await startInflux();
    const d = await startApiDaemon(tempDir('influx'), { config: { tracker: { whitelist_enabled: false }, metrics: { influx: { enabled: true, url: i.url, interval: 1 } } } });
    try {
      await d.announce('z'.repeat(32), { infoHash: id20('ih'), peerId: id20('-qB4-') });
      await eventually(() => i.writes.some((w) => w.lines.some((l) => l.startsWith('mika_announces_total,result=failure value=1 '))), 4000);
      for (const w of i.writes) for (const line of w.lines) expect(line).toMatch(LINE);
    } finally {
      await d.close();
    }
  });
});
