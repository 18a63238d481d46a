import { endpointText } from '../net/ip-address.js';
import { recordsOf, v4Of, v6Of } from '../store/peer-record.js';
import { distanceKm, type GeoPoint } from './distance.js';

/**
 * The `numwant` peers nearest to `asker` out of `sample` (peer records end to end, in rotation order): nearest
 * first, peers without a known place last. The sort is stable, so peers at equal distances (and
 * all the unplaced ones) keep the rotation's order, and with it its fairness.
 */
export function nearestFirst(sample: Buffer, asker: GeoPoint, locate: (ip: string) => GeoPoint | undefined, numwant: number): Buffer {
  const ranked = recordsOf(sample).map((record, i) => {
    const endpoint = v4Of(record) ?? v6Of(record);
    const place = endpoint && locate(endpointText(endpoint));
    return { record, i, d: place ? distanceKm(asker, place) : Number.POSITIVE_INFINITY };
  });
  ranked.sort((a, b) => a.d - b.d || a.i - b.i);
  return Buffer.concat(ranked.slice(0, numwant).map((r) => r.record));
}
