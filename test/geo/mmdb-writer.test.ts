import { describe, expect, it } from 'vitest';
import { Reader } from 'maxmind';
import { cityAt, writeMmdb } from '../helpers/mmdb-writer.js';

describe('the test mmdb writer', () => {
  it('writes a database that the maxmind reader answers from, for IPv4 and IPv6 networks', () => {
    const db = new Reader<Record<string, any>>(
      writeMmdb([
        { cidr: '10.1.0.0/16', data: cityAt(48.85, 2.35, 'FR') },
        { cidr: '10.2.3.0/24', data: cityAt(40.71, -74.0, 'US') },
        { cidr: '2001:db8:1::/48', data: cityAt(35.68, 139.69, 'JP') },
      ]),
    );
    expect(db.get('10.1.200.7')).toEqual({ country: { iso_code: 'FR' }, location: { latitude: 48.85, longitude: 2.35 } });
    expect(db.get('10.2.3.4')?.location).toEqual({ latitude: 40.71, longitude: -74.0 });
    expect(db.get('2001:db8:1:ffff::1')?.country.iso_code).toBe('JP');
    expect(db.get('10.3.0.1')).toBeNull();
    expect(db.get('2001:db8:2::1')).toBeNull();
    expect(db.metadata.databaseType).toBe('Test-City');
  });
});
