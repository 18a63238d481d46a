import { connect } from 'node:net';
import type { MetricsConfig } from '../config/schema.js';
import type { Sample } from './bucket-histogram.js';
import { PUSH_TIMEOUT_MS, type PushTarget } from './push-exporter.js';

/** One component of a Graphite path: a dot would split it, so anything but [A-Za-z0-9_-] becomes "_". */
const component = (s: string | number): string => String(s).replace(/^\+/, '').replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Graphite plaintext lines, `<path> <value> <unix seconds>`. The path is the prefix, the metric name
 * without its "mika_", then `<label>_<value>` per label in name order:
 * `mika.announces_total.result_ok 123 1795000000`, `mika.request_duration_seconds_bucket.kind_announce.le_0_001 …`.
 */
export function graphiteLines(samples: Sample[], prefix: string, unixSeconds: number): string {
  let out = '';
  for (const s of samples) {
    let path = `${prefix}.${component(s.metricName.replace(/^mika_/, ''))}`;
    for (const k of Object.keys(s.labels).sort()) path += `.${component(k)}_${component(s.labels[k]!)}`;
    out += `${path} ${s.value} ${unixSeconds}\n`;
  }
  return out;
}

/** Writes `body` on a new TCP connection and closes it; resolves once the connection closed cleanly. */
export function sendGraphite(host: string, port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(PUSH_TIMEOUT_MS, () => socket.destroy(new Error(`no progress with ${host}:${port} in ${PUSH_TIMEOUT_MS} ms`)));
    socket.once('error', reject);
    socket.once('close', (hadError) => hadError || resolve());
    socket.end(body);
  });
}

export function graphiteTarget(c: MetricsConfig['graphite']): PushTarget {
  return {
    name: `graphite ${c.host}:${c.port}`,
    intervalSeconds: c.interval,
    push: (samples, now) => sendGraphite(c.host, c.port, graphiteLines(samples, c.prefix, Math.floor(now / 1000))),
  };
}
