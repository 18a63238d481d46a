import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { eventually } from '../helpers/eventually.js';
import { encodeBytes, id20, text } from '../helpers/tracker-harness.js';
import { parsePrometheusText, sampleValue, type PromFamily } from './prometheus-text.js';

// GET /metrics on the TLS API (behind its credentials) and on the plain-HTTP metrics.listen
// listener, against a daemon in this process on the memory store, with real announces over HTTP.

const IH = 'cd'.repeat(20);
const PK = 'm'.repeat(32);
const PK2 = 'n'.repeat(32);

let dir: string;
let d: ApiDaemon;
let agent: Agent;
let now = 1_800_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mika-metrics-'));
  d = await startApiDaemon(dir, {
    clock: () => now,
    config: { tracker: { whitelist_enabled: false, interval: 60, min_interval: 1, reap_interval: 90, reap_sweep: 1 }, metrics: { listen: '127.0.0.1:0' } },
  });
  agent = new Agent({ connect: { ca: d.ca, servername: 'localhost' } });
  expect((await d.api('POST', '/api/torrent', { body: { torrent_id: 1, info_hash: IH, name: 'Debian' } })).status).toBe(201);
  expect((await d.api('POST', '/api/user', { body: { user_id: 1, passkey: PK } })).status).toBe(201);
  expect((await d.api('POST', '/api/user', { body: { user_id: 2, passkey: PK2 } })).status).toBe(201);
});
afterAll(async () => {
  await agent?.close();
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET /metrics over TLS on the API port. */
async function apiMetrics(headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) {
  const res = await fetch(`https://127.0.0.1:${d.daemon.apiAddress!.port}/metrics`, { headers, dispatcher: agent });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

const scrape = async (): Promise<Map<string, PromFamily>> => {
  const r = await apiMetrics();
  expect(r.status).toBe(200);
  return parsePrometheusText(r.body);
};

/** Prometheus's own checker, when installed (Debian: apt install prometheus). */
const promtool = spawnSync('promtool', ['--version']).status === 0;

const NAMES = {
  counter: ['mika_announces_total', 'mika_scrapes_total', 'mika_failures_total', 'mika_reaped_peers_total', 'mika_storage_reconnects_total', 'process_cpu_user_seconds_total'],
  gauge: ['mika_seeders', 'mika_leechers', 'mika_peers', 'mika_torrents', 'mika_users', 'mika_whitelist_entries', 'mika_storage_up', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds'],
  histogram: ['mika_request_duration_seconds', 'mika_storage_duration_seconds'],
};

describe('GET /metrics on the API listener', () => {
  it('needs the API credentials', async () => {
    const r = await apiMetrics({});
    expect(r.status).toBe(401);
    const basic = await apiMetrics({ authorization: `Basic ${Buffer.from('site:secret-pass-of-16+chars').toString('base64')}` });
    expect(basic.status).toBe(200);
  });

  it('answers the Prometheus text format 0.0.4 with every mika metric and the process metrics', async () => {
    const r = await apiMetrics();
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(r.body);
    for (const [type, names] of Object.entries(NAMES)) {
      for (const name of names) expect(families.get(name)?.type, name).toBe(type);
    }
    for (const f of families.values()) expect(f.help, f.name).not.toBe('');
    // every failure reason is there from the start, at 0
    expect(families.get('mika_failures_total')!.samples.map((s) => s.labels.reason)).toEqual(
      expect.arrayContaining(['malformed', 'unknown_passkey', 'user_disabled', 'not_whitelisted', 'unregistered_torrent', 'torrent_disabled', 'leech_denied', 'storage_unavailable', 'internal']),
    );
    expect(sampleValue(families, 'mika_torrents')).toBe(1);
    expect(sampleValue(families, 'mika_users')).toBe(2);
    expect(sampleValue(families, 'mika_storage_up')).toBe(1);
  });

  it.skipIf(!promtool)('passes promtool check metrics, lint included', async () => {
    const r = await apiMetrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: r.body, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('counters, histograms and gauges move with announces and scrapes over HTTP', async () => {
    const before = await scrape();
    const v = (f: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels);
    const seeder = await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4-seed'), left: 0, event: 'started' });
    expect(seeder['failure reason']).toBeUndefined();
    const leecher = await d.announce(PK2, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-TR3-leech'), left: 100, event: 'started' });
    expect(leecher['failure reason']).toBeUndefined();
    const stranger = await d.announce('x'.repeat(32), { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-TR3-x') });
    expect(text(stranger['failure reason'])).toBe('unknown passkey');
    const unregistered = await d.announce(PK, { infoHash: Buffer.from('ef'.repeat(20), 'hex'), peerId: id20('-qB4-seed') });
    expect(text(unregistered['failure reason'])).toBe('unregistered torrent');
    const res = await fetch(`http://127.0.0.1:${d.daemon.trackerAddress.port}/${PK}/scrape?info_hash=${encodeBytes(Buffer.from(IH, 'hex'))}`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => v(after, name, labels) - v(before, name, labels);
    expect(delta('mika_announces_total', { result: 'ok' })).toBe(2);
    expect(delta('mika_announces_total', { result: 'failure' })).toBe(2);
    expect(delta('mika_scrapes_total', { result: 'ok' })).toBe(1);
    expect(delta('mika_scrapes_total', { result: 'failure' })).toBe(0);
    expect(delta('mika_failures_total', { reason: 'unknown_passkey' })).toBe(1);
    expect(delta('mika_failures_total', { reason: 'unregistered_torrent' })).toBe(1);
    expect(delta('mika_request_duration_seconds_count', { kind: 'announce' })).toBe(4);
    expect(delta('mika_request_duration_seconds_count', { kind: 'scrape' })).toBe(1);
    expect(delta('mika_request_duration_seconds_sum', { kind: 'announce' })).toBeGreaterThan(0);
    // the store is called by the two announces that pass every check, and by the scrape
    expect(delta('mika_storage_duration_seconds_count', { op: 'announce' })).toBe(2);
    expect(delta('mika_storage_duration_seconds_count', { op: 'scrape' })).toBe(1);
    expect(v(after, 'mika_seeders')).toBe(1);
    expect(v(after, 'mika_leechers')).toBe(1);
    expect(v(after, 'mika_peers')).toBe(2);
  });

  it('counts the peers the reaper drops', async () => {
    const before = sampleValue(await scrape(), 'mika_reaped_peers_total');
    await d.announce(PK, { infoHash: Buffer.from(IH, 'hex'), peerId: id20('-qB4-silent'), left: 0 });
    now += 1000; // every peer of the swarm is silent past reap_interval now; the sweep runs every second
    let after = before;
    await eventually(async () => (after = sampleValue(await scrape(), 'mika_reaped_peers_total')) > before, 5000);
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(sampleValue(await scrape(), 'mika_peers')).toBe(0);
  });
});

describe('the plain-HTTP metrics listener (metrics.listen)', () => {
  const plain = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${d.daemon.metricsAddress!.port}${path}`, { method });

  it('serves the same metrics without credentials', async () => {
    const res = await plain('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await res.text());
    expect([...families.keys()]).toEqual(expect.arrayContaining([...NAMES.counter, ...NAMES.gauge, ...NAMES.histogram]));
    expect(sampleValue(families, 'mika_users')).toBe(2);
  });

  it('answers nothing else', async () => {
    expect((await plain('/api/stats')).status).toBe(404);
    expect((await plain('/metrics', 'POST')).status).toBe(404);
  });

  it('is off by default', async () => {
    const other = await startApiDaemon(mkdtempSync(join(dir, 'off-')));
    try {
      expect(other.daemon.metricsAddress).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
