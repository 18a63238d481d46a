import type { ScrapeEntry } from '../store/store.js';
import { BencodeWriter } from './bencode-writer.js';

/**
 * `{ files: { <20-byte info_hash>: { complete, downloaded, incomplete } } }` (BEP 48). The keys are
 * raw bytes, so they are sorted with Buffer.compare: bencode requires byte order, and a generic
 * encoder sorting them as text gets binary keys wrong.
 */
export function scrapeReply(entries: ScrapeEntry[]): Buffer {
  const rows = entries.map((e) => ({ key: Buffer.from(e.infoHash, 'hex'), e })).sort((a, b) => Buffer.compare(a.key, b.key));
  const w = new BencodeWriter().raw('d5:filesd');
  for (const { key, e } of rows) {
    w.bytes('', key).raw('d').int('complete', e.complete).int('downloaded', e.downloaded).int('incomplete', e.incomplete).raw('e');
  }
  return w.raw('ee').done();
}
