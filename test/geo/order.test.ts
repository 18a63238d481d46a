import { describe, expect, it } from 'vitest';
import { distanceKm } from '../../src/geo/distance.js';
import { nearestFirst } from '../../src/geo/order.js';
import { compactEndpoint, parseAddress } from '../../src/net/ip-address.js';
import { recordsOf, writeEndpoint } from '../../src/store/peer-record.js';
import { id20 } from '../helpers/tracker-harness.js';

const PARIS = { lat: 48.86, lon: 2.35 };
const BERLIN = { lat: 52.52, lon: 13.4 };
const NEW_YORK = { lat: 40.71, lon: -74.0 };
const TOKYO = { lat: 35.68, lon: 139.69 };

const record = (label: string, ip: string) => writeEndpoint(undefined, id20(label), compactEndpoint(parseAddress(ip)!, 6881));
const places: Record<string, { lat: number; lon: number }> = { '10.0.0.1': TOKYO, '10.0.0.2': NEW_YORK, '10.0.0.3': BERLIN, '2001:db8::4': BERLIN };
const locate = (ip: string) => places[ip];

describe('distanceKm', () => {
  it('measures great-circle distances', () => {
    expect(distanceKm(PARIS, BERLIN)).toBeCloseTo(878, -1);
    expect(distanceKm(PARIS, NEW_YORK)).toBeCloseTo(5837, -1);
    expect(distanceKm(TOKYO, TOKYO)).toBe(0);
  });
});

describe('nearestFirst', () => {
  it('puts the nearest peers first, unplaced peers last, and keeps rotation order between equals', () => {
    const sample = [record('tokyo', '10.0.0.1'), record('nowhere', '10.9.9.9'), record('ny', '10.0.0.2'), record('berlin', '10.0.0.3'), record('berlin6', '2001:db8::4')];
    const order = recordsOf(nearestFirst(Buffer.concat(sample), PARIS, locate, 10)).map((r) => r.subarray(0, 8).toString('latin1').replace(/\.+$/, ''));
    expect(order).toEqual(['berlin', 'berlin6', 'ny', 'tokyo', 'nowhere']);
  });

  it('hands out at most numwant of the sample', () => {
    const sample = [record('tokyo', '10.0.0.1'), record('ny', '10.0.0.2'), record('berlin', '10.0.0.3')];
    expect(nearestFirst(Buffer.concat(sample), PARIS, locate, 1)).toEqual(sample[2]);
  });
});
