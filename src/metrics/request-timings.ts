import type { RequestKind, TrackerTimings } from '../tracker/tracker.js';
import { BucketHistogram } from './bucket-histogram.js';

const KINDS: readonly RequestKind[] = ['announce', 'scrape'];

/** The tracker's latency histograms: what it reports through TrackerTimings, one observation each. */
export class RequestTimings implements TrackerTimings {
  readonly requestDuration = new BucketHistogram<RequestKind>('mika_request_duration_seconds', 'Announces and scrapes from the call to the reply, failures included', 'kind', KINDS);
  readonly storageDuration = new BucketHistogram<RequestKind>('mika_storage_duration_seconds', 'The store call of an announce or scrape (one Redis script, or the memory store), when it answered', 'op', KINDS);

  request(kind: RequestKind, seconds: number): void {
    this.requestDuration.observe(kind, seconds);
  }

  storage(kind: RequestKind, seconds: number): void {
    this.storageDuration.observe(kind, seconds);
  }
}
