import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ScrapeEntry } from '../store/store.js';

const HEAD = Buffer.from('d5:filesd', 'latin1');
const TAIL = Buffer.from('ee', 'latin1');

/** Bytes of one entry at most: 23 of key, 44 of fixed text, three integers of at most 20 digits. */
const ENTRY_MAX = 23 + 44 + 3 * 20;

const byHash = (a: ScrapeEntry, b: ScrapeEntry): number => (a.infoHash < b.infoHash ? -1 : a.infoHash > b.infoHash ? 1 : 0);

/** `<20-byte info_hash>d8:completei…e10:downloadedi…e10:incompletei…ee` for each of `sorted`, in one buffer. */
function files(sorted: ScrapeEntry[]): Buffer {
  const out = Buffer.allocUnsafe(sorted.length * ENTRY_MAX);
  let at = 0;
  for (const e of sorted) {
    at += out.write('20:', at, 'latin1');
    at += out.write(e.infoHash, at, 'hex');
    at += out.write(`d8:completei${Math.trunc(e.complete)}e10:downloadedi${Math.trunc(e.downloaded)}e10:incompletei${Math.trunc(e.incomplete)}ee`, at, 'latin1');
  }
  return out.subarray(0, at);
}

/**
 * `{ files: { <20-byte info_hash>: { complete, downloaded, incomplete } } }` (BEP 48). Bencode wants
 * the raw keys in byte order: lowercase hex of equal length sorts as its bytes do, so the hex is
 * sorted (a generic encoder sorting the binary keys as text gets them wrong). Entries are written
 * `slice` at a time, an event-loop turn between two slices, so that a large reply does not hold up
 * the announces arriving meanwhile; a reply of one slice or less is written at once.
 */
export async function scrapeReply(entries: ScrapeEntry[], slice: number): Promise<Buffer> {
  const sorted = [...entries].sort(byHash);
  const parts: Buffer[] = [HEAD];
  for (let start = 0; start < sorted.length; start += slice) {
    if (start > 0) await nextTurn();
    parts.push(files(sorted.slice(start, start + slice)));
  }
  parts.push(TAIL);
  return Buffer.concat(parts);
}
