import { fetch } from 'undici';
import type { MetricsConfig } from '../config/schema.js';
import type { Sample } from './bucket-histogram.js';
import { PUSH_TIMEOUT_MS, type PushTarget } from './push-exporter.js';

// Line protocol escapes: measurement names escape commas and spaces, tag keys and values also "=".
const measurement = (s: string): string => s.replace(/[, ]/g, '\\$&');
const tag = (s: string | number): string => String(s).replace(/[,= ]/g, '\\$&');

/**
 * InfluxDB line protocol, one point per sample: the metric name as measurement, its labels as tags
 * (in name order; empty ones left out), the number as float field `value`, a nanosecond timestamp:
 * `mika_announces_total,result=ok value=123 1795000000000000000`.
 */
export function influxLines(samples: Sample[], unixMillis: number): string {
  const ns = `${unixMillis}000000`;
  let out = '';
  for (const s of samples) {
    let line = measurement(s.metricName);
    for (const k of Object.keys(s.labels).sort()) {
      const v = s.labels[k];
      if (v !== undefined && v !== '') line += `,${tag(k)}=${tag(v)}`;
    }
    out += `${line} value=${s.value} ${ns}\n`;
  }
  return out;
}

/** POSTs `body` to the write URL; rejects unless InfluxDB accepts it (2xx, normally 204). */
export async function sendInflux(url: string, token: string, body: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (token !== '') headers.authorization = `Token ${token}`;
  // The query may hold v1 credentials (u=, p=): messages name the URL without it.
  const { origin, pathname } = new URL(url);
  let res;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(PUSH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new Error(`cannot reach ${origin}${pathname}: ${cause}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${origin}${pathname}: ${text.slice(0, 200)}`);
}

export function influxTarget(c: MetricsConfig['influx']): PushTarget {
  return {
    name: `influx ${new URL(c.url).origin}`,
    intervalSeconds: c.interval,
    push: (samples, now) => sendInflux(c.url, c.token, influxLines(samples, now)),
  };
}
