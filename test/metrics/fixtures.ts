import { parseConfig } from '../../src/config/load.js';
import { Metrics } from '../../src/metrics/metrics.js';
import type { ExporterLogger } from '../../src/metrics/push-exporter.js';
import { RequestTimings } from '../../src/metrics/request-timings.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { Tracker } from '../../src/tracker/tracker.js';
import { announceQuery, id20 } from '../helpers/tracker-harness.js';

export const PASSKEY = 'k'.repeat(32);
export const INFO_HASH = 'ab'.repeat(20);

/** Metrics over a memory store with one user and one torrent, and the tracker that feeds them. */
export async function memoryMetrics(): Promise<{ metrics: Metrics; tracker: Tracker; store: MemoryStore }> {
  const store = new MemoryStore();
  await store.open();
  await store.putUser({ id: 1, passkey: PASSKEY, name: 'alice', canLeech: true, enabled: true, leechSlots: 0 });
  await store.putTorrent({ id: 1, infoHash: INFO_HASH, name: 'Debian', multiUp: 1, multiDown: 1, enabled: true, reason: '' });
  return { ...metricsOn(store), store };
}

/** Metrics over `store`, fed by a tracker on it (whitelist off), as the daemon wires them. */
export function metricsOn(store: Store): { metrics: Metrics; tracker: Tracker } {
  const timings = new RequestTimings();
  const tracker = new Tracker(store, parseConfig({ tracker: { whitelist_enabled: false } }), { error() {} }, undefined, timings);
  return { metrics: new Metrics({ store, counters: tracker.counters, timings, reaper: { reaped: 0 } }), tracker };
}

/** One announce straight to the tracker (no HTTP); `passkey` other than PASSKEY fails. */
export const announce = (tracker: Tracker, passkey = PASSKEY, left = 0) =>
  tracker.announce(passkey, { url: `/${passkey}/announce?${announceQuery({ infoHash: Buffer.from(INFO_HASH, 'hex'), peerId: id20('-qB4-metrics'), left })}`, socketAddress: '127.0.0.1', headers: {} });

/** A logger that keeps what it is told. */
export function recordingLogger(): ExporterLogger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  };
}
