import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { scrapeReply } from '../../src/tracker/scrape-reply.js';

const entry = (hex: string, n: number) => ({ infoHash: hex, complete: n, incomplete: n + 1, downloaded: n + 2 });

describe('the scrape reply', () => {
  const entries = [entry('ff'.repeat(20), 1), entry('00'.repeat(20), 2), entry('7f'.repeat(19) + '80', 3), entry('80'.repeat(20), 4), entry('7f'.repeat(20), 5)];

  it('keys the files by the raw info_hash in byte order, as bencode requires', async () => {
    const body = await scrapeReply(entries, 500);
    const keys = entries.map((e) => Buffer.from(e.infoHash, 'hex')).sort(Buffer.compare);
    const decoded = bencode.decode(body) as { files: Record<string, { complete: number }> };
    // bencode decodes keys as text: compare the order of the raw keys in the body instead.
    const at = keys.map((k) => body.indexOf(k));
    expect(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1]!))).toBe(true);
    expect(Object.keys(decoded.files)).toHaveLength(5);
    expect(body.subarray(body.indexOf(keys[0]!) + 20, body.indexOf(keys[0]!) + 70).toString()).toBe('d8:completei2e10:downloadedi4e10:incompletei3ee20:');
  });

  it('is the same bytes whether written in one slice or in many', async () => {
    expect(await scrapeReply(entries, 2)).toEqual(await scrapeReply(entries, 500));
    expect((await scrapeReply([], 2)).toString()).toBe('d5:filesdee');
  });
});
