import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import type { GeoPoint } from './distance.js';

/** Addresses whose place is remembered; past it the oldest half is forgotten. */
const CACHE_MAX = 200_000;

/** MaxMind's City layout nests the place under `location`; ip-location-db's flat one does not. */
interface CityRecord {
  location?: { latitude?: number; longitude?: number };
  latitude?: number;
  longitude?: number;
}

export interface GeoLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Where an address is, from MaxMind-format (.mmdb) City databases: MaxMind's GeoLite2/GeoIP2 City
 * or DB-IP City, or ip-location-db's (which ship IPv4 and IPv6 as two files). Each address is looked
 * up once and remembered, so an announce costs a Map read, not a tree walk.
 */
export class GeoLocator {
  private readonly cache = new Map<string, GeoPoint | null>();

  constructor(private readonly readers: Reader<Response>[]) {}

  /** The locator of the .mmdb files at `paths`, or undefined (with a warning) when one cannot be read. */
  static open(paths: string[], logger: GeoLogger): GeoLocator | undefined {
    const readers: Reader<Response>[] = [];
    for (const path of paths) {
      try {
        readers.push(new Reader<Response>(readFileSync(path)));
      } catch (err) {
        logger.warn({ path, err: (err as Error).message }, 'geo off: cannot read the geo database; peers are handed out in plain order');
        return undefined;
      }
    }
    return new GeoLocator(readers);
  }

  /** The place of an address in text form; undefined when the database does not know it. */
  locate(ip: string): GeoPoint | undefined {
    let hit = this.cache.get(ip);
    if (hit === undefined) {
      hit = this.lookup(ip);
      if (this.cache.size >= CACHE_MAX) this.forgetOldest();
      this.cache.set(ip, hit);
    }
    return hit ?? undefined;
  }

  private lookup(ip: string): GeoPoint | null {
    for (const reader of this.readers) {
      let rec: CityRecord | null;
      try {
        rec = reader.get(ip) as CityRecord | null;
      } catch {
        // An IPv4-only database asked for an IPv6 address.
        continue;
      }
      const lat = rec?.location?.latitude ?? rec?.latitude;
      const lon = rec?.location?.longitude ?? rec?.longitude;
      if (typeof lat === 'number' && typeof lon === 'number') return { lat, lon };
    }
    return null;
  }

  private forgetOldest(): void {
    let drop = this.cache.size >> 1;
    for (const key of this.cache.keys()) {
      if (drop-- <= 0) break;
      this.cache.delete(key);
    }
  }
}

/** The locator config `geo` asks for: undefined when geo is off, or (with a warning) when its file cannot be read. */
export function geoLocatorFor(geo: { enabled: boolean; database: string; database_ipv6: string }, logger: GeoLogger): GeoLocator | undefined {
  if (!geo.enabled) return undefined;
  if (geo.database === '') {
    logger.warn({}, 'geo off: geo.enabled is set but geo.database names no file; peers are handed out in plain order');
    return undefined;
  }
  return GeoLocator.open([geo.database, ...(geo.database_ipv6 === '' ? [] : [geo.database_ipv6])], logger);
}
